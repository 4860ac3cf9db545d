"""HTTP errors whose Indonesian message is shown on the error page."""

from __future__ import annotations

from werkzeug.exceptions import HTTPException, default_exceptions


def whole_number(text: str, max_digits: int) -> int | None:
    """``text`` as a whole number of at most ``max_digits`` ASCII digits, else None
    (``"²"`` is a digit to ``str.isdigit`` but not to ``int``; a 5,000-digit number is refused)."""
    text = text.strip()
    if not text or len(text) > max_digits or not text.isascii() or not text.isdigit():
        return None
    return int(text)


def indonesian_abort(code: int, message: str) -> HTTPException:
    """An HTTP error (raise it) whose Indonesian ``message`` the error page shows."""
    exc = default_exceptions[code](description=message)
    exc.sopdocs_message = True  # type: ignore[attr-defined]
    return exc

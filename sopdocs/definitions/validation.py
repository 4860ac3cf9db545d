"""Turn a YAML document into a validated model, reporting every problem at once.

Models are pydantic classes (declarative, and they give the JSON Schema for free);
this module maps pydantic's error locations back to the file's lines and words the
messages in Indonesian, as the people editing the files read them.
"""

from __future__ import annotations

from typing import Any, Callable, TypeVar

import pydantic

from sopdocs.errors import Problem, ValidationError
from sopdocs.definitions.yamlload import FieldPath, YamlDocument

M = TypeVar("M", bound=pydantic.BaseModel)

_MESSAGES = {
    "missing": "wajib diisi",
    "extra_forbidden": "kunci tidak dikenal (periksa ejaan; lihat `sopdocs schema`)",
    "string_type": "harus berupa teks",
    "int_type": "harus berupa bilangan bulat",
    "int_parsing": "harus berupa bilangan bulat",
    "int_parsing_size": "bilangan terlalu panjang",
    "int_from_float": "harus berupa bilangan bulat",
    "float_type": "harus berupa angka",
    "float_parsing": "harus berupa angka",
    "finite_number": "harus berupa angka terhingga (bukan .inf/.nan)",
    "date_type": "harus berupa tanggal, mis. 02 Januari 2024",
    "list_type": "harus berupa daftar (baris diawali '- ')",
    "dict_type": "harus berupa pemetaan (kunci: nilai)",
    "model_type": "harus berupa pemetaan (kunci: nilai)",
    "bool_type": "harus berupa ya/tidak (true/false)",
    "bool_parsing": "harus berupa ya/tidak (true/false)",
    "too_short": "tidak boleh kosong",
    "string_too_short": "tidak boleh kosong",
}


def _message(error: Any) -> str:
    kind = error.get("type", "")
    if kind in ("value_error", "assertion_error"):
        message = str(error.get("msg", ""))
        return message.removeprefix("Value error, ").removeprefix("Assertion failed, ")
    if kind == "literal_error":
        expected = error.get("ctx", {}).get("expected", "")
        return f"nilai tidak dikenal; pilihan: {expected}"
    if kind in ("greater_than_equal", "less_than_equal", "greater_than", "less_than"):
        return f"di luar batas ({error.get('msg')})"
    if kind in ("too_long", "string_too_long"):
        return f"terlalu panjang ({error.get('msg')})"
    return _MESSAGES.get(kind, str(error.get("msg", kind)))


def _path(loc: tuple[Any, ...]) -> FieldPath:
    # pydantic adds union-member and function tags to loc; keep real keys/indices only
    out: list[str | int] = []
    for part in loc:
        if isinstance(part, int):
            out.append(part)
        elif isinstance(part, str) and not part.startswith(("function-", "union[", "tagged-union")) and "[" not in part:
            out.append(part)
    return tuple(out)


def validate(
    model: type[M],
    doc: YamlDocument,
    checks: Callable[[M, YamlDocument], list[Problem]] | None = None,
) -> tuple[M, list[Problem]]:
    """Validate ``doc`` against ``model``; then run cross-field ``checks``.

    Returns the model and the warnings. Raises :class:`ValidationError` with every
    error found (schema errors first; cross-field checks need a valid model).
    """
    if not isinstance(doc.data, dict):
        raise ValidationError([Problem("isi berkas harus berupa pemetaan (kunci: nilai)", file=doc.file, line=1)])
    try:
        instance = model.model_validate(doc.data, context={"file": doc.file})
    except pydantic.ValidationError as exc:
        problems = []
        seen: set[tuple[FieldPath, str]] = set()
        for error in exc.errors():
            path = _path(error["loc"])
            message = _message(error)
            if (path, message) in seen:
                continue
            seen.add((path, message))
            problems.append(doc.problem(path, message))
        raise ValidationError(problems) from None
    found = checks(instance, doc) if checks else []
    errors = [p for p in found if p.severity == "error"]
    if errors:
        raise ValidationError(errors)
    return instance, [p for p in found if p.severity == "warning"]

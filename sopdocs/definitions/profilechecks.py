"""Checks of an agency profile that look at several fields or outside the file: the NIP of
the head, the logo file, the margins on the chosen paper and the extra holidays.

They work on plain values, so the full model (:mod:`sopdocs.definitions.profile`) and the
quick read (:mod:`sopdocs.definitions.quickprofile`) run the very same checks.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from pathlib import Path

from sopdocs.definitions.yamlload import YamlDocument
from sopdocs.errors import Problem, SopdocsError

#: Paper sizes in millimetres (width, height), portrait.
PAPER_MM: dict[str, tuple[float, float]] = {"A4": (210.0, 297.0), "F4": (215.0, 330.0)}
#: Narrowest text width (page width minus left and right margins) and shortest text height
#: a letter may have, in cm: below that the kop and the signature block do not fit.
MIN_TEXT_WIDTH_CM = 12.0
MIN_TEXT_HEIGHT_CM = 18.0
#: Picture files a logo may be.
LOGO_SUFFIXES = (".png", ".jpg", ".jpeg", ".gif", ".bmp")
#: The page-number form (``tata_letak.nomor_halaman``): this token is replaced by the number.
PAGE_TOKEN = "{halaman}"
#: Longest page-number form.
MAX_PAGE_FORM_CHARS = 40


def check_page_form(value: str) -> str:
    """``tata_letak.nomor_halaman``: one ``{halaman}`` in plain text (else ValueError)."""
    if value.count(PAGE_TOKEN) != 1:
        raise ValueError(f'harus memuat {PAGE_TOKEN} tepat satu kali, mis. "- {PAGE_TOKEN} -"')
    if len(value) > MAX_PAGE_FORM_CHARS:
        raise ValueError(f"paling panjang {MAX_PAGE_FORM_CHARS} karakter")
    rest = value.replace(PAGE_TOKEN, "")
    if "{" in rest or "}" in rest or any(ord(c) < 32 for c in rest):
        raise ValueError(f"hanya boleh teks biasa di sekitar {PAGE_TOKEN}")
    return value


def logo_path(base_dir: Path, logo: str) -> Path | None:
    """The logo file a profile names (relative to the profile's folder), or None."""
    if not logo:
        return None
    return (base_dir / logo).resolve()


def check_profile(doc: YamlDocument, *, nip: str | None, logo: Path | None, paper: str,
                  margin: Mapping[str, float], extra_holidays: Iterable[str]) -> list[Problem]:
    """Errors and warnings of a profile whose fields are each valid: ``margin`` in cm by
    side (``atas``, ``bawah``, ``kiri``, ``kanan``), ``extra_holidays`` the dates of
    ``hari_libur.tambahan`` as written."""
    from sopdocs.indonesian.nip import check_nip

    problems: list[Problem] = []
    if nip:
        for warning in check_nip(nip).warnings:
            problems.append(doc.problem(("kepala", "nip"), warning, "warning"))
    if logo is not None and not logo.is_file():
        problems.append(doc.problem(("logo",), f"berkas logo tidak ditemukan: {logo}"))
    if logo is not None and logo.suffix.lower() not in LOGO_SUFFIXES:
        problems.append(doc.problem(("logo",), "logo harus berupa gambar PNG, JPG, GIF atau BMP"))
    problems.extend(_check_layout(doc, paper, margin))
    for key in extra_holidays:
        from sopdocs.indonesian.dates import parse_tanggal

        try:
            parse_tanggal(key)
        except SopdocsError as exc:
            problems.append(doc.problem(("hari_libur", "tambahan", key), str(exc)))
    return problems


def _check_layout(doc: YamlDocument, paper: str, margin: Mapping[str, float]) -> list[Problem]:
    """Margins that leave room for a letter on the chosen paper (portrait and landscape)."""
    width_cm, height_cm = (v / 10.0 for v in PAPER_MM[paper])
    problems = []
    text_width = width_cm - margin["kiri"] - margin["kanan"]
    if text_width < MIN_TEXT_WIDTH_CM:
        problems.append(doc.problem(
            ("tata_letak", "margin", "kiri"),
            f"margin kiri {margin['kiri']:g} cm + kanan {margin['kanan']:g} cm menyisakan {text_width:.1f} cm "
            f"pada kertas {paper}; isi naskah perlu lebar minimal {MIN_TEXT_WIDTH_CM:g} cm"))
    text_height = height_cm - margin["atas"] - margin["bawah"]
    if text_height < MIN_TEXT_HEIGHT_CM:
        problems.append(doc.problem(
            ("tata_letak", "margin", "atas"),
            f"margin atas {margin['atas']:g} cm + bawah {margin['bawah']:g} cm menyisakan {text_height:.1f} cm "
            f"pada kertas {paper}; isi naskah perlu tinggi minimal {MIN_TEXT_HEIGHT_CM:g} cm"))
    return problems

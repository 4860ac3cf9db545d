"""The identity part of an SOP AP sheet: labelled values and the six headed lists.

Labels are recognised by their letters only (``TGL. EFEKTIF``, ``Tanggal Efektif :``,
``NOMOR SOP``). A value is found, in this order: after a colon on the label's line, on
the next lines of the label's cell, in the next cell to the right, or (for the headed
lists) in the cell below. ``-`` means empty.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from sopdocs.errors import SopdocsError
from sopdocs.indonesian.dates import parse_tanggal
from sopdocs.indonesian.nip import check_nip, format_nip
from sopdocs.kinds.sop.wordimport.findings import Findings
from sopdocs.kinds.sop.wordimport.grid import Cell, Table
from sopdocs.kinds.sop.wordimport.text import EMPTY_MARKS, Para, join_lines, list_items, normalise_label

SCALARS = {
    "nomor": ("NOMORSOP", "NOSOP", "NOMOR"),
    "tanggal_pembuatan": ("TANGGALPEMBUATAN", "TGLPEMBUATAN", "TGL", "TANGGAL", "TANGGALDIBUAT", "TGLDIBUAT"),
    "tanggal_revisi": ("TANGGALREVISI", "TGLREVISI", "REVISI"),
    "tanggal_efektif": ("TANGGALEFEKTIF", "TGLEFEKTIF", "TANGGALBERLAKU", "TGLBERLAKU"),
    "disahkan_oleh": ("DISAHKANOLEH", "DISAHKAN", "PENGESAHAN"),
    "nama": ("NAMASOP", "JUDULSOP", "NAMAPROSEDUR"),
}
LISTS = {
    "dasar_hukum": ("DASARHUKUM",),
    "kualifikasi_pelaksana": ("KUALIFIKASIPELAKSANA", "KUALIFIKASI"),
    "keterkaitan": ("KETERKAITAN", "KETERKAITANSOP", "KETERKAITANDENGANSOPLAIN"),
    "peralatan_perlengkapan": ("PERALATANPERLENGKAPAN", "PERALATANDANPERLENGKAPAN", "PERALATAN", "PERLENGKAPAN"),
    "peringatan": ("PERINGATAN",),
    "pencatatan_pendataan": ("PENCATATANDANPENDATAAN", "PENCATATANPENDATAAN", "PENCATATAN", "PENDATAAN"),
}
_LABELS = {variant: key for key, variants in (*SCALARS.items(), *LISTS.items()) for variant in variants}
_LABEL_LINE = re.compile(r"^\s*([A-Za-z][A-Za-z ./]{1,40}?)\s*(?::\s*(.*))?$")
_TITLE = re.compile(r"^\s*(?:NAMA\s+)?SOP\s*:\s*(.+)$", re.IGNORECASE)
_NIP = re.compile(r"\b(?:NIP|KIP|N\.I\.P)\b\.?\s*:?\s*([\d .]{18,26})", re.IGNORECASE)
_NIP_BARE = re.compile(r"(?<!\d)(\d{8}\s?\d{6}\s?\d\s?\d{3})(?!\d)")
_PANGKAT = re.compile(r"^(?P<pangkat>(?:Pembina|Penata|Pengatur|Juru)[A-Za-z .]*?)\s*(?:[(,/-]\s*(?P<gol>[IV]{1,3}\s*/\s*[a-eA-E])\s*\)?)?\s*$")
#: Lines of a signature block that are not the signer: "ttd", "cap", "dto", a stamp note.
_NOT_A_NAME = re.compile(r"(?i)\(?\s*(ttd|t\.t\.d|dto|cap|stempel|cap dinas|tanda tangan)\.?\s*\)?")
_GOLONGAN = re.compile(r"^\(?\s*(?:Gol(?:ongan)?\.?\s*)?([IV]{1,3}\s*/\s*[a-eA-E])\s*\)?$")


def label_key(line: str) -> tuple[str, str] | None:
    """(definition key, text after the colon) when ``line`` is an identity label."""
    match = _LABEL_LINE.match(line)
    if not match:
        return None
    key = _LABELS.get(normalise_label(match.group(1)))
    return (key, (match.group(2) or "").strip()) if key else None


@dataclass
class Identity:
    values: dict[str, object] = field(default_factory=dict)
    instansi: str = ""


def _value_paras(table: Table, cell: Cell, rest: str, paras: list[Para], *, listy: bool) -> list[Para]:
    """The paragraphs holding the value of a label: after its colon, its own lines, else
    the next cell to the right (past a cell holding only ":"), else for lists the cell below."""
    if rest:
        return [Para(lines=[rest]), *paras]
    if paras:
        return paras
    row = table.rows[cell.row]
    col = cell.col + cell.span
    right = row.at(col)
    while right is not None and right.text.strip() == ":":
        col = right.col + right.span
        right = row.at(col)
    if right is not None and right.origin is not cell.origin and right.lines and label_key(right.lines[0]) is None:
        return right.paras
    if listy and cell.row + 1 < len(table.rows):
        below = table.rows[cell.row + 1].at(cell.col)
        if below is not None and below.origin is not cell.origin and not (below.lines and label_key(below.lines[0])):
            return below.paras
    return []


def _segments(cell: Cell) -> list[tuple[str, str, list[Para]]]:
    """(key, text after the colon, following paragraphs) for every label line of ``cell``."""
    out: list[tuple[str, str, list[Para]]] = []
    for para in cell.paras:
        lines = [re.sub(r"^:\s*", "", line) for line in para.lines if line and line.strip() != ":"]
        for index, line in enumerate(lines):
            hit = label_key(line)
            if hit is not None:
                out.append((hit[0], hit[1], []))
            elif out:
                if index == 0 or not out[-1][2]:
                    out[-1][2].append(Para(lines=[line], numbered=para.numbered and index == 0))
                else:
                    out[-1][2][-1].lines.append(line)
    return out


def read_identity(tables: list[Table], paragraphs: list[str], findings: Findings) -> Identity:
    identity = Identity()
    found: dict[str, list[Para]] = {}
    for table in tables:
        for row in table.rows:
            for cell in row.cells:
                if cell.merged_from is not None:
                    continue
                segments = _segments(cell)
                if not segments:
                    if not identity.instansi and re.search(r"\b(DINAS|BADAN|KANTOR|SEKRETARIAT|INSPEKTORAT|BIRO)\b", cell.text):
                        identity.instansi = cell.text
                    continue
                for number, (key, rest, paras) in enumerate(segments):
                    if key in found:
                        continue
                    if number == len(segments) - 1:
                        found[key] = _value_paras(table, cell, rest, paras, listy=key in LISTS)
                    else:
                        found[key] = [Para(lines=[rest]), *paras] if rest else paras
    for line in paragraphs:
        title = _TITLE.match(line)
        if title and "nama" not in found:
            found["nama"] = [Para(lines=[title.group(1)])]
        hit = label_key(line)
        if hit and hit[1] and hit[0] not in found and hit[0] in SCALARS:
            found[hit[0]] = [Para(lines=[hit[1]])]
    values = identity.values
    for key in ("nomor", "nama"):
        text = join_lines([line for para in found.get(key, []) for line in para.lines])
        text = "" if text.casefold() in EMPTY_MARKS else text
        if not text:
            findings.add(key, "tidak ditemukan di dokumen; isi sendiri")
        values[key] = text
    for key in ("tanggal_pembuatan", "tanggal_revisi", "tanggal_efektif"):
        text = join_lines([line for para in found.get(key, []) for line in para.lines])
        if text.casefold() in EMPTY_MARKS:
            if key != "tanggal_revisi":
                findings.add(key, "tidak ditemukan di dokumen; isi tanggalnya (mis. 02 Januari 2024)")
                values[key] = ""
            else:
                values[key] = None
            continue
        try:
            parse_tanggal(text)
        except SopdocsError:
            findings.add(key, f"{text!r} tidak terbaca sebagai tanggal; perbaiki (mis. 02 Januari 2024)")
        values[key] = text
    signer = found.get("disahkan_oleh")
    values["disahkan_oleh"] = _signer([line for para in signer for line in para.lines if line], findings) if signer else None
    if signer is None:
        findings.add("disahkan_oleh", "tidak ditemukan; yang mengesahkan diambil dari kepala instansi di profil")
    for key in LISTS:
        listed = found.get(key)
        if listed is None:
            findings.add(key, "judul daftar tidak ditemukan; daftar dibiarkan kosong")
        values[key] = list_items(listed or [])
    return identity


def _signer(lines: list[str], findings: Findings) -> dict[str, str] | None:
    """Jabatan, nama, pangkat/golongan and NIP from the lines of the DISAHKAN OLEH cell."""
    nip = ""
    rest: list[str] = []
    for line in lines:
        match = _NIP.search(line) or (_NIP_BARE.search(line) if re.sub(r"\D", "", line) and len(re.sub(r"[\d\s.]", "", line)) < 5 else None)
        if match and not nip:
            digits = re.sub(r"\D", "", match.group(1))
            if len(digits) == 18:
                nip = format_nip(digits)
                before = line[: match.start()].strip()
                if before and not re.fullmatch(r"(?i)(nip|kip)\.?\s*:?", before):
                    rest.append(before)
                continue
        rest.append(line)
    pangkat = golongan = ""
    keep: list[str] = []
    rest = [line for line in rest if not _NOT_A_NAME.fullmatch(line.strip())]
    for line in rest:
        match = _PANGKAT.match(line)
        gol = _GOLONGAN.match(line)
        if match and not pangkat:
            pangkat, golongan = match.group("pangkat").strip(), re.sub(r"\s", "", match.group("gol") or "")
        elif gol and not golongan:
            golongan = re.sub(r"\s", "", gol.group(1))
        else:
            keep.append(line)
    if not keep:
        findings.add("disahkan_oleh", "isi sel DISAHKAN OLEH tidak terbaca; isi jabatan dan nama")
        return None
    nama = keep[-1]
    jabatan_lines = keep[:-1]
    if not jabatan_lines:
        findings.add("disahkan_oleh.jabatan", "jabatan yang mengesahkan tidak tertulis; isi sendiri")
    jabatan = re.sub(r"[,\s]+$", "", join_lines(jabatan_lines))
    if not nip:
        findings.add("disahkan_oleh.nip", "NIP tidak ditemukan")
    elif check_nip(nip).errors:
        findings.add("disahkan_oleh.nip", f"NIP {nip} tidak sah; periksa")
    result = {"jabatan": jabatan, "nama": nama}
    if nip:
        result["nip"] = nip
    if pangkat:
        result["pangkat"] = pangkat
    if golongan:
        result["golongan"] = golongan
    return result

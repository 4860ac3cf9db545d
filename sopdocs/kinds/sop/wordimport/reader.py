"""``import_sop``: a hand-made SOP AP Word file read into an SOP definition."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sopdocs.definitions.profile import AgencyProfile
from sopdocs.errors import Problem, SopdocsError, ValidationError
from sopdocs.indonesian.durasi import parse_durasi
from sopdocs.kinds.sop.sopdef import MAX_ACTORS, MAX_STEPS, SopDefinition, sop_from_text
from sopdocs.kinds.sop.wordimport.activity import ActivityTables, read_activity
from sopdocs.kinds.sop.wordimport.findings import Finding, Findings, ImportRefused
from sopdocs.kinds.sop.wordimport.grid import Table, body_tables, nested_tables, read_table
from sopdocs.kinds.sop.wordimport.identity import read_identity
from sopdocs.kinds.sop.wordimport.package import read_docx
from sopdocs.kinds.sop.wordimport.placement import Placement, place
from sopdocs.kinds.sop.wordimport.shapes import Geometry, collect_shapes
from sopdocs.kinds.sop.wordimport.text import EMPTY_MARKS, W, local, paragraph
from sopdocs.kinds.sop.wordimport.textdecision import targets_in_text
from sopdocs.kinds.sop.wordimport.wordsplit import lexicon_of, repair
from sopdocs.kinds.sop.wordimport.yamlout import to_yaml

#: Most tables in a document searched for the sheet.
MAX_TABLES = 400


@dataclass
class ImportResult:
    """The imported definition as YAML text, what to check, and whether it validates."""

    source: Path
    data: dict[str, Any]
    findings: list[Finding]
    yaml_text: str
    problems: list[Problem] = field(default_factory=list)  # validation problems of yaml_text (what to fill in)
    definition: SopDefinition | None = None  # the validated definition, when it validates

    @property
    def valid(self) -> bool:
        return self.definition is not None


def _same_person(a: dict[str, str], profile: AgencyProfile) -> bool:
    head = profile.kepala
    if head is None:
        return False

    def norm(text: str | None) -> str:
        return re.sub(r"[\s.,]", "", text or "").casefold()

    return (norm(a.get("jabatan")) == norm(head.jabatan) and norm(a.get("nama")) == norm(head.nama)
            and norm(a.get("nip")) == norm(head.nip) and norm(a.get("pangkat")) == norm(head.pangkat)
            and norm(a.get("golongan")) == norm(head.golongan))


def import_sop(path: Path, *, profile: AgencyProfile | None = None, profile_ref: str = "",
               yaml_name: str = "<impor>") -> ImportResult:
    """Read the SOP AP sheet in the .docx at ``path``. ``profile``: the agency profile the
    definition will name (``profile_ref``, written as ``profil:``); a signer equal to its
    head is then left out (the sheet shows the head by default)."""
    package = read_docx(Path(path))
    findings = Findings()
    nodes = body_tables(package.body)[:MAX_TABLES]
    tables = [read_table(node) for node in nodes]
    activity = read_activity(tables, findings)
    if activity is None or not activity.steps:
        raise ImportRefused(f"{path}: tabel kegiatan SOP tidak ditemukan (tabel dengan kolom NO, KEGIATAN/URAIAN "
                            "PROSEDUR dan PELAKSANA); apakah ini lembar SOP format SOP AP?")
    identity_tables: list[Table] = []
    for index, node in enumerate(nodes):
        if index in activity.tables:
            continue
        identity_tables.append(tables[index])
        identity_tables.extend(read_table(inner) for inner in nested_tables(node)[:MAX_TABLES])
    for page_header in package.headers:  # an identity part repeated on every page sits in the page header
        for node in page_header.iter(f"{{{W}}}tbl"):
            identity_tables.append(read_table(node))
            if len(identity_tables) >= MAX_TABLES:
                break
    identity_tables = identity_tables[:MAX_TABLES]
    body_lines = [paragraph(p).text for p in package.body if local(p.tag) == "p"]
    identity = read_identity(identity_tables, [line for line in body_lines if line], findings)
    geometry = Geometry(package, tables, nodes)
    shapes = collect_shapes(package, geometry)
    placement = place(activity, geometry, shapes, findings)
    data = _definition(identity.values, activity, placement, findings, profile, profile_ref)
    shown_name = " ".join(re.sub(r"[\x00-\x1f\x7f-\x9f]", "?", Path(path).name).split())
    header = [f"Diimpor dari {shown_name} oleh 'sopdocs import sop'.",
              "Baris bertanda PERIKSA tidak terbaca dengan pasti: periksa dan perbaiki sebelum dipakai."]
    if identity.instansi:  # the agency comes from the profile; say what the sheet showed
        instansi = " ".join(re.sub(r"[\x00-\x1f\x7f-\x9f]", " ", identity.instansi).split())[:200]
        header.append(f"Instansi di lembar: {instansi} (kop lembar diambil dari profil instansi).")
    commented = _unresolved_decisions(data)
    text = to_yaml(data, findings.items, header, commented=commented)
    result = ImportResult(source=Path(path), data=data, findings=list(findings.items), yaml_text=text)
    try:
        sop, _ = sop_from_text(text, yaml_name)
    except ValidationError as exc:
        result.problems = [p for p in exc.problems]
    else:
        result.definition = sop
    return result


def _definition(values: dict[str, Any], activity: ActivityTables, placement: Placement, findings: Findings,
                profile: AgencyProfile | None, profile_ref: str) -> dict[str, Any]:
    names = [name for name in activity.columns.names]
    for index, name in enumerate(names):
        if not name:
            names[index] = f"Pelaksana {index + 1}"
            findings.add("pelaksana", f"kolom pelaksana ke-{index + 1} tanpa nama; diberi nama {names[index]!r}")
    if len(names) > MAX_ACTORS:
        findings.add("pelaksana", f"ada {len(names)} kolom pelaksana; lembar SOP sopdocs memuat paling banyak {MAX_ACTORS}")
    texts: list[str] = []
    for record in activity.steps:
        texts += [record.kegiatan, record.output, record.keterangan, *record.kelengkapan]
    for value in values.values():
        texts += [value] if isinstance(value, str) else [str(v) for v in value] if isinstance(value, list) else []
    lexicon = lexicon_of(texts)

    def fix_text(text: str, field_name: str, step: int | None = None) -> str:
        repaired, notes = repair(text, lexicon)
        for note in notes:
            findings.add(field_name, note, step)
        return repaired

    names = [fix_text(name, "pelaksana") for name in names]
    values = dict(values)
    values["nama"] = fix_text(values["nama"], "nama")
    for key in ("dasar_hukum", "kualifikasi_pelaksana", "keterkaitan", "peralatan_perlengkapan", "peringatan",
                "pencatatan_pendataan"):
        values[key] = [fix_text(item, key) for item in values[key]]
    if values.get("disahkan_oleh"):
        values["disahkan_oleh"] = {k: fix_text(v, f"disahkan_oleh.{k}") for k, v in values["disahkan_oleh"].items()}
    steps: list[dict[str, Any]] = []
    expected = 1
    for index, record in enumerate(activity.steps):
        number = index + 1
        if record.number != expected:
            findings.add("langkah", f"nomor langkah di dokumen {record.number}, urutan ke-{number}; langkah dinomori "
                                    "menurut urutannya", number)
        expected = (record.number or expected) + 1
        step: dict[str, Any] = {}

        def fixed(text: str, field_name: str) -> str:
            return fix_text(text, field_name, number)

        kegiatan = fixed(record.kegiatan, "kegiatan")
        if not kegiatan:
            findings.add("kegiatan", "uraian kegiatan kosong; isi", number)
        step["kegiatan"] = kegiatan
        actor = placement.actor.get(index)
        step["pelaksana"] = names[actor] if actor is not None and actor < len(names) else ""
        step["kelengkapan"] = [fixed(item, "kelengkapan") for item in record.kelengkapan]
        waktu = record.waktu
        if not waktu:
            findings.add("waktu", "waktu kosong; isi (mis. 30 menit, 1 jam)", number)
        else:
            try:
                parse_durasi(waktu)
            except SopdocsError:
                spaced = re.sub(r"(\d)([A-Za-z])", r"\1 \2", waktu)
                try:
                    parse_durasi(spaced)
                    waktu = spaced
                except SopdocsError:
                    findings.add("waktu", f"{waktu!r} tidak terbaca sebagai durasi; perbaiki (mis. 1 jam 30 menit)", number)
        step["waktu"] = waktu
        output = fixed(record.output, "output")
        if output.casefold() not in EMPTY_MARKS:
            step["output"] = output
        keterangan = fixed(record.keterangan, "keterangan")
        if keterangan.casefold() not in EMPTY_MARKS:
            step["keterangan"] = keterangan
        for field_name in sorted(record.merged):
            findings.add(field_name, "sel digabung dengan langkah lain; isinya dipakai untuk setiap langkah itu", number)
        steps.append(step)
    if len(steps) > MAX_STEPS:
        findings.add("langkah", f"ada {len(steps)} langkah; lembar SOP sopdocs memuat paling banyak {MAX_STEPS}")
    _decide(steps, activity, placement, findings)
    data: dict[str, Any] = {}
    if profile_ref:
        data["profil"] = profile_ref
    data["nomor"] = values["nomor"]
    data["nama"] = values["nama"]
    data["tanggal_pembuatan"] = values["tanggal_pembuatan"]
    data["tanggal_revisi"] = values["tanggal_revisi"]
    data["tanggal_efektif"] = values["tanggal_efektif"]
    signer = values.get("disahkan_oleh")
    if signer is not None and profile is not None and _same_person(signer, profile):
        signer = None
    data["disahkan_oleh"] = signer
    for key in ("dasar_hukum", "kualifikasi_pelaksana", "keterkaitan", "peralatan_perlengkapan", "peringatan",
                "pencatatan_pendataan"):
        data[key] = values[key]
    data["pelaksana"] = names
    data["langkah"] = steps
    _check_total(activity, steps, findings)
    return data


def _decide(steps: list[dict[str, Any]], activity: ActivityTables, placement: Placement, findings: Findings) -> None:
    count = len(steps)
    for index, step in enumerate(steps):
        number = index + 1
        from_text = targets_in_text(" ".join((step["kegiatan"], step.get("keterangan", ""))))
        from_arrows = {k: v + 1 for k, v in placement.decisions.get(index, {}).items()}
        is_decision = index in placement.decision_steps or len(from_text) == 2
        if not is_decision:
            continue
        targets = dict(from_arrows)
        for branch, target in from_text.items():
            if branch in targets and targets[branch] != target:
                findings.add("keputusan", f"panah {branch.capitalize()} menuju langkah {targets[branch]} tetapi teks "
                                          f"menyebut langkah {target}; periksa", number)
            targets.setdefault(branch, target)
        if index not in placement.decision_steps:
            findings.add("keputusan", "keputusan dibaca dari teks (tidak ada simbol belah ketupat)", number)
        elif set(from_text) - set(from_arrows):
            findings.add("keputusan", "tujuan " + " dan ".join(b.capitalize() for b in sorted(set(from_text) - set(from_arrows)))
                         + " dibaca dari teks, bukan dari panah", number)
        bad = [b for b, t in targets.items() if not 1 <= t <= count or t == number]
        for branch in bad:
            findings.add("keputusan", f"tujuan {branch.capitalize()} langkah {targets[branch]} tidak mungkin", number)
            del targets[branch]
        if "ya" in targets and "tidak" in targets and 0 < index < count - 1:
            step["keputusan"] = {"ya": targets["ya"], "tidak": targets["tidak"]}
        elif 0 < index < count - 1:
            missing = " dan ".join(b.capitalize() for b in ("ya", "tidak") if b not in targets)
            findings.add("keputusan", f"simbol keputusan, tetapi tujuan {missing} tidak terbaca dari panah atau teks; "
                                      "isi baris keputusan di bawah lalu hapus tanda #", number)
            step["_keputusan_partial"] = targets
        else:
            findings.add("keputusan", "langkah pertama/terakhir tidak dapat menjadi keputusan; keputusan dilewati", number)


def _unresolved_decisions(data: dict[str, Any]) -> dict[int, str]:
    """The commented ``keputusan:`` line of each decision whose targets were not all read."""
    out: dict[int, str] = {}
    for index, step in enumerate(data["langkah"]):
        partial = step.pop("_keputusan_partial", None)
        if partial is not None:
            ya = partial.get("ya", "NOMOR_LANGKAH")
            tidak = partial.get("tidak", "NOMOR_LANGKAH")
            out[index] = f"keputusan: {{ya: {ya}, tidak: {tidak}}}"
    return out


def _check_total(activity: ActivityTables, steps: list[dict[str, Any]], findings: Findings) -> None:
    if not activity.total:
        return
    try:
        total = parse_durasi(activity.total)
        counted = sum((parse_durasi(step["waktu"]).menit for step in steps), 0)
    except (SopdocsError, AttributeError):
        return
    if total.menit != counted:
        findings.add("langkah", f"JUMLAH WAKTU di dokumen {activity.total!r} tidak sama dengan jumlah waktu langkah-langkahnya")

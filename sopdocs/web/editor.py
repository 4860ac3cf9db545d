"""The SOP editor page: open a definition (the example, a YAML file, an imported Word file
or a saved draft), edit the identity fields, actors and steps in a form, see the flowchart
redrawn as you type and the validation problems beside their fields, download the YAML,
the .docx or the PDF. Nothing is written anywhere until the user presses *Simpan* (then the
draft goes to the editor's own folder in the app's cache, never into the archive).

The form is the whole state (no session data): every action posts it back. Adding,
removing and moving steps are buttons that work without script; ``static/editor.js``
redraws the chart (``POST /editor-sop/bagan``) and shows problems while typing.
"""

from __future__ import annotations

import re
import tempfile
from pathlib import Path
from typing import Any

import yaml
from flask import Blueprint, Response, current_app, jsonify, redirect, render_template, request, send_file, url_for
from werkzeug.datastructures import MultiDict
from werkzeug.exceptions import BadRequest, NotFound

from sopdocs.definitions.profile import AgencyProfile, load_profile
from sopdocs.definitions.yamlload import parse_yaml
from sopdocs.errors import Problem, ValidationError
from sopdocs.kinds.sop.sopdef import MAX_ACTORS, MAX_STEPS, SopDefinition, sop_from_text
from sopdocs.web.editorchart import chart_svg

bp = Blueprint("editor", __name__, url_prefix="/editor-sop")
NAV = ("Editor SOP", "editor.index")

LIST_FIELDS = (
    ("dasar_hukum", "Dasar hukum"), ("kualifikasi_pelaksana", "Kualifikasi pelaksana"),
    ("keterkaitan", "Keterkaitan"), ("peralatan_perlengkapan", "Peralatan/perlengkapan"),
    ("peringatan", "Peringatan"), ("pencatatan_pendataan", "Pencatatan dan pendataan"),
)
SIGNER_FIELDS = (("jabatan", "Jabatan"), ("nama", "Nama"), ("nip", "NIP"), ("pangkat", "Pangkat"),
                 ("golongan", "Golongan"))
STEP_TEXT = ("kegiatan", "pelaksana", "waktu", "output", "keterangan")
#: Most lines read from one list box of the form.
MAX_LIST_ITEMS = 100
#: Most characters of one form field.
MAX_FIELD_CHARS = 5_000
#: Most drafts listed on the editor's first page.
MAX_DRAFTS = 200
#: Largest definition file opened (the YAML loader has its own bounds too).
MAX_YAML_BYTES = 1_000_000
#: Seconds a made .docx/PDF stays in the cache after its download.
DOWNLOAD_KEEP_SECONDS = 600
DRAFT_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9 ._-]{0,79}")


# --------------------------------------------------------------------------- data <-> form


def _field(form: MultiDict[str, str], name: str) -> str:
    value = form.get(name, "")
    if len(value) > MAX_FIELD_CHARS:
        raise BadRequest(f"Isian {name} terlalu panjang (paling banyak {MAX_FIELD_CHARS} karakter).")
    return value.replace("\r\n", "\n").strip()


def _lines(form: MultiDict[str, str], name: str) -> list[str]:
    items = [line.strip() for line in _field(form, name).split("\n") if line.strip()]
    if len(items) > MAX_LIST_ITEMS:
        raise BadRequest(f"Isian {name} terlalu banyak baris (paling banyak {MAX_LIST_ITEMS}).")
    return items


def _number(text: str) -> int | str:
    return int(text) if text.isdigit() and len(text) <= 4 else text


def data_from_form(form: MultiDict[str, str]) -> dict[str, Any]:
    """The definition the form shows (values as typed: the loader validates them)."""
    try:
        count = int(form.get("langkah-count", "0"))
    except ValueError:
        raise BadRequest("Jumlah langkah tidak terbaca.") from None
    if not 0 <= count <= MAX_STEPS + 1:
        raise BadRequest(f"Paling banyak {MAX_STEPS} langkah.")
    data: dict[str, Any] = {}
    if _field(form, "profil"):
        data["profil"] = _field(form, "profil")
    for key in ("nomor", "nama", "tanggal_pembuatan"):
        data[key] = _field(form, key)
    if _field(form, "tanggal_revisi"):
        data["tanggal_revisi"] = _field(form, "tanggal_revisi")
    data["tanggal_efektif"] = _field(form, "tanggal_efektif")
    signer = {key: _field(form, f"disahkan_oleh-{key}") for key, _ in SIGNER_FIELDS}
    if any(signer.values()):
        data["disahkan_oleh"] = {k: v for k, v in signer.items() if v or k in ("jabatan", "nama")}
    for key, _ in LIST_FIELDS:
        data[key] = _lines(form, key)
    data["pelaksana"] = _lines(form, "pelaksana")
    steps = []
    for index in range(count):
        prefix = f"langkah-{index}-"
        step: dict[str, Any] = {key: _field(form, prefix + key) for key in STEP_TEXT}
        step["kelengkapan"] = _lines(form, prefix + "kelengkapan")
        for key in ("output", "keterangan"):
            if not step[key]:
                del step[key]
        if form.get(prefix + "keputusan"):
            decision: dict[str, Any] = {"ya": _number(_field(form, prefix + "ya")),
                                        "tidak": _number(_field(form, prefix + "tidak"))}
            if _field(form, prefix + "pertanyaan"):
                decision["pertanyaan"] = _field(form, prefix + "pertanyaan")
            step["keputusan"] = decision
        steps.append(step)
    data["langkah"] = steps
    return data


def yaml_text(data: dict[str, Any]) -> str:
    return yaml.safe_dump(data, allow_unicode=True, sort_keys=False, width=1000)


def field_id(problem: Problem) -> str:
    """The form field a problem is about: ``langkah[3].keputusan.ya`` -> ``langkah-2-ya``."""
    path = problem.field or ""
    step = re.match(r"langkah\[(\d+)\](?:\.(\w+))?(?:\.(\w+))?", path)
    if step:
        index = int(step.group(1)) - 1
        name = step.group(3) if step.group(2) == "keputusan" and step.group(3) else step.group(2) or "kegiatan"
        return f"langkah-{index}-{name}"
    signer = re.match(r"disahkan_oleh(?:\.(\w+))?", path)
    if signer:
        return f"disahkan_oleh-{signer.group(1) or 'nama'}"
    return re.sub(r"\[\d+\]", "", path).split(".")[0] or "umum"


def validate(data: dict[str, Any]) -> tuple[SopDefinition | None, dict[str, list[str]], list[str]]:
    """(definition or None, problems by field id, warnings by text)."""
    problems: dict[str, list[str]] = {}
    try:
        sop, warnings = sop_from_text(yaml_text(data), "definisi")
    except ValidationError as exc:
        for problem in exc.problems:
            problems.setdefault(field_id(problem), []).append(problem.message)
        return None, problems, []
    return sop, problems, [f"{w.field}: {w.message}" if w.field else w.message for w in warnings]


def _profile() -> tuple[AgencyProfile, str]:
    """The agency profile the chart and documents use: ``SOPDOCS_PROFILE`` or the example."""
    import os

    from sopdocs.locations import builtin_examples_dir

    path = Path(os.environ.get("SOPDOCS_PROFILE") or builtin_examples_dir() / "profil.yaml")
    profile, _ = load_profile(path)
    return profile, str(path)


def _chart(sop: SopDefinition) -> tuple[str, dict[str, list[str]]]:
    from sopdocs.kinds.sop.sopsheet import layout_for

    profile, _ = _profile()
    try:
        layout = layout_for(sop, profile)
    except ValidationError as exc:
        problems: dict[str, list[str]] = {}
        for problem in exc.problems:
            problems.setdefault(field_id(problem), []).append(problem.message)
        return "", problems
    return chart_svg(sop, layout), {}


def _drafts_dir() -> Path:
    folder = Path(current_app.config["SOPDOCS_CACHE"]) / "editor"
    return folder


_FORM_FIELDS = re.compile(r"nomor|nama|tanggal_(pembuatan|revisi|efektif)|pelaksana|langkah|disahkan_oleh-\w+|"
                         + "|".join(key for key, _ in LIST_FIELDS))
_STEP_FIELD = re.compile(r"langkah-(\d+)-(kegiatan|pelaksana|waktu|output|kelengkapan|keterangan|keputusan|ya|tidak)")


def _on_form(key: str, steps: int) -> bool:
    """Whether the form shows problems of ``key`` beside a field (else: at the top)."""
    step = _STEP_FIELD.fullmatch(key)
    if step:
        return int(step.group(1)) < steps
    return bool(_FORM_FIELDS.fullmatch(key))


def _empty_step(actors: list[str]) -> dict[str, Any]:
    return {"kegiatan": "", "pelaksana": actors[0] if actors else "", "kelengkapan": [], "waktu": ""}


def _edit_page(data: dict[str, Any], *, notes: dict[str, list[str]] | None = None, message: str = "",
               status: int = 200, draft: str = "", check: bool = True) -> Any:
    sop, problems, warnings = validate(data) if check else (None, {}, [])
    svg = ""
    if sop is not None:
        svg, layout_problems = _chart(sop)
        problems.update(layout_problems)
    _, profile_path = _profile()
    steps = data.get("langkah") or []
    loose = [m for key, messages in problems.items() if not _on_form(key, len(steps)) for m in messages]
    return render_template(
        "editor/edit.html", data=data, steps=steps, actors=data.get("pelaksana") or [], problems=problems,
        notes=notes or {}, warnings=warnings, svg=svg, list_fields=LIST_FIELDS, signer_fields=SIGNER_FIELDS,
        signer=data.get("disahkan_oleh") or {}, message=message, profile_path=profile_path, draft=draft,
        max_steps=MAX_STEPS, max_actors=MAX_ACTORS, valid=sop is not None and not problems, loose=loose,
    ), status


# --------------------------------------------------------------------------- pages


@bp.get("/")
def index() -> Any:
    folder = _drafts_dir()
    drafts = sorted(p.stem for p in folder.glob("*.yaml") if p.is_file())[:MAX_DRAFTS] if folder.is_dir() else []
    return render_template("editor/index.html", drafts=drafts)


@bp.get("/contoh")
def example() -> Any:
    from sopdocs.locations import builtin_examples_dir

    document = parse_yaml((builtin_examples_dir() / "sop-pendataan.yaml").read_text(encoding="utf-8"), "contoh")
    data = dict(document.data) if isinstance(document.data, dict) else {}
    data.pop("profil", None)
    return _edit_page(_normalised(data), message="Contoh SOP pendataan dibuka. Belum ada yang disimpan.")


@bp.get("/draf/<name>")
def open_draft(name: str) -> Any:
    if not DRAFT_NAME.fullmatch(name):
        raise NotFound()
    path = _drafts_dir() / f"{name}.yaml"
    if not path.is_file():
        raise NotFound()
    return _open_yaml(path.read_bytes()[: MAX_YAML_BYTES + 1], name, draft=name)


@bp.post("/buka")
def open_file() -> Any:
    uploaded = request.files.get("berkas")
    if uploaded is None or not uploaded.filename:
        raise BadRequest("Pilih berkas definisi (.yaml) atau lembar SOP (.docx).")
    suffix = Path(uploaded.filename).suffix.lower()
    if suffix in (".yaml", ".yml"):
        return _open_yaml(uploaded.read(MAX_YAML_BYTES + 1), uploaded.filename)
    if suffix == ".docx":
        return _import_docx(uploaded)
    raise BadRequest(f"Jenis berkas {suffix or '(tanpa akhiran)'} tidak dapat dibuka; pilih .yaml atau .docx.")


def _open_yaml(raw: bytes, name: str, *, draft: str = "") -> Any:
    if len(raw) > MAX_YAML_BYTES:
        raise BadRequest(f"Berkas definisi terlalu besar (paling besar {MAX_YAML_BYTES // 1000} KB).")
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        raise BadRequest("Berkas definisi bukan teks UTF-8.") from None
    try:
        document = parse_yaml(text, name)
    except ValidationError as exc:
        raise BadRequest("Berkas definisi tidak terbaca: " + "; ".join(str(p) for p in exc.problems[:3])) from None
    if not isinstance(document.data, dict):
        raise BadRequest("Berkas definisi bukan definisi SOP (harus berisi kunci seperti nomor, nama, langkah).")
    return _edit_page(_normalised(dict(document.data)), draft=draft, message=f"{name} dibuka.")


def _import_docx(uploaded: Any) -> Any:
    from sopdocs.kinds.sop.wordimport.reader import import_sop

    work = Path(current_app.config["SOPDOCS_CACHE"]) / "unggahan"
    work.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=work) as tmp:
        path = Path(tmp) / "lembar-sop.docx"
        uploaded.save(path)
        result = import_sop(path)
    notes: dict[str, list[str]] = {}
    for finding in result.findings:
        key = (f"langkah-{finding.step - 1}-{finding.field.split('.')[0]}" if finding.step is not None
               else field_id(Problem(finding.message, field=finding.field)))
        notes.setdefault(key, []).append(finding.message)
    message = (f"{uploaded.filename} diimpor: {len(result.data['langkah'])} langkah; "
               f"{len(result.findings)} hal perlu diperiksa (ditandai kuning).")
    return _edit_page(_normalised(result.data), notes=notes, message=message)


def _normalised(data: dict[str, Any]) -> dict[str, Any]:
    """A loaded definition in the shapes the form shows (lists as lists, dates as text)."""
    out = {k: v for k, v in data.items() if v is not None}
    for key in ("nomor", "nama", "tanggal_pembuatan", "tanggal_revisi", "tanggal_efektif", "profil"):
        if key in out:
            out[key] = str(out[key])
    for key, _ in LIST_FIELDS:
        value = out.get(key) or []
        out[key] = [str(v) for v in value] if isinstance(value, list) else [str(value)]
    actors = out.get("pelaksana") or []
    out["pelaksana"] = [str(a) for a in actors] if isinstance(actors, list) else [str(actors)]
    steps = out.get("langkah") if isinstance(out.get("langkah"), list) else []
    out["langkah"] = []
    for step in (steps or [])[: MAX_STEPS + 1]:
        if not isinstance(step, dict):
            continue
        item = {k: ("" if v is None else v) for k, v in step.items()}
        kel = item.get("kelengkapan") or []
        item["kelengkapan"] = [str(v) for v in kel] if isinstance(kel, list) else [str(kel)]
        for key in STEP_TEXT:
            item[key] = str(item.get(key, ""))
        out["langkah"].append(item)
    signer = out.get("disahkan_oleh")
    if isinstance(signer, dict):
        out["disahkan_oleh"] = {k: str(v) for k, v in signer.items() if v is not None}
    return out


@bp.post("/sunting")
def edit() -> Any:
    """Every button of the form: add/remove/move a step, check, save."""
    form = request.form
    data = data_from_form(form)
    action = form.get("aksi", "periksa")
    steps: list[dict[str, Any]] = data["langkah"]
    draft = _field(form, "draf")
    message = ""
    match = re.fullmatch(r"(hapus|naik|turun)-(\d{1,3})", action)
    if action == "tambah":
        if len(steps) >= MAX_STEPS:
            message = f"Paling banyak {MAX_STEPS} langkah."
        else:
            steps.append(_empty_step(data["pelaksana"]))
            message = f"Langkah {len(steps)} ditambahkan; isi uraiannya."
    elif match:
        verb, index = match.group(1), int(match.group(2))
        if not 0 <= index < len(steps):
            raise BadRequest("Langkah tidak ada.")
        if verb == "hapus":
            steps.pop(index)
            _renumber(steps, removed=index)
            message = f"Langkah {index + 1} dihapus."
        else:
            other = index - 1 if verb == "naik" else index + 1
            if 0 <= other < len(steps):
                steps[index], steps[other] = steps[other], steps[index]
                _swap_targets(steps, index, other)
                message = f"Langkah {index + 1} dipindah ke nomor {other + 1}."
    elif action == "simpan":
        return _save(data, draft)
    return _edit_page(data, message=message, draft=draft)


def _renumber(steps: list[dict[str, Any]], *, removed: int) -> None:
    """Decision targets after a step is removed: later steps move up by one."""
    for step in steps:
        decision = step.get("keputusan")
        if not decision:
            continue
        for branch in ("ya", "tidak"):
            target = decision.get(branch)
            if isinstance(target, int) and target > removed + 1:
                decision[branch] = target - 1


def _swap_targets(steps: list[dict[str, Any]], a: int, b: int) -> None:
    for step in steps:
        decision = step.get("keputusan")
        if not decision:
            continue
        for branch in ("ya", "tidak"):
            target = decision.get(branch)
            if target == a + 1:
                decision[branch] = b + 1
            elif target == b + 1:
                decision[branch] = a + 1


def _save(data: dict[str, Any], draft: str) -> Any:
    from sopdocs.fsutil import atomic_write_text

    if not DRAFT_NAME.fullmatch(draft):
        return _edit_page(data, draft=draft, message="Isi nama draf (huruf, angka, titik, garis; paling banyak 80) "
                                                     "sebelum menyimpan.", status=400)
    folder = _drafts_dir()
    folder.mkdir(parents=True, exist_ok=True)
    atomic_write_text(folder / f"{draft}.yaml", yaml_text(data))
    return _edit_page(data, draft=draft, message=f"Draf {draft} disimpan.")


@bp.post("/bagan")
def chart() -> Response:
    """The chart and the problems of the form as it is now (for the script)."""
    data = data_from_form(request.form)
    sop, problems, warnings = validate(data)
    svg = ""
    if sop is not None:
        svg, layout_problems = _chart(sop)
        problems.update(layout_problems)
    return jsonify({"svg": svg, "masalah": problems, "peringatan": warnings, "sah": sop is not None and not problems})


@bp.post("/unduh/<fmt>")
def download(fmt: str) -> Any:
    if fmt not in ("yaml", "docx", "pdf"):
        raise NotFound()
    data = data_from_form(request.form)
    sop, problems, _ = validate(data)
    if sop is None or problems:
        return _edit_page(data, draft=_field(request.form, "draf"),
                          message="Definisi belum sah: perbaiki isian bertanda merah dulu.", status=400)
    name = re.sub(r"[^A-Za-z0-9._-]+", "_", sop.nomor).strip("_")[:80] or "sop"
    if fmt == "yaml":
        return Response(yaml_text(data), mimetype="application/x-yaml",
                        headers={"Content-Disposition": f'attachment; filename="SOP_{name}.yaml"'})
    from sopdocs.kinds.sop.sopsheet import render_sop

    profile, _ = _profile()
    work = Path(current_app.config["SOPDOCS_CACHE"]) / "editor-unduhan"
    work.mkdir(parents=True, exist_ok=True)
    _forget_old(work)
    tmp = Path(tempfile.mkdtemp(dir=work))
    target = tmp / f"SOP_{name}.docx"
    render_sop(sop, profile, target)
    if fmt == "pdf":
        from sopdocs.pdf.convert import convert_to_pdf

        target = convert_to_pdf(target)
    return send_file(target, as_attachment=True, download_name=target.name)


def _forget_old(work: Path) -> None:
    """Downloads made more than :data:`DOWNLOAD_KEEP_SECONDS` ago are removed (a file being
    sent when the next request comes in stays)."""
    import shutil
    import time

    now = time.time()
    for folder in work.iterdir():
        try:
            if folder.is_dir() and not folder.is_symlink() and now - folder.stat().st_mtime > DOWNLOAD_KEEP_SECONDS:
                shutil.rmtree(folder, ignore_errors=True)
        except OSError:
            continue


@bp.get("/sunting")
def edit_get() -> Any:
    return redirect(url_for("editor.index"))

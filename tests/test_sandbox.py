"""Templates are untrusted: they see data only, run bounded, and broken files are clean errors.

Every hostile template here is a real .docx (python-docx) rendered with the real kind
contexts through :func:`render_docx`, checked with :func:`check_templates` (the same engine
must refuse it), and for the logo through the CLI with a copy of ``examples/``.
"""

from __future__ import annotations

import datetime as dt
import os
import re
import shutil
import zipfile
from pathlib import Path
from typing import Any

import pytest
from docx import Document

from sopdocs.docx import engine
from sopdocs.docx.render import DocxFragment, Image, builtin_templates_dir, kop_logo, render_docx
from sopdocs.docx.engine import DeferredMarker, MarkupMarker, to_template_data
from sopdocs.errors import RenderError
from sopdocs.indonesian.dates import DateStyle
from sopdocs.kinds.registry import check_templates, kinds

from conftest import EXAMPLES

LOGO = EXAMPLES / "logo.png"


def make_template(path: Path, *paragraphs: str) -> Path:
    doc = Document()
    for text in paragraphs:
        doc.add_paragraph(text)
    doc.save(str(path))
    return path


def sample_with_logo(name: str) -> dict[str, Any]:
    """The kind's sample context, with the real example logo wherever it takes one."""
    context = kinds()[name].sample()
    if "logo" in context:
        context["logo"] = kop_logo(LOGO)
    return context


class Victims:
    """Files a payload would read, write or delete; :meth:`intact` says none was touched."""

    def __init__(self, folder: Path) -> None:
        folder.mkdir()
        self.secret = folder / "rahasia.txt"
        self.secret.write_text("KATA-SANDI-RAHASIA", encoding="utf-8")
        self.doomed = folder / "jangan-dihapus.txt"
        self.doomed.write_text("tetap ada", encoding="utf-8")
        self.created = folder / "dibuat.txt"
        self.folder = folder

    def intact(self) -> bool:
        return (
            self.secret.read_text(encoding="utf-8") == "KATA-SANDI-RAHASIA"
            and self.doomed.read_text(encoding="utf-8") == "tetap ada"
            and not self.created.exists()
            and sorted(p.name for p in self.folder.iterdir()) == ["jangan-dihapus.txt", "rahasia.txt"]
        )


@pytest.fixture
def victims(tmp_path: Path) -> Victims:
    return Victims(tmp_path / "korban")


def logo_payloads(v: Victims) -> list[str]:
    walk = "logo.tpl.compiled.path.parent"
    return [
        f"{{{{ {walk}.joinpath('{v.secret}').read_text() }}}}",
        f"{{{{ {walk}.joinpath('{v.created}').write_text('x') }}}}",
        f"{{{{ {walk}.joinpath('{v.doomed}').unlink() }}}}",
        f"{{% if logo.tpl is defined %}}{{{{ {walk}.joinpath('{v.secret}').read_text() }}}}{{% endif %}}",
        "{{ logo.__class__ }}",
        "{{ logo.tpl }}",
        "{{ logo['tpl'] }}",
        "{{ logo|attr('_index') }}",
        "{{ logo.image_descriptor }}",
        "{% for x in logo %}{{ x }}{% endfor %}",
        "{{ '{0.__class__}'.format(logo) }}",
    ]


GLOBAL_PAYLOADS = [
    "{{ cycler.__init__.__globals__ }}",
    "{{ lipsum.__globals__ }}",
    "{{ ''.__class__.__mro__ }}",
    "{{ ''.__class__.__mro__[1].__subclasses__() }}",
    "{{ range.__self__ }}",
    "{{ joiner.__init__ }}",
    "{{ namespace.__init__ }}",
    "{{ dict.fromkeys }}",
    "{{ self.__dict__ }}",
    "{{ ''.upper.__self__ }}",
    "{{ 'a'.format }}",
    "{{ ('{0.__class__}').format('x') }}",
    "{% for x in [1] %}{{ loop.__class__ }}{% endfor %}",
    "{% for x in [1] %}{{ loop._iterator }}{% endfor %}",
    "{% set ns = namespace(a=1) %}{{ ns.__class__ }}",
    "{{ (1).__class__ }}",
    "{{ [].__class__.__base__ }}",
    "{{ {}.__class__ }}",
]

WALKS = [".__class__", ".__dict__", ".tpl", ".path", ".__init__.__globals__", ".mro()"]
CHECKED_WALKS = (".__class__", ".tpl", ".__init__.__globals__")


def kind_walks() -> list[tuple[str, str]]:
    """(kind, payload): an attribute walk from every top-level object of every sample context."""
    cases = []
    for name in sorted(kinds()):
        for key in sorted(kinds()[name].sample()):
            for walk in WALKS:
                cases.append((name, f"{{{{ {key}{walk} }}}}"))
    return cases


def check_refused(folder: Path, kind: str, template: Path) -> list[str]:
    """check_templates' errors for ``template`` placed as ``kind``'s template in ``folder``."""
    folder.mkdir(exist_ok=True)
    target = folder / kinds()[kind].template
    if target.exists() or target.is_symlink():
        target.unlink()
    shutil.copyfile(template, target)
    reports = [r for r in check_templates(folder) if r.kind == kind]
    assert len(reports) == 1
    return reports[0].errors


# --------------------------------------------------------------------------- sandbox escapes


@pytest.mark.parametrize("kind", sorted(n for n in kinds() if "logo" in kinds()[n].sample()))
def test_logo_payloads_refused_with_real_kind_contexts(tmp_path: Path, victims: Victims, kind: str) -> None:
    context = sample_with_logo(kind)
    assert isinstance(context["logo"], Image)
    for index, payload in enumerate(logo_payloads(victims)):
        template = make_template(tmp_path / f"t{index}.docx", "awal", payload, "akhir")
        out = tmp_path / f"out{index}.docx"
        with pytest.raises(RenderError) as info:
            render_docx(template, context, out)
        assert str(template) in str(info.value)
        assert "KATA-SANDI-RAHASIA" not in str(info.value)
        assert not out.exists()
        assert victims.intact(), payload


def test_logo_payloads_reported_by_check_templates(tmp_path: Path, victims: Victims) -> None:
    for index, payload in enumerate(logo_payloads(victims)):
        template = make_template(tmp_path / f"t{index}.docx", payload)
        errors = check_refused(tmp_path / "folder", "sop", template)  # the sop sample has a real logo
        assert errors, payload
        assert "KATA-SANDI-RAHASIA" not in " ".join(errors)
        assert victims.intact(), payload


@pytest.mark.parametrize("payload", GLOBAL_PAYLOADS)
def test_python_internals_refused(tmp_path: Path, payload: str) -> None:
    template = make_template(tmp_path / "t.docx", payload)
    with pytest.raises(RenderError):
        render_docx(template, sample_with_logo("surat-tugas"), tmp_path / "o.docx")
    assert not (tmp_path / "o.docx").exists()
    assert check_refused(tmp_path / "folder", "surat-tugas", template)


@pytest.mark.parametrize("kind", sorted(kinds()))
def test_attribute_walks_from_every_context_object_refused(tmp_path: Path, kind: str) -> None:
    context = sample_with_logo(kind)
    for index, (name, payload) in enumerate(c for c in kind_walks() if c[0] == kind):
        template = make_template(tmp_path / f"t{index}.docx", payload)
        with pytest.raises(RenderError):
            render_docx(template, context, tmp_path / "o.docx")
        # check_templates runs that same engine; three walks of each object keep the test short
        if any(payload.endswith(f"{walk} }}}}") for walk in CHECKED_WALKS):
            assert check_refused(tmp_path / "folder", name, template), payload
    assert not (tmp_path / "o.docx").exists()


def test_allowed_data_access_still_works(tmp_path: Path) -> None:
    template = make_template(
        tmp_path / "t.docx",
        "{{ nama.upper() }}|{{ d.year }}|{{ daftar|join(', ') }}|{% for k, v in kamus.items() %}{{ k }}={{ v }}"
        "{% endfor %}|{% for x in daftar %}{{ loop.index }}{% endfor %}|{{ gaya_tanggal.nol_di_depan }}"
        "|{{ d|tanggal }}|{% set ns = namespace(n=0) %}{% for x in daftar %}{% set ns.n = ns.n + 1 %}"
        "{% endfor %}{{ ns.n }}|{{ 'a' ~ 'b' }}|{{ '%03d' % 7 }}|{{ range(3)|list|length }}",
    )
    context = {
        "nama": "budi", "d": dt.date(2024, 1, 2), "daftar": ["a", "b"], "kamus": {"x": 1},
        "gaya_tanggal": DateStyle(nol_di_depan=True),
    }
    out = render_docx(template, context, tmp_path / "o.docx")
    text = "\n".join(p.text for p in Document(str(out)).paragraphs)
    assert text == "BUDI|2024|a, b|x=1|12|True|02 Januari 2024|2|ab|007|3"


# --------------------------------------------------------------------------- context conversion


def test_context_becomes_data_and_opaque_markers() -> None:
    data = to_template_data({
        "gaya_tanggal": DateStyle(nol_di_depan=True),
        "logo": Image(LOGO, width_mm=20),
        "isi": DocxFragment("<w:p/>"),
        "daftar": ("a\x00", 1, 2.5, None, True, dt.date(2024, 1, 1)),
    })
    assert data.values["gaya_tanggal"] == {"nol_di_depan": True, "dengan_hari": False}
    assert isinstance(data.values["logo"], DeferredMarker) and data.objects == [Image(LOGO, width_mm=20)]
    assert isinstance(data.values["isi"], MarkupMarker)
    assert data.values["daftar"] == ["a", 1, 2.5, None, True, dt.date(2024, 1, 1)]
    assert not hasattr(data.values["logo"], "__dict__") and str(LOGO) not in repr(data.values["logo"])


class Model:
    pass


@pytest.mark.parametrize(
    ("context", "where", "what"),
    [
        ({"gaya": {"x": [Path("/etc/passwd")]}}, "gaya.x[0]", "PosixPath|WindowsPath"),
        ({"profil": Model()}, "profil", "Model"),
        ({"f": len}, "f", "builtin_function_or_method"),
        ({"s": {1, 2}}, "s", "set"),
        ({"b": b"x"}, "b", "bytes"),
        ({"k": {1: "x"}}, "k", "kunci int"),
    ],
)
def test_context_objects_refused_naming_their_place(context: dict[str, Any], where: str, what: str) -> None:
    with pytest.raises(RenderError, match=rf"konteks '{re.escape(where)}'.*({what})"):
        to_template_data(context)


def test_pydantic_model_refused() -> None:
    from sopdocs.kinds.registry import sample_profile

    with pytest.raises(RenderError, match="konteks 'profil': objek AgencyProfile tidak boleh masuk templat"):
        to_template_data({"profil": sample_profile()})


def test_context_depth_and_size_limits(monkeypatch: pytest.MonkeyPatch) -> None:
    deep: list[Any] = []
    deep.append(deep)  # a cycle is just too deep
    with pytest.raises(RenderError, match="bersarang terlalu dalam"):
        to_template_data({"x": deep})
    monkeypatch.setattr(engine, "MAX_CONTEXT_ITEMS", 100)
    with pytest.raises(RenderError, match="konteks terlalu besar"):
        to_template_data({"x": list(range(200))})


# --------------------------------------------------------------------------- tags and errors


@pytest.mark.parametrize(
    ("code", "tag"),
    [
        ("{% include 'lain.xml' %}", "include"),
        ("{% import 'lain.xml' as m %}", "import"),
        ("{% from 'lain.xml' import m %}", "from ... import"),
        ("{% extends 'lain.xml' %}", "extends"),
    ],
)
def test_include_import_extends_refused(tmp_path: Path, code: str, tag: str) -> None:
    template = make_template(tmp_path / "t.docx", "awal", code)
    with pytest.raises(RenderError, match=rf"{{% {tag} %}} tidak diizinkan"):
        render_docx(template, {}, tmp_path / "o.docx")
    errors = check_refused(tmp_path / "folder", "surat-tugas", template)
    assert any("tidak diizinkan" in e for e in errors)


@pytest.mark.parametrize(
    ("code", "message"),
    [
        ("{{ 1/0 }}", "pembagian dengan nol"),
        ("{{ 'abc'|romawi }}", "filter 'romawi'"),
        ("{{ 'bukan tanggal'|tanggal }}", "filter 'tanggal'"),
        ("{{ nama|tidakada }}", "templat rusak.*tidakada"),
        ("{{ nama + 1 }}", "TypeError"),
        ("{{ nama() }}", "sandbox"),
    ],
)
def test_runtime_errors_are_clean(tmp_path: Path, code: str, message: str) -> None:
    template = make_template(tmp_path / "t.docx", "satu", "dua", code)
    with pytest.raises(RenderError, match=message) as info:
        render_docx(template, {"nama": "x"}, tmp_path / "o.docx")
    assert str(template) in str(info.value)
    if "rusak" not in message:
        assert "baris XML" in str(info.value)


# --------------------------------------------------------------------------- limits

LIMITS = [
    ("{{ 'x' * 2000000000 }}", "terlalu besar"),
    ("{{ 2000000000 * 'x' }}", "terlalu besar"),
    ("{{ [1] * 2000000000 }}", "terlalu besar"),
    ("{{ 10**5000 }}", "pangkat"),
    ("{{ 2**(2**40) }}", "pangkat"),
    ("{% for i in range(100000) %}{% endfor %}", "range"),
    ("{% for i in range(10000) %}{% for j in range(10000) %}{% endfor %}{% endfor %}", "perulangan"),
    ("{% macro f(n) %}{{ f(n + 1) }}{% endmacro %}{{ f(0) }}", "makro"),
    ("{% macro f(s, n) %}{% if n %}{{ f(s ~ s, n - 1) }}{% else %}{{ s|length }}{% endif %}{% endmacro %}"
     "{{ f('x' * 1000, 40) }}", "terlalu besar"),
    ("{% set ns = namespace(s='x' * 1000) %}{% for i in range(40) %}{% set ns.s = ns.s ~ ns.s %}{% endfor %}",
     "terlalu besar"),
    ("{% set ns = namespace(s='x' * 1000) %}{% for i in range(40) %}{% set ns.s = ns.s + ns.s %}{% endfor %}",
     "terlalu besar"),
    ("{{ '%0999999999d' % 1 }}", "format"),
    ("{{ '%0999999999d'|format(1) }}", "format"),
    ("{{ ('x' * 1000)|replace('x', 'x' * 100000) }}", "replace"),
    ("{{ ('x' * 1000).replace('x', 'x' * 100000) }}", "replace"),
    ("{{ 'x'.center(2000000000) }}", "center"),
    ("{{ 'x'|center(2000000000) }}", "center"),
    ("{{ ('x\\n' * 100000)|indent(1000) }}", "indent"),
    ("{{ range(10)|batch(1000000000, 'x')|list }}", "batch"),
    ("{{ ('x' * 10000000)|wordwrap(1, wrapstring='y' * 100) }}", "wordwrap"),
    ("{{ (range(10000)|list)|join('x' * 10000) }}", "join"),
    ("{{ lipsum(1000000) }}", "lipsum"),
    ("{% macro f(n) %}{% if n %}{{ f(n - 1) }}{{ f(n - 1) }}{% else %}{{ 'x' * 1000000 }}{% endif %}"
     "{% endmacro %}{{ f(30) }}", "terlalu besar|perulangan|detik"),
]


@pytest.mark.parametrize(("code", "message"), LIMITS)
def test_limits_refused_quickly(tmp_path: Path, code: str, message: str) -> None:
    template = make_template(tmp_path / "t.docx", code)
    with pytest.raises(RenderError, match=message) as info:
        render_docx(template, {}, tmp_path / "o.docx")
    assert str(template) in str(info.value)
    assert not (tmp_path / "o.docx").exists()


@pytest.mark.parametrize(("code", "message"), LIMITS[:8])
def test_limits_reported_by_check_templates(tmp_path: Path, code: str, message: str) -> None:
    template = make_template(tmp_path / "t.docx", code)
    errors = check_refused(tmp_path / "folder", "surat-tugas", template)
    assert any(re.search(message, e) for e in errors), errors


def test_render_time_limit(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(engine, "MAX_RENDER_SECONDS", 0.05)
    template = make_template(
        tmp_path / "t.docx", "{% for i in range(999) %}{% for j in range(999) %}{% endfor %}{% endfor %}"
    )
    with pytest.raises(RenderError, match="detik"):
        render_docx(template, {}, tmp_path / "o.docx")


def test_output_size_limit(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(engine, "MAX_OUTPUT_BYTES", 100_000)
    template = make_template(tmp_path / "t.docx", "{% for i in range(10000) %}xxxxxxxxxxxxxxxxxxxx{% endfor %}")
    with pytest.raises(RenderError, match="hasil render satu bagian"):
        render_docx(template, {}, tmp_path / "o.docx")


# --------------------------------------------------------------------------- template files


def good_template(tmp_path: Path) -> Path:
    return make_template(tmp_path / "baik.docx", "Halo {{ nama }}")


def rewrite_zip(source: Path, target: Path, *, drop: str = "", replace: dict[str, bytes] | None = None,
                extra: dict[str, bytes] | None = None) -> Path:
    with zipfile.ZipFile(source) as old, zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as new:
        for info in old.infolist():
            if info.filename == drop:
                continue
            new.writestr(info.filename, (replace or {}).get(info.filename, old.read(info)))
        for name, payload in (extra or {}).items():
            new.writestr(name, payload)
    return target


def zeros_part(source: Path, target: Path, size: int) -> Path:
    """``source`` with one more part of ``size`` zero bytes (streamed: small on disk)."""
    rewrite_zip(source, target)
    with zipfile.ZipFile(target, "a", zipfile.ZIP_DEFLATED) as package:
        with package.open("word/media/nullen.bin", "w", force_zip64=True) as stream:
            block = bytes(1024 * 1024)
            for _ in range(size // len(block)):
                stream.write(block)
    return target


BOMB = (
    b'<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">'
    b'<!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">'
    b'<!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">]>'
    b'<w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main">'
    b"<w:body><w:p><w:r><w:t>&lol3;</w:t></w:r></w:p></w:body></w:document>"
)


def broken_templates(tmp_path: Path) -> dict[str, tuple[Path, str]]:
    good = good_template(tmp_path)
    data = good.read_bytes()
    corrupt = tmp_path / "rusak.docx"
    middle = len(data) // 2
    corrupt.write_bytes(data[:middle] + bytes(200) + data[middle + 200 :])
    (tmp_path / "teks.docx").write_text("ini bukan dokumen Word", encoding="utf-8")
    (tmp_path / "kosong.docx").write_bytes(b"")
    link = tmp_path / "tautan.docx"
    link.symlink_to(good)
    folder = tmp_path / "folder.docx"
    folder.mkdir()
    return {
        "besar": (zeros_part(good, tmp_path / "besar.docx", 100 * 1024 * 1024), "terlalu besar"),
        "rasio": (zeros_part(good, tmp_path / "rasio.docx", 10 * 1024 * 1024), "rasio"),
        "rusak": (corrupt, "rusak|tidak dapat dibaca|bukan berkas .docx"),
        "bukan zip": (tmp_path / "teks.docx", "bukan arsip zip"),
        "kosong": (tmp_path / "kosong.docx", "kosong"),
        "tanpa content types": (rewrite_zip(good, tmp_path / "tanpa-ct.docx", drop="[Content_Types].xml"),
                                r"\[Content_Types\].xml tidak ada"),
        "bom entitas": (rewrite_zip(good, tmp_path / "bom.docx", replace={"word/document.xml": BOMB}), "DTD"),
        "symlink": (link, "tautan simbolik"),
        "folder": (folder, "bukan berkas biasa"),
    }


@pytest.mark.broken_docx  # leaves deliberately broken .docx files in tmp_path
def test_broken_template_files_are_clean_render_errors(tmp_path: Path) -> None:
    for label, (template, message) in broken_templates(tmp_path).items():
        with pytest.raises(RenderError, match=message) as info:
            render_docx(template, {"nama": "x"}, tmp_path / "o.docx")
        assert str(template) in str(info.value), label
        assert not (tmp_path / "o.docx").exists()


def test_fifo_template_is_refused_without_blocking(tmp_path: Path) -> None:
    if not hasattr(os, "mkfifo"):
        pytest.skip("no FIFOs here")
    fifo = tmp_path / "pipa.docx"
    os.mkfifo(fifo)
    with pytest.raises(RenderError, match="bukan berkas biasa"):
        render_docx(fifo, {}, tmp_path / "o.docx")


@pytest.mark.broken_docx  # leaves deliberately broken .docx files in tmp_path
def test_broken_template_files_are_reported_by_check_templates(tmp_path: Path) -> None:
    materials = tmp_path / "bahan"
    materials.mkdir()
    for label, (template, message) in broken_templates(materials).items():
        folder = tmp_path / f"cek-{label.replace(' ', '-')}"
        folder.mkdir()
        target = folder / kinds()["surat-tugas"].template
        if template.is_symlink():
            target.symlink_to(template.resolve())
        elif template.is_dir():
            target.mkdir()
        else:
            shutil.copyfile(template, target)
        reports = check_templates(folder)
        assert [r.kind for r in reports] == ["surat-tugas"], label
        assert reports[0].errors and not reports[0].ok, label
        assert re.search(message, reports[0].errors[0]), (label, reports[0].errors)


# --------------------------------------------------------------------------- normal templates


def test_builtin_templates_pass_check() -> None:
    reports = check_templates(builtin_templates_dir())
    assert {r.kind for r in reports} == set(kinds())
    assert [(r.kind, r.errors) for r in reports if r.errors] == []


def test_every_kind_renders_with_the_real_logo(tmp_path: Path) -> None:
    for name, kind in sorted(kinds().items()):
        out = render_docx(builtin_templates_dir() / kind.template, sample_with_logo(name), tmp_path / f"{name}.docx")
        with zipfile.ZipFile(out) as package:
            names = package.namelist()
        if "logo" in kind.sample():
            assert any(n.startswith("word/media/") for n in names), name


# --------------------------------------------------------------------------- through the CLI


def hostile_copy(folder: Path, payload: str) -> Path:
    """The built-in surat tugas template with ``payload`` as one more paragraph, in ``folder``."""
    folder.mkdir(exist_ok=True)
    doc = Document(str(builtin_templates_dir() / "surat-tugas.docx"))
    doc.add_paragraph(payload)
    target = folder / "surat-tugas.docx"
    doc.save(str(target))
    return target


def test_cli_render_refuses_the_logo_payload(
    example_copy: Path, tmp_path: Path, victims: Victims, monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    from sopdocs.cli import main

    monkeypatch.setenv("SOPDOCS_ARCHIVE", str(tmp_path / "arsip"))
    for index, payload in enumerate(logo_payloads(victims)[:4]):
        templates = tmp_path / f"templat{index}"
        hostile_copy(templates, payload)
        out = tmp_path / f"out{index}"
        code = main(["render", "surat-tugas", str(example_copy / "surat-tugas.yaml"), "--templates", str(templates),
                     "-o", str(out)])
        captured = capsys.readouterr()
        assert code != 0, payload
        assert "Traceback" not in captured.err and "KATA-SANDI-RAHASIA" not in captured.out + captured.err
        assert "surat-tugas.docx" in captured.err
        assert not list(out.glob("*.docx")) if out.exists() else True
        assert victims.intact(), payload
        assert main(["templates", "check", str(templates)]) == 1
        captured = capsys.readouterr()
        assert "galat" in captured.out + captured.err and "Traceback" not in captured.err
        assert victims.intact(), payload


def test_marker_outside_a_render_is_refused() -> None:
    data = to_template_data({"logo": Image(LOGO)})
    with pytest.raises(RenderError, match="gambar"):
        str(data.values["logo"])

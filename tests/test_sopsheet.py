"""The SOP sheet of the seed SOP, checked in the .docx a user gets (text, XML, PDF)."""

from __future__ import annotations

import re
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest
from docx import Document
from lxml import etree

from conftest import EXAMPLES, requires_libreoffice
from sopdocs.errors import RenderError, ValidationError
from sopdocs.definitions.profile import load_profile
from sopdocs.kinds.sop.sopdef import load_sop, sop_from_text
from sopdocs.kinds.sop.sopsheet import ACTOR_MARK, render_sop, render_sop_file

NS = {
    "w": "http://schemas.openxmlformats.org/wordprocessingml/2006/main",
    "wp": "http://schemas.openxmlformats.org/drawingml/2006/wordprocessingDrawing",
    "a": "http://schemas.openxmlformats.org/drawingml/2006/main",
    "wps": "http://schemas.microsoft.com/office/word/2010/wordprocessingShape",
}
W = "{%s}" % NS["w"]
EMU = 635  # per twip

STEPS = [
    "Menyiapkan bahan-bahan meliputi kuesioner",
    "Menyampaikan/membagikan secara langsung bahan pendataan",
    "Melaksanakan pengumpulan atau pendataan dengan membawa surat tugas",
    "Menjumpai sumber dan mengumpulkan semua bahan pendataan",
    "Melakukan pemotretan kepada kelompok pemberi data",
    "Menyusun dan membuat rekapitulasi atas data",
    "Memberikan penilaian atas laporan pelaksanaan pendataan",
    "Menyimpan dokumen pelaksanaan pendataan sebagai arsip",
]


@pytest.fixture(scope="module")
def seed_docx(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("sop") / "sop.docx"
    result = render_sop_file(EXAMPLES / "sop-pendataan.yaml", out)
    assert result.docx == [out]
    return out


def xml_of(path: Path) -> etree._Element:
    with zipfile.ZipFile(path) as package:
        return etree.fromstring(package.read("word/document.xml"))


def all_text(path: Path) -> str:
    doc = Document(path)
    parts = [p.text for p in doc.paragraphs]
    for table in doc.tables:
        for row in table.rows:
            for cell in row.cells:
                parts.append(cell.text)
    return "\n".join(parts)


def test_identity_part(seed_docx: Path) -> None:
    text = all_text(seed_docx)
    for expected in [
        "061.1/SOP/Disnakertrans/2024",
        "02 Januari 2024",
        "06 Januari 2024",
        "DIDUGARNAWI, S.Pd., M.M.",
        "NIP. 19720319 198003 1 001",
        "PELAKSANAAN PENGUMPULAN DATA ATAU PENDATAAN KEGIATAN",
        "DINAS KETENAGAKERJAAN DAN TRANSMIGRASI",
        "DASAR HUKUM",
        "KUALIFIKASI PELAKSANA",
        "KETERKAITAN",
        "PERALATAN/PERLENGKAPAN",
        "PERINGATAN",
        "PENCATATAN DAN PENDATAAN",
        "Peraturan Presiden Nomor 29 Tahun 2014",
        "Renstra 2024-2026",
    ]:
        assert expected in text, expected
    # dasar hukum numbered 1..4
    assert re.search(r"1\.\tPeraturan Pemerintah Nomor 8 Tahun 2006", text)
    assert re.search(r"4\.\tInstruksi Presiden Nomor 7 Tahun 2006", text)


def activity_rows(path: Path) -> list[list[str]]:
    """Rows of the activity tables (every table after the identity part), as cell texts."""
    doc = Document(path)
    rows = []
    for table in doc.tables[2:]:
        for row in table.rows:
            rows.append([c.text for c in row.cells])
    return rows


def test_steps_in_order_with_mutu_baku(seed_docx: Path) -> None:
    rows = activity_rows(seed_docx)
    step_rows = [r for r in rows if re.fullmatch(r"\d+\.", r[0])]
    assert [r[0] for r in step_rows] == [f"{i}." for i in range(1, 9)]
    for row, start in zip(step_rows, STEPS):
        assert row[1].startswith(start)
    # NO, KEGIATAN, 4 actors, KELENGKAPAN, WAKTU, OUTPUT, KETERANGAN
    assert len(step_rows[0]) == 10
    assert [r[7] for r in step_rows] == ["1 jam", "4 jam", "7 jam", "30 menit", "1 jam", "1 jam", "10 menit", "3 menit"]
    assert step_rows[0][6] == "\u2022\tAgenda kerja/Tupoksi\n\u2022\tFormat, blanko, kuesioner"  # bulleted items
    assert step_rows[5][8].replace("-\n", "") == "Rekapitulasi"  # may be hyphenated at a syllable
    assert step_rows[6][9].startswith("Jika laporan masih terdapat permasalahan")
    total = [r for r in rows if "JUMLAH WAKTU" in r[0]]
    assert total and "14 jam 43 menit" in total[0]


def test_header_rows_repeat_and_heights_are_exact(seed_docx: Path) -> None:
    root = xml_of(seed_docx)
    tables = root.findall(".//w:body/w:tbl", NS)[2:]
    assert tables
    for table in tables:
        rows = table.findall("w:tr", NS)
        assert all(r.find("w:trPr/w:tblHeader", NS) is not None for r in rows[:3])
        assert all(r.find("w:trPr/w:trHeight", NS).get(W + "hRule") == "exact" for r in rows)
        assert table.find("w:tblPr/w:tblLayout", NS).get(W + "type") == "fixed"
    header = [t.text for t in tables[0].findall("w:tr", NS)[1].iter(W + "t")]
    assert "PELAKSANA" in "".join(t.text for t in tables[0].findall("w:tr", NS)[0].iter(W + "t"))
    assert {"Kepala Dinas", "Sekretaris", "Kasubbag PKP", "KELENGKAPAN", "WAKTU", "OUTPUT"} <= set(header)


def test_actor_marks_without_chart(tmp_path: Path) -> None:
    sop, _ = load_sop(EXAMPLES / "sop-pendataan.yaml")
    profile, _ = load_profile(EXAMPLES / "profil.yaml")
    out = render_sop(sop, profile, tmp_path / "marks.docx", draw_chart=False)
    rows = [r for r in activity_rows(out) if re.fullmatch(r"\d+\.", r[0])]
    expected_actor = [2, 3, 3, 3, 3, 2, 0, 3]  # the stated assumption in the example
    for row, actor in zip(rows, expected_actor):
        marks = [i for i, cell in enumerate(row[2:6]) if cell == ACTOR_MARK]
        assert marks == [actor]
    assert not xml_of(out).findall(".//wp:anchor", NS)


# ------------------------------------------------------------------ the flowchart in the XML


def _table_geometry(root: etree._Element) -> tuple[list[tuple[int, int]], list[list[tuple[int, int]]]]:
    """Column x ranges and, per activity table, the y range of each step row, in twips,
    read from the document's own section margins, grid and row heights."""
    sect = root.find(".//w:body/w:sectPr", NS)
    margin = sect.find("w:pgMar", NS)
    left, top = int(margin.get(W + "left")), int(margin.get(W + "top"))
    tables = root.findall(".//w:body/w:tbl", NS)[2:]
    widths = [int(c.get(W + "w")) for c in tables[0].findall("w:tblGrid/w:gridCol", NS)]
    xs, x = [], left
    for width in widths:
        xs.append((x, x + width))
        x += width
    pages = []
    for table in tables:
        anchor_par = table.getprevious()
        offset = int(anchor_par.find("w:pPr/w:spacing", NS).get(W + "line"))
        y = top + offset
        rows = []
        for index, tr in enumerate(table.findall("w:tr", NS)):
            height = int(tr.find("w:trPr/w:trHeight", NS).get(W + "val"))
            if index >= 3 and tr.find("w:trPr/w:tblHeader", NS) is None:
                rows.append((y, y + height))
            y += height
        pages.append(rows)
    return xs, pages


def _shapes(root: etree._Element) -> list[dict]:
    shapes = []
    for anchor in root.iter("{%s}anchor" % NS["wp"]):
        name = anchor.find("wp:docPr", NS).get("name")
        x = int(anchor.find("wp:positionH/wp:posOffset", NS).text) // EMU
        y = int(anchor.find("wp:positionV/wp:posOffset", NS).text) // EMU
        ext = anchor.find("wp:extent", NS)
        geom = anchor.find(".//a:prstGeom", NS)
        custom = anchor.find(".//a:custGeom", NS)
        text = "".join(t.text or "" for t in anchor.iter(W + "t"))
        assert anchor.get("layoutInCell") == "0"
        assert anchor.find("wp:positionH", NS).get("relativeFrom") == "page"
        shapes.append(
            {
                "name": name,
                "x": x,
                "y": y,
                "w": int(ext.get("cx")) // EMU,
                "h": int(ext.get("cy")) // EMU,
                "preset": geom.get("prst") if geom is not None else None,
                "custom": custom is not None,
                "arrowhead": anchor.find(".//a:ln/a:tailEnd", NS) is not None,
                "text": text,
                "anchor": anchor,
                # the body paragraph that holds it: one per flowchart page
                "page": next(p for p in anchor.iterancestors() if p.getparent() is not None and p.getparent().tag == W + "body").getparent().index(
                    next(p for p in anchor.iterancestors() if p.getparent() is not None and p.getparent().tag == W + "body")
                ),
            }
        )
    return shapes


def test_one_symbol_per_step_in_its_column_and_row(seed_docx: Path) -> None:
    root = xml_of(seed_docx)
    shapes = _shapes(root)
    symbols = [s for s in shapes if s["name"].startswith("Langkah ")]
    presets = sorted(s["preset"] for s in symbols)
    assert presets == sorted(["flowChartTerminator"] * 2 + ["flowChartProcess"] * 5 + ["flowChartDecision"])
    assert sorted(int(s["name"].split()[1]) for s in symbols) == list(range(1, 9))
    xs, pages = _table_geometry(root)
    rows = [r for page in pages for r in page]
    actor_cols = xs[2:6]
    expected_actor = [2, 3, 3, 3, 3, 2, 0, 3]
    for s in symbols:
        step = int(s["name"].split()[1]) - 1
        x0, x1 = actor_cols[expected_actor[step]]
        y0, y1 = rows[step]
        assert x0 < s["x"] and s["x"] + s["w"] < x1, (step, s["x"], x0, x1)
        assert y0 < s["y"] and s["y"] + s["h"] < y1, (step, s["y"], y0, y1)
        # centred in the column (within a twip of rounding)
        assert abs((s["x"] + s["w"] / 2) - (x0 + x1) / 2) <= 2
    first = next(s for s in symbols if s["name"] == "Langkah 1")
    last = next(s for s in symbols if s["name"] == "Langkah 8")
    decision = next(s for s in symbols if s["name"] == "Langkah 7")
    assert first["preset"] == last["preset"] == "flowChartTerminator"
    assert decision["preset"] == "flowChartDecision"


def test_arrows_edges_loop_and_labels(seed_docx: Path) -> None:
    shapes = _shapes(xml_of(seed_docx))
    arrows = [s for s in shapes if s["name"].startswith("Panah")]
    connectors = [s for s in shapes if s["preset"] == "flowChartOffpageConnector"]
    # 7 edges from step i to i+1 (the decision's Ya is 7 -> 8) plus the Tidak loop 7 -> 6;
    # an edge crossing a page is two arrows joined by a pair of connectors
    assert len(arrows) == 8 + len(connectors) // 2
    assert all(a["custom"] and a["arrowhead"] for a in arrows)
    labels = sorted(s["text"] for s in shapes if s["name"].startswith("Label"))
    assert labels == ["Tidak", "Ya"]
    symbols = {int(s["name"].split()[1]): s for s in shapes if s["name"].startswith("Langkah ")}

    def endpoints(arrow: dict) -> tuple[tuple[int, int], tuple[int, int]]:
        path = arrow["anchor"].find(".//a:path", NS)
        points = [(int(p.get("x")) // EMU + arrow["x"], int(p.get("y")) // EMU + arrow["y"]) for p in path.iter("{%s}pt" % NS["a"])]
        return points[0], points[-1]

    def touches(point: tuple[int, int], box: dict, slack: int = 3) -> bool:
        x, y = point
        return box["x"] - slack <= x <= box["x"] + box["w"] + slack and box["y"] - slack <= y <= box["y"] + box["h"] + slack

    def node(point: tuple[int, int], page: object) -> object:
        hits: list[object] = [n for n, b in symbols.items() if touches(point, b) and b["page"] == page]
        hits += [c["text"] for c in connectors if touches(point, c) and c["page"] == page]
        assert len(hits) == 1, (point, hits)
        return hits[0]

    found = set()
    into: dict[str, int] = {}
    out_of: dict[str, int] = {}
    for arrow in arrows:
        start, end = endpoints(arrow)
        src, dst = node(start, arrow["page"]), node(end, arrow["page"])
        if isinstance(dst, str):
            into[dst] = int(src)  # type: ignore[call-overload]
        elif isinstance(src, str):
            out_of[src] = dst
        else:
            found.add((src, dst))
    assert set(into) == set(out_of)
    found |= {(into[letter], out_of[letter]) for letter in into}
    assert found == {(1, 2), (2, 3), (3, 4), (4, 5), (5, 6), (6, 7), (7, 8), (7, 6)}


# ------------------------------------------------------------------ hostile input, errors

HOSTILE = ["& < > \" '", "{{ 7*7 }}", "{% for x in y %}", "{{ ''.__class__.__mro__ }}", "emoji \U0001f600", "\u05e2\u05d1\u05e8\u05d9\u05ea RTL"]


def test_hostile_values_render_literally(tmp_path: Path) -> None:
    import yaml

    data = yaml.safe_load((EXAMPLES / "sop-pendataan.yaml").read_text(encoding="utf-8"))
    data["profil"] = (EXAMPLES / "profil.yaml").as_posix()
    data["nama"] = HOSTILE[0] + " PELAKSANAAN"
    data["peralatan_perlengkapan"] = HOSTILE[1:]
    data["langkah"][1]["kegiatan"] = "Membagikan bahan " + HOSTILE[1]
    data["langkah"][7]["kegiatan"] = "Kegiatan panjang " * 40
    definition = tmp_path / "hostile.yaml"
    definition.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    result = render_sop_file(definition, tmp_path / "out.docx", draw_chart=False)
    body = all_text(result.docx[0])
    for value in HOSTILE:
        assert value in body, value
    assert "49" not in body
    assert "Membagikan bahan {{ 7*7 }}" in body
    assert "Kegiatan panjang Kegiatan panjang" in body


def test_control_characters_in_a_definition_are_refused_with_field_and_line(tmp_path: Path) -> None:
    """A control character would vanish silently from the document (or break a number):
    the definition is refused, naming the file, line and field."""
    import yaml

    from sopdocs.errors import ValidationError
    from sopdocs.kinds.sop.sopdef import load_sop

    data = yaml.safe_load((EXAMPLES / "sop-pendataan.yaml").read_text(encoding="utf-8"))
    data["profil"] = (EXAMPLES / "profil.yaml").as_posix()
    data["nomor"] = "061.1/SOP/\x07Disnakertrans/2024"
    data["langkah"][1]["kegiatan"] = "Membagikan\x01 bahan \x00"
    definition = tmp_path / "kendali.yaml"
    definition.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    with pytest.raises(ValidationError) as info:
        load_sop(definition)
    problems = {p.field: p for p in info.value.problems}
    assert "U+0007" in problems["nomor"].message and problems["nomor"].line is not None
    assert "U+0001" in problems["langkah[2].kegiatan"].message or any(
        "U+0001" in p.message and "kegiatan" in (p.field or "") for p in info.value.problems)


def test_activity_too_long_for_a_page_is_a_clear_error(tmp_path: Path) -> None:
    import yaml

    data = yaml.safe_load((EXAMPLES / "sop-pendataan.yaml").read_text(encoding="utf-8"))
    data["profil"] = (EXAMPLES / "profil.yaml").as_posix()
    data["langkah"][7]["kegiatan"] = ("x" * 9 + " ") * 500  # 5,000 characters
    definition = tmp_path / "panjang.yaml"
    definition.write_text(yaml.safe_dump(data, allow_unicode=True, width=1000), encoding="utf-8")
    proc = run_cli("render", "sop", str(definition), "-o", str(tmp_path / "out"))
    assert proc.returncode == 2 and "Traceback" not in proc.stderr
    assert f"{definition}:" in proc.stderr and "langkah[8].kegiatan" in proc.stderr
    assert "melebihi tinggi halaman" in proc.stderr
    assert not (tmp_path / "out").exists()


def run_cli(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "sopdocs", *args], capture_output=True, text=True, encoding="utf-8", cwd=cwd
    )


@pytest.mark.parametrize(
    "edit, field, line",
    [
        (lambda t: t.replace("nama: PELAKSANAAN", "nama: [PELAKSANAAN"), None, 10),
        (lambda t: t.replace("nama: PELAKSANAAN PENGUMPULAN DATA ATAU PENDATAAN KEGIATAN\n", ""), "nama", None),
        (lambda t: t.replace("    pelaksana: Kepala Dinas\n", "    pelaksana: Kepala Bidang\n"), "langkah[7].pelaksana", 75),
    ],
    ids=["malformed-yaml", "missing-field", "unknown-actor"],
)
def test_cli_bad_definition(tmp_path: Path, edit, field, line) -> None:
    source = (EXAMPLES / "sop-pendataan.yaml").read_text(encoding="utf-8")
    definition = tmp_path / "sop.yaml"
    definition.write_text(edit(source), encoding="utf-8")
    for name in ("profil.yaml", "logo.png"):
        (tmp_path / name).write_bytes((EXAMPLES / name).read_bytes())
    out = tmp_path / "out"
    proc = run_cli("render", "sop", str(definition), "-o", str(out))
    assert proc.returncode == 2, proc.stderr
    assert "Traceback" not in proc.stderr
    errors = [line_ for line_ in proc.stderr.splitlines() if "peringatan" not in line_]
    message = "\n".join(errors)
    assert str(definition) in message
    if field:
        assert field in message
    if line:
        assert re.search(rf"sop\.yaml:{line}\b", message), message
    assert not out.exists() or not any(out.iterdir())


def test_cli_renders_from_another_folder(tmp_path: Path) -> None:
    proc = run_cli("render", "sop", str(EXAMPLES / "sop-pendataan.yaml"), "-o", "hasil", cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    produced = list((tmp_path / "hasil").glob("*.docx"))
    assert [p.name for p in produced] == ["SOP_061.1_SOP_Disnakertrans_2024.docx"]
    assert not [p for p in (tmp_path / "hasil").iterdir() if p.name.startswith(".")]


# ------------------------------------------------------------------ custom templates


def test_custom_template_folder_overrides(tmp_path: Path) -> None:
    own = tmp_path / "templat"
    own.mkdir()
    doc = Document()
    doc.add_paragraph("KOP SENDIRI {{ sop.nomor }} {{ profil.kota }}")
    doc.add_paragraph("{{p tabel_kegiatan }}")
    doc.save(own / "sop.docx")
    result = render_sop_file(EXAMPLES / "sop-pendataan.yaml", tmp_path / "a.docx", templates=own)
    assert "KOP SENDIRI 061.1/SOP/Disnakertrans/2024 Kota Contoh" in all_text(result.docx[0])
    proc = run_cli("templates", "check", str(own))
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "sop.docx (sop): OK" in proc.stdout


def test_sandbox_refuses_template(tmp_path: Path) -> None:
    own = tmp_path / "templat"
    own.mkdir()
    doc = Document()
    doc.add_paragraph("{{ cycler.__init__.__globals__ }} {{ sop.nomor }}")
    doc.add_paragraph("{{p tabel_kegiatan }}")
    doc.save(own / "sop.docx")
    with pytest.raises(RenderError, match="sandbox"):
        render_sop_file(EXAMPLES / "sop-pendataan.yaml", tmp_path / "a.docx", templates=own)
    assert not (tmp_path / "a.docx").exists()
    proc = run_cli("render", "sop", str(EXAMPLES / "sop-pendataan.yaml"), "-o", str(tmp_path / "b.docx"), "--templates", str(own))
    assert proc.returncode == 2 and "sandbox" in proc.stderr and "Traceback" not in proc.stderr


def test_templates_check_reports_unknown_and_missing(tmp_path: Path) -> None:
    own = tmp_path / "templat"
    own.mkdir()
    doc = Document()
    doc.add_paragraph("{{ nomor_sop }} {{ profil.alamat }}")
    doc.save(own / "sop.docx")
    proc = run_cli("templates", "check", str(own))
    assert proc.returncode == 1
    assert "nomor_sop" in proc.stdout  # used, not provided
    assert "tabel_kegiatan" in proc.stdout  # required, not used


def test_more_than_eight_actors_is_a_clear_error() -> None:
    actors = [f"Pelaksana {i}" for i in range(9)]
    text = "nomor: X\nnama: Y\ntanggal_pembuatan: 2024-01-02\ntanggal_efektif: 2024-01-02\n"
    text += "pelaksana: [" + ", ".join(actors) + "]\nlangkah:\n  - {kegiatan: A, pelaksana: Pelaksana 0, waktu: 1 jam}\n"
    with pytest.raises(ValidationError, match="8 pelaksana"):
        sop_from_text(text, "sop.yaml")


# ------------------------------------------------------------------ installed package, PDF


def test_installed_wheel_renders_from_elsewhere(tmp_path: Path) -> None:
    """The wheel carries the templates and examples; rendering works outside the checkout."""
    root = Path(__file__).resolve().parent.parent
    wheels = tmp_path / "wheels"
    proc = subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "-q", "-w", str(wheels), str(root)],
        capture_output=True, text=True,
    )
    if proc.returncode != 0 and "hatchling" in proc.stderr:
        proc = subprocess.run(
            [sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", str(wheels), str(root)],
            capture_output=True, text=True,
        )
    assert proc.returncode == 0, proc.stderr
    wheel = next(wheels.glob("sopdocs-*.whl"))
    names = zipfile.ZipFile(wheel).namelist()
    assert "sopdocs/templates/sop.docx" in names
    assert "sopdocs/examples/sop-pendataan.yaml" in names
    site = tmp_path / "site"
    with zipfile.ZipFile(wheel) as package:
        package.extractall(site)
    work = tmp_path / "elsewhere"
    work.mkdir()
    script = (
        "import sys; sys.path = [p for p in sys.path if p not in ('', '.')]; sys.path.insert(0, sys.argv[1]);"
        "import sopdocs, pathlib; assert str(pathlib.Path(sopdocs.__file__)).startswith(sys.argv[1]);"
        "from sopdocs.cli import main; sys.exit(main(['render', 'sop', sys.argv[2], '-o', 'x.docx']))"
    )
    example = site / "sopdocs" / "examples" / "sop-pendataan.yaml"
    run = subprocess.run([sys.executable, "-c", script, str(site), str(example)], cwd=work, capture_output=True, text=True)
    assert run.returncode == 0, run.stderr
    assert (work / "x.docx").is_file()


@requires_libreoffice()
def test_pdf_holds_title_and_every_step(tmp_path: Path) -> None:
    from pypdf import PdfReader

    result = render_sop_file(EXAMPLES / "sop-pendataan.yaml", tmp_path, pdf=True)
    pdf = result.pdf[0]
    reader = PdfReader(pdf)
    text = " ".join(page.extract_text() for page in reader.pages)
    flat = re.sub(r"\s+", " ", text)
    assert "PELAKSANAAN PENGUMPULAN DATA ATAU PENDATAAN KEGIATAN" in flat
    for step in STEPS:
        assert step.split()[0] in flat
    assert "14 jam 43" in flat
    # identity page + the flowchart pages the layout predicts (two with the default Arial 10 pt)
    from sopdocs.kinds.sop.sopsheet import layout_for

    sop, _ = load_sop(EXAMPLES / "sop-pendataan.yaml")
    profile, _ = load_profile(EXAMPLES / "profil.yaml")
    assert len(reader.pages) == 1 + len(layout_for(sop, profile).pages) == 3


# ------------------------------------------------------------------ a long SOP over several pages

LONG_SOP = Path(__file__).resolve().parent / "data" / "sop-lkjip-25.yaml"


@pytest.fixture(scope="module")
def long_sop(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, object]:
    from sopdocs.kinds.sop.flowlayout import validate_layout
    from sopdocs.kinds.sop.sopsheet import layout_for

    sop, _ = load_sop(LONG_SOP)
    profile, _ = load_profile(EXAMPLES / "profil.yaml")
    layout = layout_for(sop, profile)
    assert validate_layout(layout) == []
    out = render_sop(sop, profile, tmp_path_factory.mktemp("long") / "lkjip.docx")
    return out, layout


def test_long_sop_spans_pages_with_paired_connectors(long_sop) -> None:
    out, layout = long_sop
    sop, _ = load_sop(LONG_SOP)
    assert len(sop.langkah) == 25 and len(sop.pelaksana) == 6
    assert sum(1 for step in sop.langkah if step.keputusan) == 3
    assert len(layout.pages) >= 3
    root = xml_of(out)
    tables = root.findall(".//w:body/w:tbl", NS)[2:]
    assert len(tables) == len(layout.pages)
    shapes = _shapes(root)
    connectors = [s for s in shapes if s["preset"] == "flowChartOffpageConnector"]
    letters = sorted(s["text"] for s in connectors)
    assert letters and all(letters.count(letter) == 2 for letter in letters)
    assert letters[0] == "A"
    # each letter's pair sits on two different pages (anchored before two different tables)
    body = list(root.find("w:body", NS))
    for letter in set(letters):
        pair = [s for s in connectors if s["text"] == letter]
        pages = {body.index(next(p for p in s["anchor"].iterancestors() if p.getparent() is not None and p.getparent().tag == W + "body")) for s in pair}
        assert len(pages) == 2
    symbols = [s for s in shapes if s["name"].startswith("Langkah ")]
    assert len(symbols) == 25
    assert sum(1 for s in symbols if s["preset"] == "flowChartDecision") == 3


@requires_libreoffice()
def test_long_sop_pdf_has_predicted_page_count(long_sop, tmp_path: Path) -> None:
    from pypdf import PdfReader

    from sopdocs.pdf.convert import convert_to_pdf

    out, layout = long_sop
    pdf = convert_to_pdf(out, tmp_path)
    reader = PdfReader(pdf)
    assert len(reader.pages) == 1 + len(layout.pages)  # identity page + the flowchart pages
    # every step's number appears on the page the layout put it on
    for page_index, page in enumerate(layout.pages):
        text = reader.pages[1 + page_index].extract_text()
        for row in page.rows:
            assert f"{row.step + 1}." in text

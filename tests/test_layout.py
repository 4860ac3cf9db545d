"""The agency's page layout (profile ``tata_letak``, ``kertas``) in every rendered letter.

The documents are opened as Word packages (lxml) and, for what only the printed page
shows, converted by LibreOffice and read back with pypdf / pdftotext.
"""

from __future__ import annotations

import datetime as dt
import re
import zipfile
from pathlib import Path

import pytest
from lxml import etree

from conftest import requires_libreoffice
from sopdocs.definitions.profile import load_profile, profile_from_text
from sopdocs.errors import ValidationError

W = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
R = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
NS = {"w": W, "r": R}


def w(name: str) -> str:
    return f"{{{W}}}{name}"


def part(docx: Path, name: str) -> etree._Element:
    with zipfile.ZipFile(docx) as package:
        return etree.fromstring(package.read(name))


def rels(docx: Path) -> dict[str, str]:
    """Relationship id -> target of the main document part."""
    root = part(docx, "word/_rels/document.xml.rels")
    return {rel.get("Id"): rel.get("Target") for rel in root}


def with_layout(example_copy: Path, text: str) -> Path:
    """The example profile with its ``tata_letak`` block replaced by ``text`` (YAML)."""
    profile = example_copy / "profil.yaml"
    lines = profile.read_text(encoding="utf-8").splitlines()
    start = lines.index(next(line for line in lines if line.startswith("tata_letak:")))
    end = next(i for i in range(start + 1, len(lines)) if not lines[i].startswith(" "))
    kept = lines[:start] + lines[end:]
    profile.write_text("\n".join(kept) + "\n" + text, encoding="utf-8")
    return profile


def pdf_pages(pdf: Path) -> list[str]:
    """The text of each page (pypdf)."""
    from pypdf import PdfReader

    return [page.extract_text() or "" for page in PdfReader(pdf).pages]


def flat(text: str) -> str:
    """``text`` with every run of white space one space (table headings wrap in cells)."""
    return " ".join(text.split())


def pdf_fonts(pdf: Path) -> set[str]:
    from pypdf import PdfReader

    names = set()
    for page in PdfReader(pdf).pages:
        for ref in page["/Resources"].get("/Font", {}).values():
            names.add(str(ref.get_object()["/BaseFont"]))
    return names


# --------------------------------------------------------------------------- profile


def _profile(extra: str) -> str:
    return (
        "pemerintah: PEMERINTAH KOTA CONTOH\ninstansi: DINAS CONTOH\nalamat: Jalan Contoh 1\n"
        "kode_unit: Contoh\nkota: Kota Contoh\nkepala: {jabatan: Kepala, nama: CONTOH}\n" + extra
    )


def test_layout_defaults_follow_the_tata_naskah_rules() -> None:
    profile, _ = profile_from_text(_profile(""), "p.yaml", Path("."))
    layout = profile.tata_letak
    assert (layout.font, layout.ukuran_font) == ("Arial", 12.0)
    assert (layout.margin.atas, layout.margin.bawah, layout.margin.kiri, layout.margin.kanan) == (2.0, 2.5, 3.0, 2.0)
    assert layout.nomor_halaman == "- {halaman} -" and layout.posisi_nomor_halaman == "atas"
    assert (layout.ukuran_kop.pemerintah, layout.ukuran_kop.instansi, layout.ukuran_kop.alamat) == (14, 16, 10)


@pytest.mark.parametrize(
    ("extra", "field", "words"),
    [
        ("tata_letak: {nomor_halaman: 'Halaman'}", "tata_letak.nomor_halaman", "{halaman}"),
        ("tata_letak: {nomor_halaman: '{halaman} {halaman}'}", "tata_letak.nomor_halaman", "tepat satu kali"),
        ("tata_letak: {nomor_halaman: '- {halaman} - {x}'}", "tata_letak.nomor_halaman", "teks biasa"),
        ("tata_letak: {font: Calibri}", "tata_letak.font", "Arial"),
        ("tata_letak: {ukuran_font: 30}", "tata_letak.ukuran_font", "14"),
        ("tata_letak: {margin: {kiri: 9}}", "tata_letak.margin.kiri", "6"),
        ("tata_letak: {margin: {kiri: 5, kanan: 5}}", "tata_letak.margin.kiri", "minimal 12 cm"),
        ("tata_letak: {margin: {atas: 6, bawah: 6}}", "tata_letak.margin.atas", "minimal 18 cm"),
        ("tata_letak: {ukuran_kop: {instansi: 40}}", "tata_letak.ukuran_kop.instansi", "24"),
        ("tata_letak: {posisi_nomor_halaman: kiri}", "tata_letak.posisi_nomor_halaman", "atas"),
    ],
)
def test_bad_layout_settings_are_refused_naming_the_field(extra: str, field: str, words: str) -> None:
    with pytest.raises(ValidationError) as caught:
        profile_from_text(_profile(extra), "p.yaml", Path("."))
    message = str(caught.value)
    assert field in message and words in message, message
    assert "p.yaml" in message


def test_kop_address_names_the_city_once(tmp_path: Path) -> None:
    from sopdocs.definitions.profile import profile_context

    profile, _ = profile_from_text(_profile("kode_pos: '12345'\ntelepon: (021) 555"), "p.yaml", tmp_path)
    address = profile_context(profile)["alamat_lengkap"]
    assert address == "Jalan Contoh 1, Kota Contoh, Kode\u00a0Pos\u00a012345, Telepon\u00a0(021)\u00a0555"
    again, _ = profile_from_text(_profile("").replace("Jalan Contoh 1", "Jalan Contoh 1 Kota Contoh"), "p.yaml", tmp_path)
    assert profile_context(again)["alamat_lengkap"] == "Jalan Contoh 1 Kota Contoh"


# --------------------------------------------------------------------------- the .docx


def render_letter(example_copy: Path, tmp_path: Path, name: str = "surat-tugas.yaml") -> Path:
    from sopdocs.workflow.issue import render_surat_tugas_file

    result = render_surat_tugas_file(example_copy / name, tmp_path / "out", archive=tmp_path / "arsip")
    return result.docx[0]


def test_default_letter_has_the_profile_layout(example_copy: Path, tmp_path: Path) -> None:
    docx = render_letter(example_copy, tmp_path)
    document = part(docx, "word/document.xml")
    (sect,) = document.iter(w("sectPr"))
    size, margins = sect.find(w("pgSz")), sect.find(w("pgMar"))
    assert (size.get(w("w")), size.get(w("h"))) == ("11906", "16838")  # A4
    # top 2, right 2, bottom 2.5, left 3 cm (567 twips a cm)
    assert [margins.get(w(k)) for k in ("top", "right", "bottom", "left")] == ["1134", "1134", "1418", "1701"]

    # page numbers from page 2: titlePg, an empty first-page header, a PAGE field in the default one
    assert sect.find(w("titlePg")) is not None
    targets = rels(docx)
    refs = {ref.get(w("type")): ref.get(f"{{{R}}}id") for ref in sect.findall(w("headerReference"))}
    first = part(docx, "word/" + targets[refs["first"]])
    default = part(docx, "word/" + targets[refs["default"]])
    assert "".join(first.itertext()).strip() == ""
    assert [t.text for t in default.iter(w("instrText"))] == [" PAGE "]
    texts = [t.text for t in default.iter(w("t"))]
    assert texts[0] == "- " and texts[-1] == " -"
    assert default.find(f".//{w('jc')}").get(w("val")) == "center"

    # the body font in the styles: docDefaults and Normal are Arial 12
    styles = part(docx, "word/styles.xml")
    defaults = styles.find(f"{w('docDefaults')}/{w('rPrDefault')}/{w('rPr')}")
    assert defaults.find(w("rFonts")).get(w("ascii")) == "Arial"
    normal = styles.find(f"{w('style')}[@{w('styleId')}='Normal']")
    assert normal.find(f"{w('rPr')}/{w('rFonts')}").get(w("hAnsi")) == "Arial"
    assert normal.find(f"{w('rPr')}/{w('sz')}").get(w("val")) == "24"
    kop = {s.get(w("styleId")): s.find(f"{w('rPr')}/{w('sz')}").get(w("val"))
           for s in styles.iter(w("style")) if (s.get(w("styleId")) or "").startswith("Kop")}
    assert kop == {"KopPemerintah": "28", "KopInstansi": "32", "KopAlamat": "20"}
    assert not [f for f in document.iter(w("rFonts")) if f.get(w("ascii")) == "Times New Roman"]

    # the kop: the city in the address line, the text column centred on the page
    kop_table = next(t for t in document.iter(w("tbl"))
                     if t.find(f"{w('tblPr')}/{w('tblCaption')}") is not None)
    kop_text = "".join(kop_table.itertext())
    assert "Jalan Contoh Raya Nomor 1, Kota Contoh, Kode\u00a0Pos\u00a000000" in kop_text
    logo_w, text_w = (int(c.get(w("w"))) for c in kop_table.iter(w("gridCol")))
    indent = int(kop_table.find(f"{w('tblPr')}/{w('tblInd')}").get(w("w")))
    text_centre = 1701 + indent + logo_w + text_w / 2  # from the paper's left edge
    assert abs(text_centre - 11906 / 2) <= 2
    assert 1701 + indent >= 680  # the logo stays 12 mm from the paper's edge


def test_chosen_paper_margins_font_and_page_number_form(example_copy: Path, tmp_path: Path) -> None:
    with_layout(example_copy, "tata_letak:\n  font: Times New Roman\n  ukuran_font: 11\n"
                "  margin: {atas: 2.5, bawah: 3, kiri: 3.5, kanan: 1.5}\n  nomor_halaman: 'Halaman {halaman}'\n"
                "  posisi_nomor_halaman: bawah\n  ukuran_kop: {instansi: 15}\n")
    text = (example_copy / "profil.yaml").read_text(encoding="utf-8").replace("kertas: A4", "kertas: F4")
    (example_copy / "profil.yaml").write_text(text, encoding="utf-8")
    docx = render_letter(example_copy, tmp_path)
    (sect,) = part(docx, "word/document.xml").iter(w("sectPr"))
    size, margins = sect.find(w("pgSz")), sect.find(w("pgMar"))
    assert (round(int(size.get(w("w"))) / 56.693), round(int(size.get(w("h"))) / 56.693)) == (215, 330)
    assert [margins.get(w(k)) for k in ("top", "right", "bottom", "left")] == ["1418", "850", "1701", "1984"]
    assert sect.find(w("headerReference")) is None
    refs = {ref.get(w("type")): ref.get(f"{{{R}}}id") for ref in sect.findall(w("footerReference"))}
    footer = part(docx, "word/" + rels(docx)[refs["default"]])
    assert [t.text for t in footer.iter(w("t"))][0] == "Halaman "
    styles = part(docx, "word/styles.xml")
    normal = styles.find(f"{w('style')}[@{w('styleId')}='Normal']")
    assert normal.find(f"{w('rPr')}/{w('rFonts')}").get(w("ascii")) == "Times New Roman"
    assert normal.find(f"{w('rPr')}/{w('sz')}").get(w("val")) == "22"
    instansi = styles.find(f"{w('style')}[@{w('styleId')}='KopInstansi']")
    assert instansi.find(f"{w('rPr')}/{w('sz')}").get(w("val")) == "30"
    # the kop text still centred on the (wider) page with the (asymmetric) margins
    document = part(docx, "word/document.xml")
    kop_table = next(t for t in document.iter(w("tbl")) if t.find(f"{w('tblPr')}/{w('tblCaption')}") is not None)
    logo_w, text_w = (int(c.get(w("w"))) for c in kop_table.iter(w("gridCol")))
    indent = int(kop_table.find(f"{w('tblPr')}/{w('tblInd')}").get(w("w")))
    assert abs(1984 + indent + logo_w + text_w / 2 - int(size.get(w("w"))) / 2) <= 2
    assert 1984 + indent + logo_w + text_w <= int(size.get(w("w"))) - 850  # inside the right margin


def test_an_offices_own_template_follows_the_profile(tmp_path: Path, examples: Path) -> None:
    """A template made in Word with its own font and margins gets the profile's layout."""
    from docx import Document
    from docx.shared import Mm, Pt

    from sopdocs.docx.layout import page_for
    from sopdocs.docx.render import render_docx

    doc = Document()
    doc.styles["Normal"].font.name = "Times New Roman"
    section = doc.sections[0]
    section.left_margin = Mm(15)
    run = doc.add_paragraph().add_run("Surat {{ nama }}")
    run.font.name = "Times New Roman"
    run.font.size = Pt(13)
    symbol = doc.add_paragraph().add_run("x")
    symbol.font.name = "Wingdings"
    table = doc.add_table(rows=1, cols=2)
    for col in table.columns:
        col.width = Mm(120)  # 240 mm: wider than any text width
    template = tmp_path / "kantor.docx"
    doc.save(str(template))
    profile, _ = load_profile(examples / "profil.yaml")
    out = render_docx(template, {"nama": "Contoh"}, tmp_path / "hasil.docx", paper=page_for(profile))
    document = part(out, "word/document.xml")
    fonts = {f.get(w("ascii")) for f in document.iter(w("rFonts"))}
    assert fonts == {"Arial", "Wingdings"}  # the body font follows; a symbol font is kept
    (sect,) = document.iter(w("sectPr"))
    assert sect.find(w("pgMar")).get(w("left")) == "1701"
    assert sect.find(w("titlePg")) is not None and len(sect.findall(w("headerReference"))) == 2
    grid = sum(int(c.get(w("w"))) for c in document.iter(w("gridCol")))
    assert grid <= 11906 - 1701 - 1134  # narrowed to the text width


def test_a_template_with_its_own_header_keeps_it(tmp_path: Path, examples: Path) -> None:
    from docx import Document

    from sopdocs.docx.layout import page_for
    from sopdocs.docx.render import render_docx

    doc = Document()
    doc.sections[0].header.paragraphs[0].text = "KOP KANTOR SENDIRI"
    doc.add_paragraph("isi")
    template = tmp_path / "kantor.docx"
    doc.save(str(template))
    profile, _ = load_profile(examples / "profil.yaml")
    out = render_docx(template, {}, tmp_path / "hasil.docx", paper=page_for(profile))
    (sect,) = part(out, "word/document.xml").iter(w("sectPr"))
    (ref,) = sect.findall(w("headerReference"))
    assert "KOP KANTOR SENDIRI" in "".join(part(out, "word/" + rels(out)[ref.get(f"{{{R}}}id")]).itertext())
    assert "header91.xml" not in " ".join(rels(out).values())


def test_the_plain_render_path_applies_the_layout_too(tmp_path: Path, examples: Path) -> None:
    """A postprocess callback takes docxtpl's plain path: same layout."""
    from sopdocs.docx.layout import page_for
    from sopdocs.docx.render import render_docx
    from sopdocs.locations import builtin_templates_dir
    from sopdocs.kinds.tandaterima import receipt_context

    profile, _ = load_profile(examples / "profil.yaml")
    context = receipt_context(["K-1"], profile, kegiatan="K", judul="J", tanggal=dt.date(2024, 1, 5))
    seen = []
    out = render_docx(builtin_templates_dir() / "tanda-terima.docx", context, tmp_path / "plain.docx",
                      paper=page_for(profile), postprocess=lambda document: seen.append(True))
    assert seen == [True]
    (sect,) = part(out, "word/document.xml").iter(w("sectPr"))
    assert sect.find(w("titlePg")) is not None and len(sect.findall(w("headerReference"))) == 2
    normal = part(out, "word/styles.xml").find(f"{w('style')}[@{w('styleId')}='Normal']")
    assert normal.find(f"{w('rPr')}/{w('rFonts')}").get(w("ascii")) == "Arial"


def test_running_text_dates_have_no_leading_zero(example_copy: Path, tmp_path: Path) -> None:
    from docx import Document

    docx = render_letter(example_copy, tmp_path)  # the example profile writes "05 Januari 2024"
    text = "\n".join(p.text for p in Document(str(docx)).paragraphs)
    assert "hari kerja, tanggal 8 s.d. 10 Januari 2024." in text
    assert "pada tanggal\t: 05 Januari 2024" in text  # the date line keeps the profile's style
    assert "tanggal 08" not in text


# --------------------------------------------------------------------------- printed pages


def long_letter(example_copy: Path, count: int = 25) -> Path:
    """The example surat tugas for ``count`` people (an attached list of several pages)."""
    import yaml

    data = yaml.safe_load((example_copy / "surat-tugas.yaml").read_text(encoding="utf-8"))
    data["kepada"] = [
        {"nama": f"PEGAWAI CONTOH NOMOR {n}", "nip": f"1985031220100110{n:02d}", "pangkat": "Penata",
         "golongan": "III/c", "jabatan": "Pengolah Data pada Subbagian Perencanaan dan Keuangan"}
        for n in range(1, count + 1)
    ]
    path = example_copy / "st-panjang.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    return path


@requires_libreoffice()
def test_long_letter_numbers_pages_from_two(example_copy: Path, tmp_path: Path) -> None:
    from sopdocs.workflow.issue import render_surat_tugas_file

    definition = long_letter(example_copy, 40)
    result = render_surat_tugas_file(definition, tmp_path / "out", archive=tmp_path / "arsip", pdf=True)
    pages = [p for p in pdf_pages(result.pdf[0]) if p.strip()]
    assert len(pages) >= 3
    assert not re.search(r"^- 1 -$", pages[0], re.M)
    for number, text in enumerate(pages[1:], start=2):
        assert f"- {number} -" in text.splitlines()[:3], text[:200]
    assert "Lampiran Surat Tugas" in pages[1]
    assert any(f.endswith("LiberationSans") for f in pdf_fonts(result.pdf[0]))  # Arial, printed metric-compatible


@requires_libreoffice()
@pytest.mark.parametrize(("font", "printed"), [("Times New Roman", "LiberationSerif"), ("Bookman Old Style", "Bookman")])
def test_the_chosen_font_is_printed_with_its_metric_twin(example_copy: Path, tmp_path: Path, font: str,
                                                          printed: str) -> None:
    from sopdocs.workflow.issue import render_surat_tugas_file

    with_layout(example_copy, f"tata_letak:\n  font: {font}\n")
    result = render_surat_tugas_file(example_copy / "surat-tugas.yaml", tmp_path / "out",
                                     archive=tmp_path / "arsip", pdf=True)
    fonts = pdf_fonts(result.pdf[0])
    body = {f for f in fonts if "+" in f}  # embedded subsets: the text (the archive stamp uses a standard font)
    assert body and all(printed in f for f in body), fonts


@requires_libreoffice()
def test_recap_nota_dinas_runs_to_numbered_pages_and_its_attachment_is_signed(example_copy: Path,
                                                                            tmp_path: Path) -> None:
    from sopdocs.workflow.issue import render_recap_file

    result = render_recap_file(example_copy / "jawaban.csv", example_copy / "kuesioner-pendataan.yaml",
                               tmp_path / "out", archive=tmp_path / "arsip", pdf=True)
    pages = [p for p in pdf_pages(result.pdf[0]) if p.strip()]
    assert len(pages) >= 4
    for number, text in enumerate(pages[1:], start=2):
        assert f"- {number} -" in text.splitlines()[:3]
    # the letter's signature is not alone on its page: the closing paragraph goes with it
    letter_sign = next(i for i, text in enumerate(pages) if "RINA MARLINA" in text)
    assert "Demikian" in pages[letter_sign]
    # the attachment ends with the same signer
    attachment = next(i for i, text in enumerate(pages) if "Lampiran Nota Dinas" in text)
    assert attachment > letter_sign
    last = pages[-1]
    assert "RINA MARLINA, S.E." in last and "NIP. 19800512 200501 2 003" in last
    number = result.numbers[0]
    assert number in pages[attachment].replace("\n", " ")  # "Nomor : ..." on one line
    assert any(number in line for line in pages[attachment].splitlines())


# --------------------------------------------------------------------------- daftar arsip


class _Item:
    def __init__(self, n: int, number: str, label: str, title: str) -> None:
        self.item, self.number, self.label, self.title = n, number, label, title
        self.date, self.level, self.media = dt.date(2024, 1, 5), "asli", "elektronik"


class _Retention:
    active_years, inactive_years, final = 2, 3, "musnah"


class _Case:
    def __init__(self, items: list[_Item]) -> None:
        self.case_number, self.classification = 1, "000.5.2"
        self.description = "Pendataan menurut SOP 061.1/SOP/Disnakertrans/2024"
        self.period, self.creator, self.unit = "2024", "Dinas Contoh", "Contoh"
        self.retention = _Retention()
        self.items = items


def list_items(count: int) -> list[_Item]:
    kinds = [("Lembar Disposisi", "Lembar Disposisi: Rekapitulasi Hasil Pendataan"),
             ("Surat Tugas", "Surat Tugas: Melaksanakan pengumpulan data"),
             ("Nota Dinas", "Rekapitulasi Hasil Pendataan Ketenagakerjaan Perusahaan Tahun 2024")]
    return [_Item(n, f"800.1.11.1/{n:03d}/Disnakertrans/2024", *kinds[n % 3]) for n in range(1, count + 1)]


def test_daftar_arsip_labels_are_never_doubled(tmp_path: Path, examples: Path) -> None:
    from docx import Document

    from sopdocs.kinds.daftararsip import write_docx

    profile, _ = load_profile(examples / "profil.yaml")
    out = write_docx([_Case(list_items(3))], tmp_path / "daftar.docx", profile=profile, today=dt.date(2024, 2, 1))
    text = "\n".join(cell.text for table in Document(str(out)).tables for row in table.rows for cell in row.cells)
    assert "Lembar Disposisi: Rekapitulasi Hasil Pendataan" in text
    assert "Lembar Disposisi: Lembar Disposisi" not in text
    assert "Surat Tugas: Surat Tugas" not in text
    assert "Nota Dinas: Rekapitulasi Hasil Pendataan" in text
    headings = [cell.text for cell in Document(str(out)).tables[0].rows[0].cells]
    assert "Nomor Naskah" in headings


@requires_libreoffice()
@pytest.mark.parametrize("font", ["Arial", "Bookman Old Style"])
def test_daftar_arsip_numbers_stay_whole_and_the_signature_keeps_with_the_list(tmp_path: Path, examples: Path,
                                                                               font: str) -> None:
    from sopdocs.kinds.daftararsip import write_docx
    from sopdocs.pdf.convert import convert_many

    profile, _ = load_profile(examples / "profil.yaml")
    profile = profile.model_copy(update={"tata_letak": profile.tata_letak.model_copy(update={"font": font})})
    made = [write_docx([_Case(list_items(n))], tmp_path / f"daftar-{n}.docx", profile=profile,
                       today=dt.date(2024, 2, 1)) for n in (9, 10, 11, 12, 13)]
    for pdf in convert_many(made, tmp_path):
        pages = [p for p in pdf_pages(pdf) if p.strip()]
        lines = [line.strip() for page in pages for line in page.splitlines()]
        count = int(re.search(r"daftar-(\d+)", pdf.name).group(1))
        for n in range(1, count + 1):  # each number whole on one printed line
            number = f"800.1.11.1/{n:03d}/Disnakertrans/2024"
            assert any(number in line for line in lines), (pdf.name, n)
        signer = next(i for i, page in enumerate(pages) if "DIDUGARNAWI" in page)
        # on the signature's page: the totals and at least one row of the list
        assert "Jumlah: 1 berkas" in pages[signer]
        assert re.search(r"800\.1\.11\.1/\d{3}/Disnakertrans/2024", pages[signer]), (pdf.name, signer)
        for number, text in enumerate(pages[1:], start=2):
            assert f"- {number} -" in text.splitlines()[:3]


# --------------------------------------------------------------------------- receipt


def test_receipt_lists_every_copy_with_the_columns_to_fill(tmp_path: Path, examples: Path) -> None:
    from docx import Document

    from sopdocs.kinds.tandaterima import COLUMNS, render_receipt

    profile, _ = load_profile(examples / "profil.yaml")
    codes = [f"K-2024-{n:04d}" for n in range(1, 31)]
    out = render_receipt(codes, profile, tmp_path / "tanda-terima.docx", kegiatan="Pendataan 2024",
                         judul="Kuesioner Pendataan", tanggal=dt.date(2024, 1, 5))
    document = Document(str(out))
    table = next(t for t in document.tables if t.rows[0].cells[0].text == "No")
    assert tuple(cell.text for cell in table.rows[0].cells) == COLUMNS
    rows = [[cell.text for cell in row.cells] for row in table.rows[1:]]
    assert [row[:2] for row in rows] == [[str(n), code] for n, code in enumerate(codes, start=1)]
    assert all(row[2:] == ["", "", "", ""] for row in rows)
    text = "\n".join(p.text for p in document.paragraphs)
    assert "TANDA TERIMA EKSEMPLAR KUESIONER" in text
    assert "30 (tiga puluh) eksemplar" in text and "K-2024-0001 s.d. K-2024-0030" in text
    assert "Kota Contoh, 05 Januari 2024" in text and "Yang menyerahkan," in text


@requires_libreoffice()
def test_run_files_the_receipt_with_the_copies_docx_and_pdf(example_copy: Path, tmp_path: Path) -> None:
    from docx import Document

    from sopdocs.workflow.activity import run_activity

    result = run_activity(example_copy / "pendataan-2024.yaml", archive=tmp_path / "arsip", pdf=True)
    data = tmp_path / "arsip" / "berkas" / result.case_id / "data"
    (receipt,) = data.glob("*Tanda_terima*.docx")
    (receipt_pdf,) = data.glob("*Tanda_terima*.pdf")
    table = next(t for t in Document(str(receipt)).tables if t.rows[0].cells[0].text == "No")
    assert [row.cells[1].text for row in table.rows[1:]] == result.copies
    pages = [p for p in pdf_pages(receipt_pdf) if p.strip()]
    text = flat(" ".join(pages))
    assert "Diserahkan Kepada" in text and "Tanggal Kembali" in text and "Paraf" in text
    assert result.copies[0] in text and result.copies[-1] in text
    if len(pages) > 1:
        assert "- 2 -" in pages[1].splitlines()[:3]


@requires_libreoffice()
@pytest.mark.parametrize("font", ["Times New Roman", "Bookman Old Style"])
def test_disposisi_stays_one_half_folio_page_in_any_profile_font(example_copy: Path, font: str) -> None:
    from sopdocs.kinds.disposisi import render_disposisi_file

    with_layout(example_copy, f"tata_letak:\n  font: {font}\n")
    result = render_disposisi_file(example_copy / "disposisi.yaml", example_copy / "out", pdf=True)
    pages = pdf_pages(result.pdf[0])
    assert len(pages) == 1
    text = flat(pages[0])
    assert "Catatan" in text and "NIP. 19720319 198003 1 001" in text
    twin = {"Times New Roman": "LiberationSerif", "Bookman Old Style": "Bookman"}[font]
    assert all(twin in f for f in pdf_fonts(result.pdf[0]) if "+" in f)


def test_full_width_tables_take_the_text_width_of_the_chosen_paper(tmp_path: Path, examples: Path) -> None:
    """A table as wide as the template's text (A4) spans the wider F4 text too; narrower ones stay."""
    from sopdocs.kinds.daftararsip import write_docx

    profile, _ = load_profile(examples / "profil.yaml")
    for paper in ("A4", "F4"):
        agency = profile.model_copy(update={"kertas": paper})
        out = write_docx([_Case(list_items(2))], tmp_path / f"daftar-{paper}.docx", profile=agency,
                         today=dt.date(2024, 2, 1))
        document = part(out, "word/document.xml")
        (sect,) = document.iter(w("sectPr"))
        width = int(sect.find(w("pgSz")).get(w("w")))
        margins = sect.find(w("pgMar"))
        text = width - int(margins.get(w("left"))) - int(margins.get(w("right")))
        table = document.find(f"{w('body')}/{w('tbl')}")
        grid = sum(int(c.get(w("w"))) for c in table.iter(w("gridCol")))
        assert text - 20 <= grid <= text, (paper, grid, text)

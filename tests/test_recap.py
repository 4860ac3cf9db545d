"""Recap of returned questionnaires: reading CSV/XLSX, the tally, the nota dinas with charts."""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import re
import zipfile
from collections import Counter
from pathlib import Path
from typing import Any

import pytest
from docx import Document

from conftest import requires_libreoffice
from sopdocs.errors import SopdocsError, ValidationError
from sopdocs.kinds.kuesioner.kuesioner import issue_codes, load_kuesioner
from sopdocs.numbering.rules import register_for
from sopdocs.kinds.kuesioner.questionkinds import Grafik
from sopdocs.kinds.kuesioner.recap import read_responses, recap, tally
from sopdocs.workflow.issue import render_recap_file

W_NS = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
KEGIATAN = "Pendataan Ketenagakerjaan Perusahaan Tahun 2024"


@pytest.fixture(autouse=True)
def _own_archive(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SOPDOCS_ARCHIVE", str(tmp_path / "arsip-bawaan"))


@pytest.fixture
def archive(tmp_path: Path, examples: Path) -> Path:
    """An archive whose register issued K-2024-0001..0030 for the example activity."""
    folder = tmp_path / "arsip"
    defn, _ = load_kuesioner(examples / "kuesioner-pendataan.yaml")
    assert issue_codes(defn, 30, archive=folder)[-1] == "K-2024-0030"
    return folder


def text_of(path: Path) -> str:
    body = Document(str(path)).element.body
    return "\n".join("".join(t.text or "" for t in p.iter(f"{W_NS}t")) for p in body.iter(f"{W_NS}p"))


# --------------------------------------------------------------------------- an independent tally


def pct(part: int, whole: int) -> str:
    return f"{100 * part / whole:.1f}".replace(".", ",") + "%"


def independent_tally(path: Path) -> dict:
    """The example CSV tallied by hand-written rules, without sopdocs."""
    with path.open(encoding="utf-8-sig", newline="") as handle:
        rows = list(csv.DictReader(handle, delimiter=";"))
    status_options = ["PT", "CV", "Koperasi", "Perorangan", "BUMN/BUMD"]
    seen: set[str] = set()
    good, bad_lines = [], []
    for line, row in enumerate(rows, start=2):
        number_ok = re.fullmatch(r"\d+|\d{1,3}(\.\d{3})+", row["jumlah_tk"]) is not None
        status = row["status_badan_usaha"]
        status_ok = status in status_options or status in {"1", "2", "3", "4", "5"}
        if row["kode"] in seen or not number_ok or not status_ok:
            bad_lines.append(line)
        else:
            good.append(row)
        seen.add(row["kode"])
    status = Counter(status_options[int(r["status_badan_usaha"]) - 1] if r["status_badan_usaha"].isdigit()
                     else r["status_badan_usaha"] for r in good)
    tka = Counter({"T": "Tidak"}.get(r["tka"], r["tka"]) for r in good)
    social = Counter()
    social_answered = 0
    for r in good:
        if r["jaminan_sosial"]:
            social_answered += 1
            for pick in r["jaminan_sosial"].split(";"):
                social["Lainnya" if pick.startswith("Lainnya") else pick] += 1
    workers = [int(r["jumlah_tk"].replace(".", "")) for r in good]
    scale = Counter(4 if r["sikap_petugas"] == "Sangat baik" else int(r["sikap_petugas"]) for r in good)
    grid = [[sum(int(r[f"tk_pendidikan.{i}.{j}"].replace(".", "")) for r in good) for j in (1, 2)] for i in range(1, 6)]
    return {
        "good": len(good), "bad_lines": bad_lines, "codes": {r["kode"] for r in rows},
        "status": status, "tka": tka, "social": social, "social_answered": social_answered,
        "workers": workers, "scale": scale, "grid": grid,
    }


def test_recap_matches_an_independent_tally(examples: Path, archive: Path) -> None:
    defn, _ = load_kuesioner(examples / "kuesioner-pendataan.yaml")
    rekap = recap(examples / "jawaban.csv", defn, archive=archive)
    expected = independent_tally(examples / "jawaban.csv")
    assert expected["bad_lines"] == [13, 24] and expected["good"] == 28

    assert len(rekap.diolah) == 28
    assert [r.line for r in rekap.ditolak] == [13, 24]
    duplicate, wrong = rekap.ditolak
    assert duplicate.kode == "K-2024-0007" and "baris 8" in duplicate.alasan[0] and "ganda" in duplicate.alasan[0]
    assert wrong.kode == "K-2024-0022"
    assert any("jumlah_tk" in a and "bukan angka" in a for a in wrong.alasan)
    assert any("Yayasan" in a and "tidak ada di pilihan" in a for a in wrong.alasan)
    assert len(rekap.dibagikan) == 30
    assert rekap.kembali == sorted(expected["codes"])
    assert rekap.belum_kembali == ["K-2024-0030"]

    summary = {s.pertanyaan.id: s for _, s in rekap.ringkasan}
    assert summary["status_badan_usaha"].nilai["jumlah"] == {o: expected["status"][o] for o in
                                                             ["PT", "CV", "Koperasi", "Perorangan", "BUMN/BUMD"]}
    assert summary["tka"].nilai["jumlah"] == {"Ya": expected["tka"]["Ya"], "Tidak": expected["tka"]["Tidak"]}
    social = summary["jaminan_sosial"]
    assert social.dijawab == expected["social_answered"]
    assert social.nilai["jumlah"] == {k: expected["social"][k] for k in
                                      ["BPJS Kesehatan", "BPJS Ketenagakerjaan", "Asuransi swasta", "Lainnya"]}
    workers = summary["jumlah_tk"].nilai
    assert workers["jumlah"] == sum(expected["workers"])
    assert workers["min"] == min(expected["workers"]) and workers["max"] == max(expected["workers"])
    assert workers["rata_rata"] == pytest.approx(sum(expected["workers"]) / 28)
    scale = summary["sikap_petugas"].nilai
    assert scale["sebaran"] == {i: expected["scale"][i] for i in range(1, 5)}
    assert scale["rata_rata"] == pytest.approx(sum(k * v for k, v in expected["scale"].items()) / 28)
    assert summary["tk_pendidikan"].nilai["jumlah"] == expected["grid"]
    assert summary["kendala"].dijawab + summary["kendala"].kosong == 28


def test_letter_contains_the_numbers_and_the_charts(example_copy: Path, archive: Path, tmp_path: Path) -> None:
    result = render_recap_file(example_copy / "jawaban.csv", example_copy / "kuesioner-pendataan.yaml",
                               tmp_path / "out", archive=archive, tanggal=dt.date(2024, 2, 5))
    expected = independent_tally(example_copy / "jawaban.csv")
    (letter,) = result.docx
    (number,) = result.numbers
    assert number == "000.1.2/001/Disnakertrans/2024"
    text = text_of(letter)
    assert f"Nomor: {number}" in text
    assert "05 Februari 2024" in text
    assert "Yth. Kepala Dinas Ketenagakerjaan dan Transmigrasi" in text
    for needle in ("30 eksemplar", "29 eksemplar", pct(29, 30), "28 baris", "2 baris", "K-2024-0030"):
        assert needle in text, needle
    for option, count in expected["status"].items():
        assert pct(count, 28) in text
    total = sum(expected["workers"])
    assert f"{total:,}".replace(",", ".") + " orang" in text
    assert "kode K-2024-0007 sudah ada di baris 8" in text
    assert "RINA MARLINA, S.E." in text
    # one chart per choice, yes/no and scale question, besides the logo
    with zipfile.ZipFile(letter) as package:
        media = [n for n in package.namelist() if re.fullmatch(r"word/media/.*\.png", n)
                 and n != "word/media/sopdocs-qr.png"]  # the verification QR code is no chart
        logo = (example_copy / "logo.png").read_bytes()
        charts = [package.read(n) for n in media if package.read(n) != logo]
    assert len(charts) == 6
    assert all(c.startswith(b"\x89PNG") for c in charts)
    assert not any(b"Software" in c[:200] for c in charts)  # no tool/version stamp
    with register_for(archive) as register:
        issued = register.find(number)
    assert issued is not None and issued.kind == "nota-dinas"
    assert archived_copy(archive, issued.document) == letter.read_bytes()  # the register points at the archived letter
    lines = {w.line for w in result.warnings if w.severity == "warning" and w.line}
    assert {13, 24} <= lines


def archived_copy(root: Path, reference: str | None) -> bytes:
    """The bytes of the archived item a register reference points at."""
    from sopdocs.archive.archive import Archive

    assert reference and reference.startswith("berkas/"), reference
    with Archive(root, index=False) as store:
        path = store.resolve_reference(reference)
    assert path is not None, reference
    return path.read_bytes()


def test_chart_is_deterministic(tmp_path: Path) -> None:
    from sopdocs.kinds.kuesioner.charts import bar_chart

    grafik = Grafik(["Sangat baik sekali dengan label yang panjang", "Baik", "Kurang"], [5, 3, 0], 8, "judul")
    a = bar_chart(grafik, tmp_path / "a.png").read_bytes()
    b = bar_chart(grafik, tmp_path / "b.png").read_bytes()
    assert a == b and a.startswith(b"\x89PNG")


def write_csv(path: Path, text: str, *, bom: bool = False) -> Path:
    path.write_bytes((b"\xef\xbb\xbf" if bom else b"") + text.encode("utf-8"))
    return path


HEADER = "kode{d}status_badan_usaha{d}jaminan_sosial{d}jumlah_tk{d}tanggal_operasi\n"


def test_comma_delimiter_bom_and_unknown_code(examples: Path, archive: Path, tmp_path: Path) -> None:
    defn, _ = load_kuesioner(examples / "kuesioner-pendataan.yaml")
    text = HEADER.format(d=",") + (
        'K-2024-0001,PT,"BPJS Kesehatan;Lainnya: Dana pensiun",12,2 Januari 2020\n'
        "\n"
        'k-2024-0002 ,CV,,"1.250",\n'
        "K-2099-0001,PT,,5,\n"
        ",PT,,5,\n"
        "K-2024-0003,PT,,5,31 Februari 2020\n"
    )
    path = write_csv(tmp_path / "j.csv", text, bom=True)
    berkas = read_responses(path, defn)
    assert berkas.pemisah == ","
    rekap = tally(defn, berkas, ["K-2024-0001", "K-2024-0002", "K-2024-0003"])
    assert [row.kode for row, _ in rekap.diolah] == ["K-2024-0001", "K-2024-0002"]
    assert [(r.line, r.kode) for r in rekap.ditolak] == [(5, "K-2099-0001"), (6, ""), (7, "K-2024-0003")]
    assert "tidak tercatat di register" in rekap.ditolak[0].alasan[0]
    assert "kosong" in rekap.ditolak[1].alasan[0]
    assert "Februari" in rekap.ditolak[2].alasan[0]
    summary = {s.pertanyaan.id: s for _, s in rekap.ringkasan}
    assert summary["jumlah_tk"].nilai["jumlah"] == 1262
    assert summary["jaminan_sosial"].nilai["lainnya"] == [("K-2024-0001", "Dana pensiun")]
    # missing question columns are a warning, not silence
    assert any("tidak ada" in w.message and "tka" in w.message for w in rekap.peringatan)


def test_unquoted_multiple_choice_with_semicolon_delimiter_is_refused(examples: Path, tmp_path: Path) -> None:
    defn, _ = load_kuesioner(examples / "kuesioner-pendataan.yaml")
    text = HEADER.format(d=";") + (
        "K-2024-0001;PT;BPJS Kesehatan;BPJS Ketenagakerjaan;12;\n"
        'K-2024-0002;PT;"BPJS Kesehatan;BPJS Ketenagakerjaan";12;\n'
    )
    rekap = tally(defn, read_responses(write_csv(tmp_path / "j.csv", text), defn), None)
    assert [row.kode for row, _ in rekap.diolah] == ["K-2024-0002"]
    (refused,) = rekap.ditolak
    assert refused.line == 2 and "tanda kutip" in refused.alasan[0]
    assert any("tidak diperiksa" in w.message for w in rekap.peringatan)


def test_xlsx_responses(examples: Path, tmp_path: Path) -> None:
    from openpyxl import Workbook

    defn, _ = load_kuesioner(examples / "kuesioner-pendataan.yaml")
    book = Workbook()
    sheet = book.active
    sheet.title = "Jawaban"
    sheet.append(["kode", "jumlah_tk", "tanggal_operasi", "sikap_petugas", "status_badan_usaha", "tk_pendidikan.1.1"])
    sheet.append(["K-2024-0001", 1250, dt.datetime(2020, 1, 2), 4, "PT", 3.0])
    sheet.append(["K-2024-0002", 12.0, None, "Baik", 2, 7])
    sheet.append(["K-2024-0003", "banyak", None, 5, "PT", None])
    path = tmp_path / "jawaban.xlsx"
    book.save(path)
    rekap = tally(defn, read_responses(path, defn), None)
    assert [row.line for row, _ in rekap.diolah] == [2, 3]
    (refused,) = rekap.ditolak
    assert refused.line == 4
    assert any("bukan angka" in a for a in refused.alasan) and any("di luar skala" in a for a in refused.alasan)
    summary = {s.pertanyaan.id: s for _, s in rekap.ringkasan}
    assert summary["jumlah_tk"].nilai["jumlah"] == 1262
    assert summary["sikap_petugas"].nilai["sebaran"] == {1: 0, 2: 0, 3: 1, 4: 1}
    assert summary["status_badan_usaha"].nilai["jumlah"]["CV"] == 1
    assert summary["tanggal_operasi"].nilai["min"] == dt.date(2020, 1, 2)
    assert summary["tk_pendidikan"].nilai["jumlah"][0] == [10, 0]


def test_header_problems(examples: Path, tmp_path: Path) -> None:
    defn, _ = load_kuesioner(examples / "kuesioner-pendataan.yaml")
    with pytest.raises(ValidationError, match="kolom 'kode'"):
        read_responses(write_csv(tmp_path / "a.csv", "jumlah_tk;tka\n1;Ya\n"), defn)
    with pytest.raises(ValidationError, match="tidak dikenali"):
        read_responses(write_csv(tmp_path / "b.csv", "nama;umur\nx;1\n"), defn)
    with pytest.raises(ValidationError, match="UTF-8"):
        (tmp_path / "c.csv").write_bytes("kode;alamat\nK-1;Jl. Cempaka \xe9\n".encode("latin-1"))
        read_responses(tmp_path / "c.csv", defn)
    with pytest.raises(ValidationError, match="dua kali"):
        read_responses(write_csv(tmp_path / "d.csv", "kode;tka;tka\nK;Ya;Ya\n"), defn)


def test_hostile_answers_render_literally(example_copy: Path, archive: Path, tmp_path: Path) -> None:
    hostile = "A & B <c> {{ 7*7 }} </w:t></w:r></w:p>"
    text = "kode;nama_perusahaan;pelatihan\n" + f'K-2024-0001;"{hostile}";"{hostile}"\n'
    path = write_csv(tmp_path / "j.csv", text)
    result = render_recap_file(path, example_copy / "kuesioner-pendataan.yaml", tmp_path / "out", archive=archive,
                               nomor="000.1.2/999/Disnakertrans/2024")
    body = text_of(result.docx[0])
    assert body.count(hostile) == 2  # the answer list and the respondent list
    assert "49" not in body.replace("000.1.2/999", "")


def test_broken_template_takes_no_number(example_copy: Path, archive: Path, tmp_path: Path) -> None:
    templates = tmp_path / "templat"
    templates.mkdir()
    doc = Document()
    doc.add_paragraph("{{ nota.nomor }} {{ tidak_ada }}")
    doc.save(str(templates / "nota-dinas.docx"))
    with pytest.raises(SopdocsError, match="tidak_ada"):
        render_recap_file(example_copy / "jawaban.csv", example_copy / "kuesioner-pendataan.yaml", tmp_path / "out",
                          archive=archive, templates=templates)
    with register_for(archive) as register:
        assert register.list(kind="nota-dinas") == []
    assert not list(tmp_path.glob("out/*.docx"))


def test_given_number_is_recorded_or_refused(example_copy: Path, archive: Path, tmp_path: Path) -> None:
    from sopdocs.numbering.rules import reserve_number
    from sopdocs.definitions.profile import load_profile

    agency, _ = load_profile(example_copy / "profil.yaml")
    booked = reserve_number(agency, "nota-dinas", date=dt.date(2024, 2, 5), subject="rekap", archive=archive)
    args = (example_copy / "jawaban.csv", example_copy / "kuesioner-pendataan.yaml", tmp_path / "out")
    result = render_recap_file(*args, archive=archive, nomor=booked.number)
    with register_for(archive) as register:
        issued = register.find(booked.number)
        assert issued.status == "terpakai"
        assert archived_copy(archive, issued.document) == result.docx[0].read_bytes()
        register.void(booked.number, "salah tanggal")
    with pytest.raises(ValidationError, match="dibatalkan"):
        render_recap_file(*args, archive=archive, nomor=booked.number)
    unknown = render_recap_file(*args, archive=archive, nomor="000.1.2/777/Disnakertrans/2024")
    assert any("tidak tercatat" in w.message for w in unknown.warnings)


def test_missing_sender_names_the_field(example_copy: Path, tmp_path: Path) -> None:
    definition = example_copy / "kuesioner-pendataan.yaml"
    text = definition.read_text(encoding="utf-8")
    text = text.split("# Nota dinas rekapitulasi")[0]
    definition.write_text(text, encoding="utf-8")
    with pytest.raises(ValidationError) as info:
        render_recap_file(example_copy / "jawaban.csv", definition, tmp_path / "out")
    (problem,) = info.value.problems
    assert problem.field == "rekap.dari" and problem.file == str(definition)


def test_cli_recap(example_copy: Path, archive: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from sopdocs.cli import _templates_arg
    from sopdocs.cli import recap as recap_cli

    parser = argparse.ArgumentParser(prog="sopdocs")
    recap_cli.add_parser(parser.add_subparsers(dest="command"), _templates_arg)
    args = parser.parse_args(["recap", str(example_copy / "jawaban.csv"), "--questionnaire",
                              str(example_copy / "kuesioner-pendataan.yaml"), "-o", str(tmp_path / "out"),
                              "--archive", str(archive), "--tanggal", "5 Februari 2024"])
    assert args.func(args) == 0
    out, err = capsys.readouterr()
    assert out.strip().endswith(".docx") and Path(out.strip()).is_file()
    assert "jawaban.csv:13: peringatan: tidak diolah" in err and "jawaban.csv:24: peringatan: tidak diolah" in err
    assert "000.1.2/001/Disnakertrans/2024" in err
    with pytest.raises(SystemExit):
        parser.parse_args(["recap", "x.csv", "--questionnaire", "k.yaml", "--tanggal", "31 Februari 2024"])


@requires_libreoffice()
def test_letter_converts_to_pdf(example_copy: Path, archive: Path, tmp_path: Path) -> None:
    from pypdf import PdfReader

    result = render_recap_file(example_copy / "jawaban.csv", example_copy / "kuesioner-pendataan.yaml",
                               tmp_path / "out", archive=archive, pdf=True, tanggal=dt.date(2024, 2, 5))
    reader = PdfReader(str(result.pdf[0]))
    assert len(reader.pages) >= 3
    first = reader.pages[0].extract_text()
    assert "NOTA DINAS" in first and "000.1.2/001/Disnakertrans/2024" in first
    # the attachment starts on a new page after the letter's signature (which keeps the
    # closing paragraph with it, so it may be on page 2 in Arial with 3 cm margins)
    texts = [page.extract_text() or "" for page in reader.pages]
    signed = next(i for i, text in enumerate(texts) if "RINA MARLINA" in text)
    assert "Lampiran Nota Dinas" in texts[signed + 1]


# --------------------------------------------------------------------------- linear work (counted, not timed)


def test_each_distinct_cell_is_read_once(examples: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The tally reads a repeated answer once: the work per row is a dict lookup."""
    from sopdocs.kinds.kuesioner import questionkinds

    defn, _ = load_kuesioner(examples / "kuesioner-pendataan.yaml")
    calls: Counter[str] = Counter()
    for kind in (questionkinds.Skala, questionkinds.PilihanTunggal):
        original = kind.read_value

        def counted(self: Any, raw: Any, original: Any = original) -> Any:
            calls[self.id] += 1
            return original(self, raw)

        monkeypatch.setattr(kind, "read_value", counted)
    parse_calls = Counter[str]()
    original_parse = questionkinds.parse_angka

    def counted_parse(raw: Any, **kwargs: Any) -> Any:
        parse_calls["n"] += 1
        return original_parse(raw, **kwargs)

    monkeypatch.setattr(questionkinds, "parse_angka", counted_parse)
    lines = ["kode;sikap_petugas;status_badan_usaha;tk_pendidikan.1.1;tk_pendidikan.1.2"]
    lines += [f"K-{i:06d};{i % 4 + 1};{['PT', 'CV', '3'][i % 3]};{i % 5};7" for i in range(3000)]
    rekap = tally(defn, read_responses(write_csv(tmp_path / "j.csv", "\n".join(lines) + "\n"), defn), None)
    assert len(rekap.diolah) == 3000
    assert calls == {"sikap_petugas": 4, "status_badan_usaha": 3}
    assert parse_calls["n"] == 6  # 0..4 and 7, over 6,000 grid cells
    summary = {s.pertanyaan.id: s for _, s in rekap.ringkasan}
    assert summary["sikap_petugas"].nilai["sebaran"] == {1: 750, 2: 750, 3: 750, 4: 750}
    assert summary["tk_pendidikan"].nilai["jumlah"][0] == [sum(i % 5 for i in range(3000)), 21000]


def test_table_xml_builds_the_same_few_elements_for_any_number_of_rows(monkeypatch: pytest.MonkeyPatch) -> None:
    from lxml import etree

    from sopdocs.docx import formxml as fx
    from sopdocs.kinds.kuesioner import recap as recap_module
    from sopdocs.kinds.kuesioner.questionkinds import Tabel

    built = Counter[int]()
    original = fx.paragraph

    def counted(*args: Any, **kwargs: Any) -> Any:
        built["n"] += 1
        return original(*args, **kwargs)

    monkeypatch.setattr(fx, "paragraph", counted)
    for rows in (10, 10_000):
        built.clear()
        tabel = Tabel(["No", "Kode", "Nama"], [[str(i), f"K-{i}", f"PT {i} & <Co>"] for i in range(rows)],
                      [12, 35, 118], ["center", "center", "left"])
        xml = recap_module._table_xml(tabel, 160)
        assert built["n"] == 3 + 2 * 3  # header and the two sample rows, whatever the rows
        table = etree.fromstring(xml)
        assert len(table.findall(f"{W_NS}tr")) == rows + 1
        assert xml.count("xml:space") == 3  # the header only: no edge spaces, none of lxml's slow xml: attributes


def test_table_xml_is_what_fx_table_builds(monkeypatch: pytest.MonkeyPatch) -> None:
    """The fast table is the table fx.table builds cell by cell (xml:space aside)."""
    from lxml import etree

    from sopdocs.docx import formxml as fx
    from sopdocs.kinds.kuesioner import recap as recap_module
    from sopdocs.kinds.kuesioner.questionkinds import Tabel

    def slow(tabel: Tabel, width_mm: float, size_pt: float = 10) -> str:
        widths = [w * min(1.0, width_mm / sum(tabel.widths)) for w in tabel.widths]
        keep = len(tabel.rows) <= recap_module.KEEP_ROWS

        def cell(text: str, align: str, *, bold: bool = False, shade: str | None = None) -> fx.Cell:
            return fx.Cell([fx.paragraph(text, bold=bold, size_pt=size_pt, align=align, before_pt=1, after_pt=1,
                                         keep_next=keep)], shade=shade)

        rows = [[cell(text, "center", bold=True, shade="D9D9D9") for text in tabel.header]]
        for index, row in enumerate(tabel.rows):
            bold = tabel.total_row and index == len(tabel.rows) - 1
            rows.append([cell(text, align, bold=bold) for text, align in zip(row, tabel.align)])
        return etree.tostring(fx.table(widths, rows, header_rows=1), encoding="unicode")

    for count in (3, 20):
        rows = [[f"a{i} <&> \"q\" '", "x\ny", "\u00fcn\u00ef \u20ac"] for i in range(count)] + [["t", "Jumlah", "9"]]
        for total in (False, True):
            tabel = Tabel(["A", "B", "C"], rows, [10, 20, 30], ["left", "center", "right"], total)
            fast = recap_module._table_xml(tabel, 150)
            assert fast.replace(' xml:space="preserve"', "") == slow(tabel, 150).replace(' xml:space="preserve"', "")
    odd = Tabel(["A", "B", "C"], [["1", "2"], ["  kiri", "", "x\x01y\rz"]], [10, 20, 30], ["left", "center", "right"])
    fast = recap_module._table_xml(odd, 150)
    assert etree.fromstring(fast).xpath("string()") == etree.fromstring(slow(odd, 150)).xpath("string()")
    assert '<w:t xml:space="preserve">  kiri</w:t>' in fast  # spaces to keep are kept

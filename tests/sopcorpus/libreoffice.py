"""Corpus files made by LibreOffice's own Word writer: a Flat ODT (flowchart shapes
anchored in the cells, arrows for the decision, fixed row heights) and an HTML page (text
marks, a numbered list, spanned header cells), written here by hand and converted with
``soffice --headless --convert-to docx``."""

from __future__ import annotations

import copy
import os
import shutil
import subprocess
from pathlib import Path
from typing import Any
from xml.sax.saxutils import escape

from sopcorpus import specs

#: Seconds one conversion may take.
CONVERT_TIMEOUT = 180

NS = ('xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" '
      'xmlns:style="urn:oasis:names:tc:opendocument:xmlns:style:1.0" '
      'xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0" '
      'xmlns:table="urn:oasis:names:tc:opendocument:xmlns:table:1.0" '
      'xmlns:draw="urn:oasis:names:tc:opendocument:xmlns:drawing:1.0" '
      'xmlns:fo="urn:oasis:names:tc:opendocument:xmlns:xsl-fo-compatible:1.0" '
      'xmlns:svg="urn:oasis:names:tc:opendocument:xmlns:svg-compatible:1.0" '
      'xmlns:loext="urn:org:documentfoundation:names:experimental:office:xmlns:loext:1.0"')

COLS = [1.0, 8.0, 2.0, 2.0, 2.0, 2.0, 3.0, 1.7, 2.8]  # cm; keterangan takes the rest
PAGE_W, MARGIN = 29.7, 1.27
ROW_H = 1.8  # cm, exact (the whole table fits one landscape A4 page)
SYM_W, SYM_H, DEC_H = 1.3, 0.6, 0.9
GEOMETRY = {"terminator": "flowchart-terminator", "process": "flowchart-process", "decision": "flowchart-decision"}


def _p(text: str = "", style: str = "P") -> str:
    return f'<text:p text:style-name="{style}">{escape(text)}</text:p>'


def _cell(content: str, *, span: int = 1, rows: int = 1) -> str:
    attrs = (f' table:number-columns-spanned="{span}"' if span > 1 else "") + (f' table:number-rows-spanned="{rows}"' if rows > 1 else "")
    return f'<table:table-cell table:style-name="C"{attrs} office:value-type="string">{content or _p()}</table:table-cell>'


def _covered(n: int = 1) -> str:
    return "<table:covered-table-cell/>" * n


def _shape(kind: str, x: float, y: float) -> str:
    h = DEC_H if kind == "decision" else SYM_H
    return (f'<draw:custom-shape text:anchor-type="paragraph" draw:z-index="1" draw:style-name="gr1" svg:width="{SYM_W}cm" '
            f'svg:height="{h}cm" svg:x="{x:.3f}cm" svg:y="{y:.3f}cm"><draw:enhanced-geometry draw:type="{GEOMETRY[kind]}" '
            f'svg:viewBox="0 0 21600 21600"/></draw:custom-shape>')


def _line(x1: float, y1: float, x2: float, y2: float, arrow: bool) -> str:
    return (f'<draw:line text:anchor-type="paragraph" draw:z-index="2" draw:style-name="{"gr3" if arrow else "gr2"}" '
            f'svg:x1="{x1:.3f}cm" svg:y1="{y1:.3f}cm" svg:x2="{x2:.3f}cm" svg:y2="{y2:.3f}cm"><text:p/></draw:line>')


def _label(text: str, x: float, y: float) -> str:
    return (f'<draw:custom-shape text:anchor-type="paragraph" draw:z-index="3" draw:style-name="gr4" svg:width="1.0cm" '
            f'svg:height="0.45cm" svg:x="{x:.3f}cm" svg:y="{y:.3f}cm">{_p(text, "L")}<draw:enhanced-geometry '
            f'draw:type="rectangle" svg:viewBox="0 0 21600 21600"/></draw:custom-shape>')


def fodt(spec: dict[str, Any]) -> str:
    """The pendataan-shaped SOP (4 actors) as a Flat ODT."""
    actors = spec["pelaksana"]
    steps = spec["langkah"]
    ket = PAGE_W - 2 * MARGIN - sum(COLS)
    widths = [*COLS, ket]
    actor_left = [sum(COLS[:2]) + sum(COLS[2:2 + a]) for a in range(4)]
    pad = 0.1  # cell padding (cm)

    def sym_x(actor: int, in_actor: int) -> float:
        # x of a symbol in actor column ``actor`` relative to the paragraph of a cell in column ``in_actor``
        return actor_left[actor] + (COLS[2 + actor] - SYM_W) / 2 - actor_left[in_actor] - pad

    styles = (
        '<office:styles><style:default-style style:family="paragraph"><style:paragraph-properties fo:margin-top="0cm" '
        'fo:margin-bottom="0cm"/><style:text-properties style:font-name="Liberation Sans" fo:font-family="Liberation Sans" '
        'fo:font-size="9pt" fo:language="id" fo:country="ID"/></style:default-style>'
        '<draw:marker draw:name="Arrow" svg:viewBox="0 0 20 30" svg:d="M10 0l-10 30h20z"/></office:styles>'
        '<office:automatic-styles>'
        '<style:page-layout style:name="pm1"><style:page-layout-properties fo:page-width="29.7cm" fo:page-height="21cm" '
        f'style:print-orientation="landscape" fo:margin-top="{MARGIN}cm" fo:margin-bottom="{MARGIN}cm" '
        f'fo:margin-left="{MARGIN}cm" fo:margin-right="{MARGIN}cm"/></style:page-layout>'
        '<style:style style:name="T" style:family="table"><style:table-properties style:width="27.16cm" table:align="left"/></style:style>'
        + "".join(f'<style:style style:name="W{i}" style:family="table-column"><style:table-column-properties '
                  f'style:column-width="{w:.3f}cm"/></style:style>' for i, w in enumerate(widths))
        + f'<style:style style:name="R" style:family="table-row"><style:table-row-properties style:row-height="{ROW_H}cm"/></style:style>'
        '<style:style style:name="C" style:family="table-cell"><style:table-cell-properties fo:padding="0.1cm" '
        'fo:border="0.5pt solid #000000"/></style:style>'
        '<style:style style:name="P" style:family="paragraph"/>'
        '<style:style style:name="B" style:family="paragraph"><style:text-properties fo:font-weight="bold"/></style:style>'
        '<style:style style:name="L" style:family="paragraph"><style:text-properties fo:font-size="8pt"/></style:style>'
        '<style:style style:name="PB" style:family="paragraph"><style:paragraph-properties fo:break-before="page"/></style:style>'
        '<style:style style:name="gr1" style:family="graphic"><style:graphic-properties draw:fill="solid" draw:fill-color="#ffffff" '
        'svg:stroke-color="#000000" style:wrap="run-through" style:run-through="foreground" style:vertical-pos="from-top" '
        'style:vertical-rel="paragraph" style:horizontal-pos="from-left" style:horizontal-rel="paragraph"/></style:style>'
        '<style:style style:name="gr2" style:family="graphic"><style:graphic-properties draw:stroke="solid" svg:stroke-color="#000000" '
        'style:wrap="run-through" style:run-through="foreground" style:vertical-pos="from-top" style:vertical-rel="paragraph" '
        'style:horizontal-pos="from-left" style:horizontal-rel="paragraph"/></style:style>'
        '<style:style style:name="gr3" style:family="graphic"><style:graphic-properties draw:stroke="solid" svg:stroke-color="#000000" '
        'draw:marker-end="Arrow" draw:marker-end-width="0.2cm" style:wrap="run-through" style:run-through="foreground" '
        'style:vertical-pos="from-top" style:vertical-rel="paragraph" style:horizontal-pos="from-left" '
        'style:horizontal-rel="paragraph"/></style:style>'
        '<style:style style:name="gr4" style:family="graphic"><style:graphic-properties draw:stroke="none" draw:fill="none" '
        'draw:textarea-horizontal-align="left" fo:padding-top="0cm" fo:padding-bottom="0cm" fo:padding-left="0cm" '
        'fo:padding-right="0cm" style:wrap="run-through" style:run-through="foreground" style:vertical-pos="from-top" '
        'style:vertical-rel="paragraph" style:horizontal-pos="from-left" style:horizontal-rel="paragraph"/></style:style>'
        '</office:automatic-styles>'
        '<office:master-styles><style:master-page style:name="Standard" style:page-layout-name="pm1"/></office:master-styles>'
    )
    signer = spec["disahkan_oleh"]
    ident_rows = [("NOMOR SOP", [spec["nomor"]]), ("TGL. PEMBUATAN", [spec["tanggal_pembuatan"]]),
                  ("TGL. REVISI", [spec.get("tanggal_revisi") or "-"]), ("TGL. EFEKTIF", [spec["tanggal_efektif"]]),
                  ("DISAHKAN OLEH", [signer["jabatan"] + ",", "", "", signer["nama"],
                                     f"{signer['pangkat']} ({signer['golongan']})", f"NIP. {signer['nip']}"]),
                  ("NAMA SOP", [spec["nama"]])]
    ident = ('<table:table table:name="Identitas" table:style-name="T"><table:table-column table:style-name="W1"/>'
             '<table:table-column table:style-name="W1"/><table:table-column table:style-name="W1"/>')
    for index, (label, value) in enumerate(ident_rows):
        left = _cell(_p("DINAS KETENAGAKERJAAN DAN TRANSMIGRASI", "B"), rows=6) if index == 0 else _covered()
        ident += f"<table:table-row>{left}{_cell(_p(label, 'B'))}{_cell(''.join(_p(v) for v in value))}</table:table-row>"
    ident += "</table:table>"
    lists = [("DASAR HUKUM", "dasar_hukum"), ("KUALIFIKASI PELAKSANA", "kualifikasi_pelaksana"),
             ("KETERKAITAN", "keterkaitan"), ("PERALATAN/PERLENGKAPAN", "peralatan_perlengkapan"),
             ("PERINGATAN", "peringatan"), ("PENCATATAN DAN PENDATAAN", "pencatatan_pendataan")]
    list_table = ('<table:table table:name="Daftar" table:style-name="T"><table:table-column table:style-name="W1"/>'
                  '<table:table-column table:style-name="W1"/>')
    for pair in range(3):
        (t1, k1), (t2, k2) = lists[2 * pair], lists[2 * pair + 1]
        list_table += f"<table:table-row>{_cell(_p(t1 + ':', 'B'))}{_cell(_p(t2 + ':', 'B'))}</table:table-row>"
        cells = ["".join(_p(f"{i}. {item}") for i, item in enumerate(spec[k], 1)) or _p("-") for k in (k1, k2)]
        list_table += f"<table:table-row>{_cell(cells[0])}{_cell(cells[1])}</table:table-row>"
    list_table += "</table:table>"
    cols = "".join(f'<table:table-column table:style-name="W{i}"/>' for i in range(len(widths)))
    head = ("<table:table-header-rows><table:table-row>" + _cell(_p("NO", "B"), rows=2) + _cell(_p("URAIAN PROSEDUR", "B"), rows=2)
            + _cell(_p("PELAKSANA", "B"), span=4) + _covered(3) + _cell(_p("MUTU BAKU", "B"), span=3) + _covered(2)
            + _cell(_p("KETERANGAN", "B"), rows=2) + "</table:table-row><table:table-row>" + _covered(2)
            + "".join(_cell(_p(name, "B")) for name in actors)
            + _cell(_p("KELENGKAPAN", "B")) + _cell(_p("WAKTU", "B")) + _cell(_p("OUTPUT", "B")) + _covered()
            + "</table:table-row><table:table-row>" + "".join(_cell(_p(str(i + 1))) for i in range(len(widths)))
            + "</table:table-row></table:table-header-rows>")
    body_rows = ""
    last = len(steps) - 1
    for index, step in enumerate(steps):
        actor = actors.index(step["pelaksana"])
        kind = "terminator" if index in (0, last) else ("decision" if step.get("keputusan") else "process")
        h = DEC_H if kind == "decision" else SYM_H
        y = (ROW_H - h) / 2 - pad
        drawings = _shape(kind, sym_x(actor, actor), y)
        decision = step.get("keputusan")
        if decision:
            # arrows anchored in the decision's cell, coordinates from its paragraph
            cx = sym_x(actor, actor) + SYM_W / 2
            bottom = y + h
            for branch, target in (("Ya", decision["ya"] - 1), ("Tidak", decision["tidak"] - 1)):
                t_actor = actors.index(steps[target]["pelaksana"])
                t_kind = "terminator" if target in (0, last) else "process"
                t_h = SYM_H if t_kind != "decision" else DEC_H
                rows_between = target - index
                t_top = rows_between * ROW_H + (ROW_H - t_h) / 2 - pad
                t_cx = sym_x(t_actor, actor) + SYM_W / 2
                if branch == "Ya":
                    mid = bottom + (t_top - bottom) / 2 if t_top > bottom else bottom + 0.2
                    segments = [(cx, bottom, cx, mid), (cx, mid, t_cx, mid), (t_cx, mid, t_cx, t_top)]
                    drawings += _label("Ya", cx + 0.1, bottom + 0.02)
                else:
                    right = sym_x(actor, actor) + SYM_W
                    route = actor_left[3] + COLS[5] - actor_left[actor] - pad - 0.2
                    t_cy = t_top + t_h / 2
                    segments = [(right, y + h / 2, route, y + h / 2), (route, y + h / 2, route, t_cy),
                                (route, t_cy, sym_x(t_actor, actor) + SYM_W, t_cy)]
                    drawings += _label("Tidak", right + 0.05, y + h / 2 - 0.5)
                for number, (x1, y1, x2, y2) in enumerate(segments):
                    drawings += _line(x1, y1, x2, y2, arrow=number == len(segments) - 1)
        actor_cells = "".join(_cell(f'<text:p text:style-name="P">{drawings}</text:p>' if a == actor else _p()) for a in range(4))
        body_rows += ('<table:table-row table:style-name="R">' + _cell(_p(f"{index + 1}.")) + _cell(_p(step["kegiatan"]))
                      + actor_cells + _cell("".join(_p(k) for k in step.get("kelengkapan", [])) or _p("-"))
                      + _cell(_p(step["waktu"])) + _cell(_p(step.get("output", ""))) + _cell(_p(step.get("keterangan", "")))
                      + "</table:table-row>")
    activity = f'<table:table table:name="Kegiatan" table:style-name="T">{cols}{head}{body_rows}</table:table>'
    return (f'<?xml version="1.0" encoding="UTF-8"?><office:document {NS} office:version="1.3" '
            f'office:mimetype="application/vnd.oasis.opendocument.text">{styles}<office:body><office:text>'
            f"{ident}{_p()}{list_table}{_p('', 'PB')}{activity}{_p()}</office:text></office:body></office:document>")


def html(spec: dict[str, Any]) -> str:
    """The SOP as a web page: header cells spanned, actors marked with a check, lists numbered."""
    actors = spec["pelaksana"]
    signer = spec["disahkan_oleh"]
    e = escape
    ident = "".join(f"<tr><td><b>{e(k)}</b></td><td>{v}</td></tr>" for k, v in [
        ("Nomor SOP", e(spec["nomor"])), ("Tanggal Pembuatan", e(spec["tanggal_pembuatan"])),
        ("Tanggal Revisi", e(spec.get("tanggal_revisi") or "-")), ("Tanggal Efektif", e(spec["tanggal_efektif"])),
        ("Disahkan Oleh", "<br>".join([e(signer["jabatan"]) + ",", "", "", e(signer["nama"]),
                                       e(f"{signer['pangkat']} ({signer['golongan']})"), e(f"NIP. {signer['nip']}")])),
        ("Nama SOP", e(spec["nama"]))])
    lists = ""
    for title, key in [("Dasar Hukum", "dasar_hukum"), ("Kualifikasi Pelaksana", "kualifikasi_pelaksana"),
                       ("Keterkaitan", "keterkaitan"), ("Peralatan/Perlengkapan", "peralatan_perlengkapan"),
                       ("Peringatan", "peringatan"), ("Pencatatan dan Pendataan", "pencatatan_pendataan")]:
        items = "".join(f"<li>{e(i)}</li>" for i in spec[key])
        lists += f"<tr><td><b>{title}:</b>{'<ol>' + items + '</ol>' if items else '<p>-</p>'}</td></tr>"
    n = len(actors)
    head = (f'<tr><th rowspan="2">No</th><th rowspan="2">Kegiatan</th><th colspan="{n}">Pelaksana</th>'
            f'<th colspan="3">Mutu Baku</th><th rowspan="2">Keterangan</th></tr><tr>'
            + "".join(f"<th>{e(a)}</th>" for a in actors) + "<th>Kelengkapan</th><th>Waktu</th><th>Output</th></tr>"
            + "<tr>" + "".join(f"<td>{i + 1}</td>" for i in range(n + 6)) + "</tr>")
    rows = ""
    for index, step in enumerate(spec["langkah"]):
        marks = "".join(f"<td>{'&#x221A;' if a == step['pelaksana'] else ''}</td>" for a in actors)
        kel = "<br>".join(e(k) for k in step.get("kelengkapan", [])) or "-"
        rows += (f"<tr><td>{index + 1}.</td><td>{e(step['kegiatan'])}</td>{marks}<td>{kel}</td><td>{e(step['waktu'])}</td>"
                 f"<td>{e(step.get('output', ''))}</td><td>{e(step.get('keterangan', ''))}</td></tr>")
    return (f'<!DOCTYPE html><html lang="id"><head><meta charset="utf-8"><title>SOP</title></head><body>'
            f'<table border="1">{ident}</table><table border="1">{lists}</table>'
            f'<table border="1">{head}{rows}</table></body></html>')


def convert_to(source: Path, out_dir: Path, target_format: str, *, html_input: bool = False) -> Path:
    """``soffice --headless --convert-to FORMAT`` into ``out_dir`` (own user profile there)."""
    soffice = os.environ.get("SOPDOCS_SOFFICE") or shutil.which("soffice") or shutil.which("libreoffice")
    if not soffice:
        raise FileNotFoundError("soffice")
    out_dir.mkdir(parents=True, exist_ok=True)
    profile = out_dir / ".lo-profile"
    command = [soffice, f"-env:UserInstallation={profile.resolve().as_uri()}", "--headless"]
    if html_input:
        command += ["--infilter=HTML (StarWriter)"]
    command += ["--convert-to", target_format, "--outdir", str(out_dir), str(source)]
    subprocess.run(command, check=True, timeout=CONVERT_TIMEOUT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    target = out_dir / (source.stem + "." + target_format.split(":")[0])
    if not target.exists():
        raise FileNotFoundError(target)
    return target


def convert(source: Path, out_dir: Path, *, html_input: bool = False) -> Path:
    return convert_to(source, out_dir, "docx:MS Word 2007 XML", html_input=html_input)


def build_libreoffice(folder: Path) -> list[tuple[str, Path, dict[str, Any]]]:
    """(name, .docx made by LibreOffice, expected definition) for the two hand-written sources."""
    folder.mkdir(parents=True, exist_ok=True)
    out: list[tuple[str, Path, dict[str, Any]]] = []
    spec = specs.pendataan()
    source = folder / "libreoffice-fodt.fodt"
    source.write_text(fodt(spec), encoding="utf-8")
    out.append(("libreoffice-fodt", convert(source, folder), spec))
    spec2 = specs.with_text_decisions(specs.kartu_kuning())
    page = folder / "libreoffice-html.html"
    page.write_text(html(spec2), encoding="utf-8")
    out.append(("libreoffice-html", convert(page, folder, html_input=True), copy.deepcopy(spec2)))
    return out

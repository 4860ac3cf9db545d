from __future__ import annotations

import dataclasses
from collections import Counter

import pytest

from sopdocs.errors import ValidationError
from sopdocs.kinds.sop.flowlayout import (
    PAPER_SIZES,
    Arrow,
    SheetLayout,
    SheetSpec,
    StepSpec,
    layout_sheet,
    render_svg,
    validate_layout,
)

# The seed SOP (reference/sop-pendataan.md); actors per step as assumed there:
# 1 Kasubbag PKP; 2-5 Staf/JFU; 6 Kasubbag PKP; 7 Kepala Dinas (decision); 8 Staf/JFU.
SEED_ACTORS = ["Kepala Dinas", "Sekretaris", "Kasubbag PKP", "Staf/Jabatan Fungsional Umum"]
KD, SEK, KAS, STAF = range(4)
SEED_STEPS = [
    StepSpec(
        "Menyiapkan bahan-bahan meliputi kuesioner serta peralatan dan perlengkapan pengumpulan data atau pendataan",
        KAS, "Agenda kerja/Tupoksi; format, blanko, kuesioner", "1 jam", "Bahan-bahan pendataan",
        "",
    ),
    StepSpec(
        "Menyampaikan/membagikan secara langsung bahan pendataan, setelah digandakan, kepada sumber untuk diisi "
        "sesuai redaksionalnya, langsung setelah dilakukan semacam bimtek dan sosialisasi",
        STAF, "Agenda kerja/Tupoksi; format, blanko, kuesioner", "4 jam", "Bahan-bahan pendataan telah dibagi", "",
    ),
    StepSpec(
        "Melaksanakan pengumpulan atau pendataan dengan membawa surat tugas yang sudah ditandatangani serta bahan "
        "dan perlengkapan yang diperlukan",
        STAF, "Surat tugas; format, blanko, kuesioner", "7 jam", "Surat tugas telah ditandatangani", "",
    ),
    StepSpec(
        "Menjumpai sumber dan mengumpulkan semua bahan pendataan yang telah dikirim dan dibagikan sebelumnya "
        "setelah diisi",
        STAF, "Surat tugas yang sudah ditandatangani", "30 menit", "Surat tugas yang sudah ditandatangani", "",
    ),
    StepSpec(
        "Melakukan pemotretan kepada kelompok pemberi data sebagai pendukung/rekaman bukti pelaksanaan pendataan",
        STAF, "Surat tugas yang sudah ditandatangani", "1 jam", "Foto pelaksanaan pendataan", "",
    ),
    StepSpec(
        "Menyusun dan membuat rekapitulasi atas data yang telah diperoleh sebagai bahan pelaporan kepada pimpinan "
        "untuk diketahui, dianalisa, dievaluasi, atau dinilai",
        KAS, "Rekapitulasi; komputer; ATK", "1 jam", "Rekapitulasi", "",
    ),
    StepSpec(
        "Memberikan penilaian atas laporan pelaksanaan pendataan; jika hasil laporan baik akan disetujui",
        KD, "Rekapitulasi", "10 menit", "Disposisi",
        "Jika laporan masih bermasalah atau data belum memadai, dikembalikan untuk dilengkapi sesuai arahan",
        ya=7, tidak=5,
    ),
    StepSpec(
        "Menyimpan dokumen pelaksanaan pendataan sebagai arsip", STAF, "Dokumen pendataan", "3 menit",
        "Arsip pendataan", "",
    ),
]

# A longer SOP: 25 steps, 6 actors, 3 decisions (one loop on the same page is likely,
# the others depend on pagination).
LKJIP_ACTORS = [
    "Kepala Dinas", "Sekretaris", "Kepala Bidang Program", "Kasubbag Perencanaan",
    "Staf Perencanaan", "Tim Evaluasi Internal",
]
KDN, SK, KB, KSP, SP, TIM = range(6)
LKJIP_STEPS = [
    StepSpec("Menerima surat edaran penyusunan Laporan Kinerja Instansi Pemerintah (LKjIP) dari Bupati", KDN,
             "Surat edaran", "15 menit", "Surat edaran diterima"),
    StepSpec("Mendisposisikan surat edaran kepada Sekretaris untuk ditindaklanjuti", KDN, "Lembar disposisi",
             "10 menit", "Disposisi"),
    StepSpec("Meneruskan disposisi kepada Kasubbag Perencanaan dan menetapkan jadwal penyusunan", SK,
             "Lembar disposisi; jadwal", "30 menit", "Jadwal penyusunan"),
    StepSpec("Menyiapkan format isian capaian indikator kinerja utama dan indikator kinerja program", KSP,
             "Renstra 2024-2026; Perjanjian Kinerja; format isian", "2 jam", "Format isian"),
    StepSpec("Mengirimkan format isian kepada setiap bidang beserta petunjuk pengisiannya", SP,
             "Format isian; surat pengantar", "1 jam", "Format isian terkirim"),
    StepSpec("Mengisi capaian kinerja bidang berdasarkan data realisasi fisik dan keuangan triwulan IV", KB,
             "Data realisasi fisik dan keuangan", "2 hari", "Isian capaian kinerja bidang", "Dilampiri data dukung"),
    StepSpec("Mengumpulkan isian capaian kinerja dari seluruh bidang", SP, "Isian capaian kinerja", "1 hari",
             "Kompilasi isian"),
    StepSpec("Memeriksa kelengkapan dan kebenaran data dukung; apakah data sudah lengkap?", KSP,
             "Kompilasi isian; data dukung", "3 jam", "Hasil pemeriksaan",
             "Bila belum lengkap, dikembalikan kepada bidang untuk dilengkapi", tidak=5),
    StepSpec("Mengolah data capaian dan menghitung persentase capaian setiap indikator", SP, "Komputer; ATK",
             "1 hari", "Tabel capaian kinerja"),
    StepSpec("Menyusun analisis capaian kinerja, efisiensi penggunaan sumber daya, dan permasalahan serta "
             "solusinya", SP, "Tabel capaian; Renja Murni/Perubahan", "2 hari", "Analisis capaian"),
    StepSpec("Menyusun konsep LKjIP sesuai sistematika Permen PANRB Nomor 53 Tahun 2014", KSP,
             "Analisis capaian; Permen PANRB 53/2014", "2 hari", "Konsep LKjIP"),
    StepSpec("Menyampaikan konsep LKjIP kepada Tim Evaluasi Internal untuk direviu", KSP, "Konsep LKjIP",
             "30 menit", "Konsep LKjIP terkirim"),
    StepSpec("Mereviu konsep LKjIP dan menuangkan catatan hasil reviu dalam kertas kerja", TIM,
             "Kertas kerja reviu", "2 hari", "Catatan hasil reviu"),
    StepSpec("Memperbaiki konsep LKjIP sesuai catatan hasil reviu", KSP, "Catatan hasil reviu", "1 hari",
             "Konsep LKjIP perbaikan"),
    StepSpec("Memeriksa konsep LKjIP perbaikan; apakah konsep dapat disetujui?", SK, "Konsep LKjIP perbaikan",
             "2 jam", "Paraf persetujuan", "Bila belum disetujui, dikembalikan dengan catatan", tidak=13),
    StepSpec("Menyampaikan konsep LKjIP kepada Kepala Dinas", SK, "Konsep LKjIP", "15 menit", "Konsep LKjIP"),
    StepSpec("Mempelajari konsep LKjIP beserta ringkasan eksekutif dan lampiran perjanjian kinerja", KDN,
             "Konsep LKjIP; ringkasan eksekutif", "1 jam", "Catatan pimpinan"),
    StepSpec("Menandatangani LKjIP; apakah LKjIP disetujui tanpa perubahan?", KDN, "LKjIP", "15 menit",
             "LKjIP ditandatangani", "Bila tidak, dikembalikan ke Kasubbag Perencanaan untuk penyempurnaan",
             tidak=10),
    StepSpec("Menggandakan LKjIP yang telah ditandatangani sesuai kebutuhan", SP, "LKjIP; mesin fotokopi",
             "1 jam", "Salinan LKjIP"),
    StepSpec("Membuat surat pengantar penyampaian LKjIP kepada Bupati melalui Bagian Organisasi", SP,
             "Konsep surat pengantar", "30 menit", "Konsep surat pengantar"),
    StepSpec("Memaraf konsep surat pengantar", SK, "Konsep surat pengantar", "10 menit", "Paraf"),
    StepSpec("Menandatangani surat pengantar", KDN, "Surat pengantar", "10 menit", "Surat pengantar ditandatangani"),
    StepSpec("Mengunggah LKjIP ke aplikasi SAKIP dan laman resmi Dinas", SP, "Komputer; jaringan internet",
             "1 jam", "Tanda bukti unggah", "Paling lambat akhir Februari"),
    StepSpec("Mengirimkan LKjIP dan surat pengantar kepada Bupati melalui Bagian Organisasi Sekretariat Daerah",
             SP, "Buku ekspedisi", "1 jam", "Tanda terima"),
    StepSpec("Mengarsipkan LKjIP, surat pengantar, dan tanda terima", SP, "Map arsip", "15 menit", "Arsip LKjIP"),
]


def flow_edges(steps: list[StepSpec]) -> set[tuple[int, int]]:
    edges = set()
    for i, step in enumerate(steps):
        if step.ya is not None:
            edges.add((i, step.ya))
        elif i + 1 < len(steps):
            edges.add((i, i + 1))
        if step.tidak is not None:
            edges.add((i, step.tidak))
    return edges


def check_common(layout: SheetLayout, spec: SheetSpec) -> None:
    """Invariants every layout must meet."""
    assert validate_layout(layout) == []
    usable = layout.page_width - layout.margins[1] - layout.margins[3]
    assert layout.table_width == usable
    assert layout.table_x == layout.margins[3]
    assert [c.actor for c in layout.actor_columns] == list(range(len(spec.actors)))
    xs = [c.x for c in layout.columns]
    assert xs == sorted(xs)
    for col, nxt in zip(layout.columns, layout.columns[1:]):
        assert col.x + col.width == nxt.x
    steps_seen = [r.step for p in layout.pages for r in p.rows]
    assert steps_seen == list(range(len(spec.steps)))
    for page in layout.pages:
        assert page.table_y == layout.margins[0] + layout.top_offset
        assert page.rows_y == page.table_y + sum(layout.header_heights)
        assert page.rows[-1].y + page.rows[-1].height <= layout.body_bottom
        rows = {r.step: r for r in page.rows}
        for sym in page.symbols:
            col = layout.actor_columns[spec.steps[sym.step].actor]
            assert col.x <= sym.x and sym.x + sym.w <= col.x + col.width
            assert sym.x + sym.w / 2 == col.x + col.width / 2 or abs(sym.x + sym.w / 2 - (col.x + col.width / 2)) <= 1
            row = rows[sym.step]
            assert row.y < sym.y and sym.y + sym.h < row.y + row.height
        for arrow in page.arrows:
            for (x1, y1), (x2, y2) in zip(arrow.points, arrow.points[1:]):
                assert x1 == x2 or y1 == y2
    # each flow edge is drawn: one arrow, or two halves joined by a connector pair
    drawn = Counter(a.edge for p in layout.pages for a in p.arrows)
    assert set(drawn) == flow_edges(spec.steps)
    for edge, count in drawn.items():
        cross = layout.page_of(edge[0]) != layout.page_of(edge[1])
        assert count == (2 if cross else 1), edge
    outs = {c.letter: (p.index, c) for p in layout.pages for c in p.connectors if c.kind == "out"}
    ins = {c.letter: (p.index, c) for p in layout.pages for c in p.connectors if c.kind == "in"}
    assert set(outs) == set(ins)
    for letter, (page, conn) in outs.items():
        in_page, in_conn = ins[letter]
        assert conn.edge == in_conn.edge
        assert conn.edge is not None
        assert page == layout.page_of(conn.edge[0]) and in_page == layout.page_of(conn.edge[1])
        assert page != in_page


def arrows_of(layout: SheetLayout) -> list[Arrow]:
    return [a for p in layout.pages for a in p.arrows]


# Rows keep ROW_PADDING_TOP/_BOTTOM around their text: at 9 pt the seed fits one page.
SEED_SPEC = SheetSpec(SEED_ACTORS, SEED_STEPS, font_size_pt=9)


def test_seed_sop() -> None:
    spec = SEED_SPEC
    layout = layout_sheet(spec)
    check_common(layout, spec)
    assert len(layout.pages) == 1
    page = layout.pages[0]
    shapes = Counter(s.shape for s in page.symbols)
    assert shapes == {"terminator": 2, "process": 5, "decision": 1}
    assert [s.shape for s in page.symbols][0] == "terminator" and page.symbols[-1].shape == "terminator"
    assert page.symbols[6].shape == "decision"
    assert len(page.arrows) == 8
    assert page.connectors == []
    by_edge = {a.edge: a for a in page.arrows}
    assert set(by_edge) == {(0, 1), (1, 2), (2, 3), (3, 4), (4, 5), (5, 6), (6, 7), (6, 5)}
    assert by_edge[(6, 7)].label == "Ya" and by_edge[(6, 5)].label == "Tidak"
    assert all(a.label is None for e, a in by_edge.items() if e[0] != 6)
    # the loop leaves the diamond by a side vertex and ends on the side of step 6's box
    diamond = page.symbols[6]
    loop = by_edge[(6, 5)]
    assert loop.points[0] in ((diamond.x, diamond.y + diamond.h // 2), (diamond.x + diamond.w, diamond.y + diamond.h // 2))
    target = page.symbols[5]
    assert loop.points[-1] in ((target.x, target.y + target.h // 2), (target.x + target.w, target.y + target.h // 2))
    assert min(y for _, y in loop.points) < diamond.y  # it goes up
    # straight arrows within a column; elbows between columns end on the top centre
    assert len(by_edge[(1, 2)].points) == 2
    first, second = page.symbols[0], page.symbols[1]
    elbow = by_edge[(0, 1)].points
    assert elbow[0] == (first.x + first.w // 2, first.y + first.h)
    assert elbow[-1] == (second.x + second.w // 2, second.y)
    assert len(elbow) == 4
    # labels sit inside the actor columns, near the exits
    for arrow in (by_edge[(6, 7)], by_edge[(6, 5)]):
        assert arrow.label_pos is not None and arrow.label_size is not None
        lx, ly = arrow.label_pos
        assert abs(lx - arrow.points[0][0]) < 1000 and abs(ly - arrow.points[0][1]) < 1000


def test_lkjip_sop_spans_pages_with_matching_connectors() -> None:
    spec = SheetSpec(LKJIP_ACTORS, LKJIP_STEPS, paper="A4")
    layout = layout_sheet(spec)
    check_common(layout, spec)
    assert len(layout.pages) >= 3
    assert sum(1 for p in layout.pages for s in p.symbols if s.shape == "decision") == 3
    letters = sorted({c.letter for p in layout.pages for c in p.connectors})
    assert letters == [chr(ord("A") + i) for i in range(len(letters))]
    assert len(letters) >= len(layout.pages) - 1
    # the flow continues over every page break: the last row's symbol leads to an out
    # connector right below it, and the next page starts from an in connector above
    for page, nxt in zip(layout.pages, layout.pages[1:]):
        last, first = page.symbols[-1], nxt.symbols[0]
        outs = [c for c in page.connectors if c.kind == "out" and c.step == last.step]
        ins = [c for c in nxt.connectors if c.kind == "in" and c.step == first.step]
        assert outs and ins
        assert outs[0].y > last.y + last.h and ins[0].y + ins[0].h < first.y
        assert outs[0].letter == ins[0].letter
    # labels: three Ya and three Tidak
    labels = Counter(a.label for a in arrows_of(layout) if a.label)
    assert labels == {"Ya": 3, "Tidak": 3}


def test_loop_across_pages_uses_side_connectors() -> None:
    steps = list(LKJIP_STEPS)
    steps[20] = dataclasses.replace(steps[20], tidak=5)  # from the last page back to page 1
    spec = SheetSpec(LKJIP_ACTORS, steps)
    layout = layout_sheet(spec)
    check_common(layout, spec)
    assert layout.page_of(20) != layout.page_of(5)
    out = [c for p in layout.pages for c in p.connectors if c.edge == (20, 5)]
    assert sorted(c.kind for c in out) == ["in", "out"]
    tidak = [a for a in arrows_of(layout) if a.edge == (20, 5) and a.label]
    assert len(tidak) == 1 and tidak[0].label == "Tidak"


def test_one_actor() -> None:
    steps = [dataclasses.replace(s, actor=0) for s in LKJIP_STEPS[:20]]
    spec = SheetSpec(["Pelaksana"], steps)
    layout = layout_sheet(spec)
    check_common(layout, spec)
    actor = layout.actor_columns[0]
    assert actor.width <= layout.column("kegiatan").width / 2  # not absurdly wide
    # everything is in one column: the forward flow is straight down
    for arrow in arrows_of(layout):
        if arrow.edge and arrow.edge[1] == arrow.edge[0] + 1 and arrow.label in (None, "Ya"):
            assert len({x for x, _ in arrow.points}) == 1


def test_eight_actors_fit_on_a4() -> None:
    actors = ["Kepala Dinas", "Sekretaris", "Kabid Pelatihan", "Kabid Penempatan", "Kasubbag Umum",
              "Kasubbag Keuangan", "Staf Umum", "Bendahara"]
    steps = [dataclasses.replace(LKJIP_STEPS[i % 25], actor=i % 8, tidak=None) for i in range(30)]
    steps[9] = dataclasses.replace(steps[9], tidak=3)
    spec = SheetSpec(actors, steps, paper="A4")
    layout = layout_sheet(spec)
    check_common(layout, spec)
    for col in layout.actor_columns:
        sym = next(s for p in layout.pages for s in p.symbols)
        assert col.width >= sym.w + 200
    assert layout.column("kegiatan").width >= max(c.width for c in layout.columns if c.key != "kegiatan")


@pytest.mark.parametrize("n_actors", [0, 9])
def test_actor_count_out_of_range(n_actors: int) -> None:
    actors = [f"Pelaksana {i}" for i in range(n_actors)]
    spec = SheetSpec(actors, [StepSpec("Mulai", 0), StepSpec("Selesai", 0)])
    with pytest.raises(ValidationError) as info:
        layout_sheet(spec)
    assert any(p.field == "pelaksana" for p in info.value.problems)
    assert str(n_actors) in str(info.value)


def test_bad_step_references() -> None:
    spec = SheetSpec(["A", "B"], [StepSpec("Mulai", 0), StepSpec("Cek", 5, tidak=9), StepSpec("Selesai", 1)])
    with pytest.raises(ValidationError) as info:
        layout_sheet(spec)
    fields = {p.field for p in info.value.problems}
    assert {"langkah[2].pelaksana", "langkah[2].tidak"} <= fields
    with pytest.raises(ValidationError):
        layout_sheet(SheetSpec(["A"], [StepSpec("Mulai", 0), StepSpec("Cek", 0, tidak=1)]))  # tidak on itself
    with pytest.raises(ValidationError):
        layout_sheet(SheetSpec(["A"], []))
    with pytest.raises(ValidationError):
        layout_sheet(SheetSpec(["A"], [StepSpec("x", 0)] * 61))
    with pytest.raises(ValidationError) as info:
        layout_sheet(SheetSpec(["A"], [StepSpec("x", 0)], paper="Letter", font="Calibri"))
    assert {p.field for p in info.value.problems} == {"kertas", "huruf"}


def test_sixty_steps() -> None:
    steps = [dataclasses.replace(LKJIP_STEPS[i % 25], actor=(i * 7) % 6, tidak=None) for i in range(60)]
    for src, dst in ((10, 4), (25, 24), (40, 12), (55, 50)):
        steps[src] = dataclasses.replace(steps[src], tidak=dst)
    spec = SheetSpec(LKJIP_ACTORS, steps)
    layout = layout_sheet(spec)
    check_common(layout, spec)
    assert len(layout.pages) >= 6


def test_actor_changing_every_row() -> None:
    steps = [dataclasses.replace(s, actor=i % 2 * 5, tidak=None) for i, s in enumerate(LKJIP_STEPS[:12])]
    spec = SheetSpec(LKJIP_ACTORS, steps)
    layout = layout_sheet(spec)
    check_common(layout, spec)
    for arrow in arrows_of(layout):
        assert arrow.edge is not None
        if layout.page_of(arrow.edge[0]) == layout.page_of(arrow.edge[1]):
            assert len(arrow.points) == 4  # down, across, down


def test_same_actor_every_row_is_one_straight_line_per_edge() -> None:
    steps = [dataclasses.replace(s, actor=2, tidak=None) for s in LKJIP_STEPS]
    spec = SheetSpec(LKJIP_ACTORS, steps)
    layout = layout_sheet(spec)
    check_common(layout, spec)
    xs = {x for a in arrows_of(layout) for x, _ in a.points}
    col = layout.actor_columns[2]
    assert xs == {col.x + col.width // 2}


def test_long_text_grows_its_row() -> None:
    short = SheetSpec(SEED_ACTORS, SEED_STEPS)
    steps = list(SEED_STEPS)
    steps[2] = dataclasses.replace(steps[2], kegiatan=steps[2].kegiatan + (" dan seterusnya" * 40))
    long = SheetSpec(SEED_ACTORS, steps)
    h_short = layout_sheet(short).pages[0].rows[2].height
    layout = layout_sheet(long)
    check_common(layout, long)
    row = next(r for p in layout.pages for r in p.rows if r.step == 2)
    assert row.height > h_short
    assert row.height == layout.row_lines[2] * layout.line_pitch + layout.cell_margin_top + layout.cell_margin_bottom
    # a row too tall for any page is refused, naming the step
    steps[2] = dataclasses.replace(steps[2], kegiatan="kata " * 3000)
    with pytest.raises(ValidationError) as info:
        layout_sheet(SheetSpec(SEED_ACTORS, steps))
    assert info.value.problems[0].field == "langkah[3]"


def test_f4_holds_more_rows_than_a4() -> None:
    steps = [dataclasses.replace(s, tidak=None) for s in LKJIP_STEPS]
    a4 = layout_sheet(SheetSpec(LKJIP_ACTORS, steps, paper="A4"))
    f4 = layout_sheet(SheetSpec(LKJIP_ACTORS, steps, paper="F4"))
    assert len(f4.pages[0].rows) > len(a4.pages[0].rows)
    assert (f4.page_width, f4.page_height) == (PAPER_SIZES["F4"][1], PAPER_SIZES["F4"][0])
    assert f4.page_width > f4.page_height  # landscape


def test_tiny_sops() -> None:
    for n in (1, 2):
        spec = SheetSpec(["Pelaksana"], [StepSpec("Langkah", 0) for _ in range(n)])
        layout = layout_sheet(spec)
        check_common(layout, spec)
        assert [s.shape for s in layout.pages[0].symbols] == ["terminator"] * n


def test_decision_as_first_or_last_step_does_not_crash() -> None:
    steps = [StepSpec("Cek", 0, tidak=2), StepSpec("Proses", 1), StepSpec("Ulang?", 0, tidak=1)]
    spec = SheetSpec(["A", "B"], steps)
    layout = layout_sheet(spec)
    check_common(layout, spec)
    assert [s.shape for s in layout.pages[0].symbols] == ["terminator", "process", "terminator"]


def test_arial_and_font_size_change_heights() -> None:
    tnr = layout_sheet(SheetSpec(SEED_ACTORS, SEED_STEPS, font="Times New Roman", font_size_pt=10))
    arial = layout_sheet(SheetSpec(SEED_ACTORS, SEED_STEPS, font="Arial", font_size_pt=10))
    assert arial.line_pitch == tnr.line_pitch == 240
    assert sum(arial.row_lines) > sum(tnr.row_lines)  # Arial is wider


def test_validate_layout_reports_problems() -> None:
    layout = layout_sheet(SheetSpec(SEED_ACTORS, SEED_STEPS))
    page = layout.pages[0]
    sym = page.symbols[3]
    page.symbols[3] = dataclasses.replace(sym, y=page.rows[3].y - 50)  # crosses its row edge
    other = page.symbols[5]
    page.arrows.append(Arrow([(other.x - 100, other.y + 10), (other.x + other.w + 100, other.y + 10)]))
    problems = validate_layout(layout)
    assert any("step 4 crosses its row" in p for p in problems)
    assert any("crosses or runs along the symbol of step 6" in p for p in problems)


def test_render_svg() -> None:
    layout = layout_sheet(SEED_SPEC)
    svg = render_svg(layout, 0)
    assert svg.startswith("<svg") and svg.rstrip().endswith("</svg>")
    assert svg.count("<polyline") == 8
    assert svg.count("<polygon") == 1  # the diamond
    assert "Tidak" in svg and "Ya" in svg


def _parallel_overlap(a: tuple[tuple[int, int], tuple[int, int]], b: tuple[tuple[int, int], tuple[int, int]]) -> bool:
    (ax1, ay1), (ax2, ay2) = a
    (bx1, by1), (bx2, by2) = b
    if ay1 == ay2 and by1 == by2 and ay1 == by1:
        return min(max(ax1, ax2), max(bx1, bx2)) > max(min(ax1, ax2), min(bx1, bx2))
    if ax1 == ax2 and bx1 == bx2 and ax1 == bx1:
        return min(max(ay1, ay2), max(by1, by2)) > max(min(ay1, ay2), min(by1, by2))
    return False


def test_nested_loops_get_separate_lanes() -> None:
    steps = [StepSpec(f"Langkah {i + 1}", 1) for i in range(8)]
    steps[4] = StepSpec("Periksa; lengkap?", 1, tidak=2)
    steps[5] = StepSpec("Setujui?", 1, tidak=1)
    steps[6] = StepSpec("Sahkan?", 1, tidak=3)
    spec = SheetSpec(["A", "B", "C"], steps)
    layout = layout_sheet(spec)
    check_common(layout, spec)
    segments = [
        (a.edge, seg) for a in arrows_of(layout) for seg in zip(a.points, a.points[1:])
    ]
    for i, (edge, seg) in enumerate(segments):
        for edge2, seg2 in segments[i + 1:]:
            if edge != edge2:
                assert not _parallel_overlap(seg, seg2), (edge, edge2)
    loops = [a for a in arrows_of(layout) if a.label == "Tidak"]
    assert len(loops) == 3
    vertical_xs = [
        {x1 for (x1, y1), (x2, y2) in zip(a.points, a.points[1:]) if x1 == x2} for a in loops
    ]
    assert len(set().union(*vertical_xs)) == 3, vertical_xs  # three different lanes

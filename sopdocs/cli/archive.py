"""``sopdocs archive ...``: case files (berkas) in the archive folder.

    sopdocs archive add FILE --case ID --kind K --number N --date D --title T
    sopdocs archive list [CASE]
    sopdocs archive verify [CASE] [--clean]      exit 1 when anything is wrong
    sopdocs archive export [--csv F] [--docx F]
    sopdocs archive merge CASE [-o FILE]
    sopdocs archive close CASE [--date D]
    sopdocs archive reopen CASE
    sopdocs archive reindex
    sopdocs archive transfer [BERKAS...] [--habis-aktif] --ke FOLDER   bags + daftar arsip usul serah
    sopdocs archive receive FOLDER              exit 1 when a bag was refused
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path
from typing import Any, Callable

from sopdocs.cli.base import overwrite_arg, say, warn
from sopdocs.outputs import printable


def archive_arg(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--archive", "--arsip", dest="archive", type=Path, default=None, metavar="FOLDER",
                        help="folder arsip (bawaan: $SOPDOCS_ARCHIVE atau ./archive)")


def _profile_arg(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--profil", "--profile", dest="profile", type=Path, default=None, metavar="BERKAS",
                        help="profil instansi (pencipta arsip, jadwal retensi); bawaan: $SOPDOCS_PROFILE")


def open_archive(args: argparse.Namespace, *, with_profile: bool = False) -> Any:
    from sopdocs.archive.archive import Archive

    profile = None
    if with_profile:
        source = getattr(args, "profile", None) or (Path(os.environ["SOPDOCS_PROFILE"])
                                                    if os.environ.get("SOPDOCS_PROFILE") else None)
        if source is not None:
            from sopdocs.definitions.profile import load_profile

            profile, problems = load_profile(source)
            warn(problems)
    return Archive(args.archive, profile=profile)


def add_parser(sub: Any, templates_arg: Callable[[argparse.ArgumentParser], None]) -> None:
    parser = sub.add_parser("archive", help="arsip: berkas kegiatan, keutuhan (fixity), daftar arsip")
    actions = parser.add_subparsers(dest="action", metavar="AKSI")
    actions.required = True

    add = actions.add_parser("add", help="arsipkan satu dokumen (.docx, PDF, foto) ke sebuah berkas")
    add.add_argument("file", type=Path, metavar="DOKUMEN", help="dokumen yang diarsipkan")
    add.add_argument("--case", "--berkas", dest="case", required=True, metavar="ID", help="ID berkas, mis. PENDATAAN-2024-01")
    add.add_argument("--kind", "--jenis", dest="kind", required=True, metavar="JENIS",
                     help="jenis naskah: sop, surat-tugas, kuesioner, daftar-salinan, foto, rekap, disposisi...")
    add.add_argument("--number", "--nomor", dest="number", default="", metavar="NOMOR", help="nomor naskah (kosong untuk foto)")
    add.add_argument("--date", "--tanggal", dest="date", required=True, metavar="TANGGAL", help="tanggal naskah, mis. 2 Januari 2024")
    add.add_argument("--title", "--judul", dest="title", required=True, metavar="JUDUL", help="judul/perihal")
    add.add_argument("--person", "--orang", dest="people", action="append", default=None, metavar="NAMA;NIP",
                     help="orang yang disebut (boleh berulang); tanpa ini diambil dari isi dokumen")
    add.add_argument("--copy-of", "--salinan-dari", dest="copy_of", default=None, metavar="ITEM",
                     help="item (nomor item atau nomor naskah) yang disalin dokumen ini")
    add.add_argument("--media", choices=["elektronik", "kertas", "foto"], default=None)
    add.add_argument("--level", "--tingkat", dest="level", choices=["asli", "kopi"], default=None,
                     help="tingkat perkembangan")
    add.add_argument("--classification", "--klasifikasi", dest="classification", default=None, metavar="KODE",
                     help="kode klasifikasi (wajib bila berkas baru dibuat)")
    add.add_argument("--description", "--uraian", dest="description", default=None, metavar="URAIAN",
                     help="uraian informasi berkas (wajib bila berkas baru dibuat)")
    add.add_argument("--unit", default=None, help="unit pengolah (berkas baru)")
    add.add_argument("--pdf", action="store_true", help="buat salinan PDF dari .docx (perlu LibreOffice)")
    add.add_argument("--pdfa", action="store_true", help="salinan PDF sebagai PDF/A-2b")
    add.add_argument("--watermark", "--cap", dest="watermark", default=None, help='cap diagonal, mis. "SALINAN"')
    add.add_argument("--no-footer", dest="footer", action="store_false",
                     help="tanpa baris kaki (nomor dan checksum) di salinan PDF")
    add.add_argument("--pdf-copy", dest="pdf_copy", type=Path, default=None, metavar="PDF",
                     help="salinan PDF yang sudah dibuat di tempat lain")
    archive_arg(add)
    _profile_arg(add)
    add.set_defaults(func=run_add)

    listing = actions.add_parser("list", help="daftar berkas, atau item satu berkas")
    listing.add_argument("case", nargs="?", default=None)
    archive_arg(listing)
    listing.set_defaults(func=run_list)

    verify = actions.add_parser("verify", help="periksa keutuhan berkas (checksum SHA-256); keluar 1 bila ada masalah")
    verify.add_argument("case", nargs="?", default=None, metavar="BERKAS")
    verify.add_argument("--clean", "--bersihkan", dest="clean", action="store_true",
                        help="hapus sisa penulisan yang terhenti sebelum memeriksa")
    archive_arg(verify)
    verify.set_defaults(func=run_verify)

    export = actions.add_parser("export", help="daftar arsip sebagai CSV dan/atau dokumen Word")
    export.add_argument("--csv", type=Path, default=None, metavar="BERKAS", help="daftar arsip sebagai CSV")
    export.add_argument("--docx", type=Path, default=None, metavar="BERKAS", help="daftar arsip sebagai dokumen Word")
    overwrite_arg(export)
    export.add_argument("--case", "--berkas", dest="cases", action="append", default=None,
                        help="hanya berkas ini (boleh berulang)")
    export.add_argument("--delimiter", "--pemisah", dest="delimiter", default=",",
                        help='pemisah kolom CSV (bawaan ","; Excel berpengaturan Indonesia memakai ";")')
    export.add_argument("--title", "--judul", dest="title", default="DAFTAR ARSIP AKTIF")
    archive_arg(export)
    _profile_arg(export)
    templates_arg(export)
    export.set_defaults(func=run_export)

    merge = actions.add_parser("merge", help="gabungkan dokumen satu berkas menjadi satu PDF, satu penanda (bookmark) per dokumen")
    merge.add_argument("case", metavar="BERKAS")
    merge.add_argument("-o", "--out", type=Path, default=None, help="berkas PDF (bawaan: ./BERKAS.pdf)")
    overwrite_arg(merge)
    archive_arg(merge)
    merge.set_defaults(func=run_merge)

    close = actions.add_parser("close", help="tutup berkas (retensi dihitung sejak ditutup)")
    close.add_argument("case", metavar="BERKAS")
    close.add_argument("--date", "--tanggal", dest="date", default=None, help="tanggal ditutup (bawaan: hari ini)")
    close.add_argument("--location", "--lokasi", dest="location", default=None, help="lokasi simpan")
    close.add_argument("--folder", default=None, help="nomor folder")
    close.add_argument("--box", "--boks", dest="box", default=None, help="nomor boks")
    archive_arg(close)
    _profile_arg(close)
    close.set_defaults(func=run_close)

    reopen = actions.add_parser("reopen", aliases=["buka"],
                                help="buka kembali berkas yang sudah ditutup (agar dapat ditambah item)")
    reopen.add_argument("case", metavar="BERKAS")
    archive_arg(reopen)
    reopen.set_defaults(func=run_reopen)

    reindex = actions.add_parser("reindex", help="bangun ulang indeks pencarian dari berkas arsip")
    archive_arg(reindex)
    reindex.set_defaults(func=run_reindex)

    transfer = actions.add_parser(
        "transfer", aliases=["serahkan"],
        help="kemas berkas sebagai bag BagIt beserta daftar arsip usul serah (.xlsx, .docx) untuk diserahkan",
        description="Kemas berkas (menurut ID, atau yang masa aktifnya sudah habis menurut jadwal retensi) "
                    "ke folder baru di luar folder arsip, untuk diserahkan ke lembaga kearsipan.")
    transfer.add_argument("cases", nargs="*", metavar="BERKAS", help="ID berkas yang diserahkan")
    transfer.add_argument("--habis-aktif", "--due", dest="due", action="store_true",
                          help="semua berkas yang masa aktifnya sudah habis (jadwal retensi)")
    transfer.add_argument("--per-tanggal", "--as-of", dest="as_of", default=None, metavar="TANGGAL",
                          help="tanggal acuan untuk --habis-aktif (bawaan: hari ini)")
    transfer.add_argument("--ke", "--to", dest="out", type=Path, required=True, metavar="FOLDER",
                          help="folder serah baru (belum ada), di luar folder arsip")
    archive_arg(transfer)
    _profile_arg(transfer)
    transfer.set_defaults(func=run_transfer)

    receive = actions.add_parser(
        "receive", aliases=["terima"],
        help="terima folder serah: periksa keutuhan setiap bag, tolak yang rusak/duplikat, arsipkan sisanya; "
             "keluar 1 bila ada yang ditolak")
    receive.add_argument("folder", type=Path, metavar="FOLDER", help="folder serah dari instansi pengirim")
    archive_arg(receive)
    receive.set_defaults(func=run_receive)


def _parse_date(text: str, field: str) -> Any:
    from sopdocs.indonesian.dates import parse_tanggal

    return parse_tanggal(text, field=field)


def run_add(args: argparse.Namespace) -> int:
    from sopdocs.archive.archive import ArchiveError

    archive = open_archive(args, with_profile=True)
    date = _parse_date(args.date, "--date")
    path = archive.case_path(args.case)
    existed = (path / "data").is_dir()
    if not existed:
        if not args.classification or not args.description:
            raise ArchiveError(
                f"berkas {args.case!r} belum ada di {archive.root}; untuk membuatnya beri juga "
                "--classification KODE dan --description URAIAN")
        archive.open_case(args.case, classification=args.classification, description=args.description,
                          unit=args.unit, exist_ok=True)
        say(f"berkas {args.case} dibuat")
    item = archive.add(
        args.case, args.file, kind=args.kind, date=date, title=args.title, number=args.number,
        people=args.people, copy_of=args.copy_of, media=args.media, level=args.level,
        classification=args.classification if existed else None,
        pdf_copy=args.pdf_copy, pdf=args.pdf or args.pdfa, pdfa=args.pdfa, watermark=args.watermark,
        footer=args.footer,
    )
    warn(archive.warnings)
    archive.close()
    say(f"{args.case} item {item.item}: {item.label} {item.number} {item.title}".replace("  ", " "))
    for archived in item.files:
        say(f"  {archive.case_path(args.case) / 'data' / archived.name}  sha256 {archived.sha256[:16]}…")
    return 0


def _table(rows: list[list[str]], headings: list[str]) -> None:
    rows = [[printable(cell, single_line=True) for cell in row] for row in rows]
    widths = [max(len(h), *(len(r[i]) for r in rows)) if rows else len(h) for i, h in enumerate(headings)]
    print("  ".join(h.ljust(w) for h, w in zip(headings, widths)).rstrip())
    print("  ".join("-" * w for w in widths))
    for row in rows:
        print("  ".join(c.ljust(w) for c, w in zip(row, widths)).rstrip())


def run_list(args: argparse.Namespace) -> int:
    archive = open_archive(args)
    if args.case:
        case = archive.case(args.case)
        say(f"Berkas {case.case_id} (nomor {case.case_number}): {printable(case.description, single_line=True)}")
        say(f"Klasifikasi {case.classification}, kurun waktu {case.period}, status {case.status}")
        rows = [[str(i.item), i.date.isoformat(), i.kind, i.number or "-", i.level, i.media, i.title]
                for i in case.items]
        _table(rows, ["Item", "Tanggal", "Jenis", "Nomor", "Tingkat", "Media", "Judul"])
    else:
        cases = archive.cases()
        if not cases:
            say(f"belum ada berkas di {archive.root}")
        rows = [[str(c.case_number), c.case_id, c.classification, c.period, str(len(c.items)), c.status,
                 c.retention.final if c.retention else "belum diatur",
                 c.final_due.isoformat() if c.final_due else "-", c.description]
                for c in cases]
        if rows:
            _table(rows, ["No", "Berkas", "Klasifikasi", "Kurun", "Item", "Status", "Nasib akhir",
                          "Jadwal", "Uraian"])
    warn(archive.warnings)
    return 0


def run_verify(args: argparse.Namespace) -> int:
    archive = open_archive(args)
    if args.clean:
        for path in archive.cleanup():
            say(f"dihapus: {path}")
        from sopdocs.numbering.rules import register_exists, register_for
        from sopdocs.workflow.issue import recover_abandoned

        if register_exists(archive.root):
            with register_for(archive.root) as register:
                for line in recover_abandoned(archive, register):
                    say(line)
    report = archive.verify(args.case)
    say(report)
    return 0 if report.ok else 1


def run_export(args: argparse.Namespace) -> int:
    from sopdocs.errors import SopdocsError

    if args.csv is None and args.docx is None:
        raise SopdocsError("sebutkan --csv BERKAS dan/atau --docx BERKAS")
    if len(args.delimiter) != 1:
        raise SopdocsError(f"--delimiter harus satu karakter, bukan {args.delimiter!r}")
    from sopdocs.outputs import check_output

    if args.csv is not None and args.docx is not None and Path(args.csv).resolve() == Path(args.docx).resolve():
        raise SopdocsError(f"--csv dan --docx menyebut berkas yang sama ({args.csv}); beri dua nama")
    # Checked here, before anything is read: the register, a bag or another file is never replaced.
    if args.csv is not None:
        check_output(args.csv, archive=args.archive, kind="csv", overwrite=args.overwrite)
    if args.docx is not None:
        check_output(args.docx, archive=args.archive, kind="docx", overwrite=args.overwrite)
    archive = open_archive(args, with_profile=True)
    for path in archive.export(csv=args.csv, docx=args.docx, case_ids=args.cases, delimiter=args.delimiter,
                               title=args.title, templates=args.templates):
        say(path)
    warn(archive.warnings)
    return 0


def run_merge(args: argparse.Namespace) -> int:
    from sopdocs.archive.archive import check_case_id
    from sopdocs.outputs import check_output

    out = args.out if args.out is not None else Path.cwd() / f"{check_case_id(args.case)}.pdf"
    check_output(out, archive=args.archive, kind="pdf", overwrite=args.overwrite)
    archive = open_archive(args)
    result = archive.merge(args.case, out)
    for title in result.bookmarks:
        say(f"  {title}")
    for skipped in result.skipped:
        say(f"  dilewati (tidak ada bentuk PDF): {skipped}", file=sys.stderr)
    say(result.path)
    return 0


def run_close(args: argparse.Namespace) -> int:
    archive = open_archive(args, with_profile=True)
    closed = _parse_date(args.date, "--date") if args.date else None
    case = archive.seal(args.case, closed=closed, location=args.location, folder=args.folder, box=args.box)
    due = case.final_due.isoformat() if case.final_due else "belum diatur"
    say(f"berkas {case.case_id} ditutup {case.closed}; nasib akhir "
        f"{case.retention.final if case.retention else '-'} jatuh tempo {due}")
    return 0


def run_reopen(args: argparse.Namespace) -> int:
    archive = open_archive(args)
    case = archive.reopen(args.case)
    say(f"berkas {case.case_id} dibuka kembali (status {case.status}); tutup lagi dengan "
        f"`sopdocs archive close {case.case_id}`")
    return 0


def run_reindex(args: argparse.Namespace) -> int:
    archive = open_archive(args)
    count = archive.reindex()
    archive.close()
    warn(archive.warnings)
    say(f"indeks dibangun ulang: {count} dokumen dari {len(archive.case_ids())} berkas")
    return 0


def run_transfer(args: argparse.Namespace) -> int:
    from sopdocs.archive.transfer import transfer

    archive = open_archive(args, with_profile=True)
    today = _parse_date(args.as_of, "--per-tanggal") if args.as_of else None
    result = transfer(archive, args.out, case_ids=args.cases or None, due=args.due, today=today)
    warn(archive.warnings)
    say(result)
    return 0


def run_receive(args: argparse.Namespace) -> int:
    from sopdocs.archive.transfer import receive

    archive = open_archive(args)
    with archive:
        report = receive(archive, args.folder)
    warn(archive.warnings)
    say(report)
    return 0 if report.ok else 1

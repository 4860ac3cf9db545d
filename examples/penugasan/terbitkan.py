"""Issue one surat tugas per staff member of staf.csv through the sopdocs library.

What a staffing tool's developer writes: read the staff list, build one surat tugas
mapping per person (the keys of a definition file, see examples/surat-tugas.yaml), issue
them all in one batch with :func:`sopdocs.api.issue_many` (numbered from the register,
archived into one case file) and check that every letter can be found in the archive.

    python examples/penugasan/terbitkan.py                  # archive in a temporary folder
    python examples/penugasan/terbitkan.py --archive arsip  # or in a folder of your own

Exits 1 when any letter was not issued or cannot be found by searching. The staff are
made up (names, NIPs, ranks); the agency is the sample profile examples/profil.yaml.
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import sys
import tempfile
from pathlib import Path
from typing import Any

from sopdocs import Archive, api

HERE = Path(__file__).resolve().parent
STAFF = HERE / "staf.csv"
PROFILE = HERE.parent / "profil.yaml"
CASE = "PENUGASAN-2024"
LETTER_DATE = dt.date(2024, 1, 5)
#: The staff go out in waves of this many, one working week apart (Monday to Wednesday).
WAVE = 50
FIRST_MONDAY = dt.date(2024, 1, 8)
PLACES = [
    "Kecamatan Contoh Utara", "Kecamatan Contoh Selatan", "Kecamatan Contoh Barat",
    "Kecamatan Contoh Timur", "Kecamatan Contoh Tengah",
]
BASIS = [
    "Standar Operasional Prosedur Nomor 061.1/SOP/Disnakertrans/2024 tentang Pelaksanaan "
    "Pengumpulan Data atau Pendataan Kegiatan",
    "Dokumen Pelaksanaan Anggaran (DPA) Dinas Ketenagakerjaan dan Transmigrasi Tahun Anggaran 2024",
]
TASK = ("Melaksanakan pengumpulan data atau pendataan kegiatan ketenagakerjaan kepada sumber data "
        "dengan membawa bahan pendataan (format, blanko dan kuesioner)")
COPIES = ["Sekretaris Dinas Ketenagakerjaan dan Transmigrasi", "Kepala Subbagian PKP", "Arsip"]


def read_staff(path: Path) -> list[dict[str, str]]:
    """The rows of the staff list: nama, nip, pangkat, golongan, jabatan."""
    with path.open(encoding="utf-8", newline="") as handle:
        return [{key: (value or "").strip() for key, value in row.items()} for row in csv.DictReader(handle)]


def letter(person: dict[str, str], index: int) -> dict[str, Any]:
    """One surat tugas for one person: the keys of a surat tugas definition file."""
    start = FIRST_MONDAY + dt.timedelta(weeks=index // WAVE)
    return {
        "tanggal": LETTER_DATE,
        "dasar": BASIS,
        "kepada": [{key: person[key] for key in ("nama", "nip", "pangkat", "golongan", "jabatan")}],
        "untuk": TASK,
        "tempat": PLACES[index % len(PLACES)],
        "tanggal_mulai": start,
        "tanggal_selesai": start + dt.timedelta(days=2),
        "tembusan": COPIES,
    }


def progress(done: int, total: int) -> None:
    if done == total or done % 50 == 0:
        print(f"  {done}/{total} surat", file=sys.stderr)


def searchable(archive: Path, staff: list[dict[str, str]], results: list[api.Issued]) -> list[str]:
    """Letters that a search for the person's name does not find (empty: all found)."""
    missing: list[str] = []
    with Archive(archive) as store:
        for person, result in zip(staff, results):
            if result.number is None:
                continue
            name = person["nama"].split(",")[0]  # without the academic titles
            hits = store.search(f'"{name}"', kind="surat-tugas", limit=50)
            if result.number not in {hit.number for hit in hits.hits}:
                missing.append(f"{result.number} ({name})")
    return missing


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Terbitkan surat tugas untuk setiap staf di staf.csv.")
    parser.add_argument("--archive", type=Path, help="folder arsip (bawaan: folder sementara baru)")
    args = parser.parse_args(argv)
    archive: Path = args.archive or Path(tempfile.mkdtemp(prefix="penugasan-"))

    staff = read_staff(STAFF)
    profile = api.load_profile(PROFILE)
    print(f"Menerbitkan {len(staff)} surat tugas ke arsip {archive} (berkas {CASE})", file=sys.stderr)
    results = api.issue_many("surat-tugas", [letter(p, i) for i, p in enumerate(staff)], profile=profile,
                             archive=archive, case=CASE, progress=progress)

    issued = [r for r in results if not r.problems]
    for person, result in zip(staff, results):
        for problem in result.problems:
            print(f"TIDAK TERBIT {person['nama']}: {problem}")
    missing = searchable(archive, staff, results)
    for item in missing:
        print(f"TIDAK DITEMUKAN dalam pencarian: {item}")

    print(f"Terbit: {len(issued)} dari {len(results)} surat tugas")
    if issued:
        print(f"Nomor: {issued[0].number} s.d. {issued[-1].number}")
        print(f"Contoh: {issued[0].reference} (sha256 {(issued[0].sha256 or '')[:12]}...)")
    print(f"Dapat dicari: {len(issued) - len(missing)} dari {len(issued)}")
    print(f"Arsip: {archive}")
    return 0 if len(issued) == len(results) and not missing else 1


if __name__ == "__main__":
    sys.exit(main())

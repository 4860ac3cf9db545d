"""The definitions the corpus files show (what an exact import gives back)."""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import yaml

ROOT = Path(__file__).resolve().parents[2]

SIGNER = {
    "jabatan": "Kepala Dinas Ketenagakerjaan dan Transmigrasi",
    "nama": "DIDUGARNAWI, S.Pd., M.M.",
    "nip": "19720319 198003 1 001",
    "pangkat": "Pembina Utama Muda",
    "golongan": "IV/c",
}


def pendataan() -> dict[str, Any]:
    """The worked example, as its sheet shows it (the decision's question is not printed)."""
    data = yaml.safe_load((ROOT / "examples" / "sop-pendataan.yaml").read_text(encoding="utf-8"))
    data.pop("profil", None)
    data["disahkan_oleh"] = dict(SIGNER)
    for step in data["langkah"]:
        if isinstance(step.get("kelengkapan"), str):
            step["kelengkapan"] = [step["kelengkapan"]]
        if step.get("keputusan"):
            step["keputusan"].pop("pertanyaan", None)
    data["tanggal_revisi"] = None
    return data


def kartu_kuning() -> dict[str, Any]:
    """A second SOP: 9 steps, 5 actors, one decision, a revision date."""
    return {
        "nomor": "500.15.1/SOP/Disnakertrans/2024",
        "nama": "PELAYANAN PENERBITAN KARTU TANDA BUKTI PENDAFTARAN PENCARI KERJA (AK/I)",
        "tanggal_pembuatan": "15 Februari 2024",
        "tanggal_revisi": "01 Juli 2024",
        "tanggal_efektif": "01 Agustus 2024",
        "disahkan_oleh": {
            "jabatan": "Kepala Dinas Tenaga Kerja",
            "nama": "Dra. SITI AMINAH, M.Si.",
            "nip": "19680512 199303 2 004",
            "pangkat": "Pembina Tingkat I",
            "golongan": "IV/b",
        },
        "dasar_hukum": [
            "Undang-Undang Nomor 13 Tahun 2003 tentang Ketenagakerjaan",
            "Peraturan Menteri Ketenagakerjaan Nomor 39 Tahun 2016 tentang Penempatan Tenaga Kerja",
        ],
        "kualifikasi_pelaksana": ["Memahami tugas pokok dan fungsi pelayanan penempatan tenaga kerja",
                                  "Mampu mengoperasikan komputer"],
        "keterkaitan": ["SOP Pelayanan Informasi Lowongan Kerja"],
        "peralatan_perlengkapan": ["Komputer dan printer", "Formulir AK/I", "Kartu AK/I"],
        "peringatan": ["Apabila SOP ini tidak dilaksanakan, pelayanan kartu pencari kerja terhambat"],
        "pencatatan_pendataan": ["Buku register kartu pencari kerja", "Arsip elektronik"],
        "pelaksana": ["Pemohon", "Petugas Loket", "Pengantar Kerja", "Kepala Seksi Penempatan", "Kepala Dinas"],
        "langkah": [
            {"kegiatan": "Mengajukan permohonan kartu pencari kerja dengan membawa persyaratan",
             "pelaksana": "Pemohon", "kelengkapan": ["KTP", "Ijazah terakhir", "Pas foto 3x4"],
             "waktu": "5 menit", "output": "Berkas permohonan"},
            {"kegiatan": "Menerima dan memeriksa kelengkapan berkas permohonan",
             "pelaksana": "Petugas Loket", "kelengkapan": ["Berkas permohonan"], "waktu": "10 menit",
             "output": "Berkas diperiksa"},
            {"kegiatan": "Memutuskan apakah berkas permohonan sudah lengkap dan benar",
             "pelaksana": "Petugas Loket", "kelengkapan": ["Berkas diperiksa"], "waktu": "5 menit",
             "output": "Keputusan kelengkapan", "keterangan": "Berkas yang belum lengkap dikembalikan kepada pemohon",
             "keputusan": {"ya": 5, "tidak": 4}},
            {"kegiatan": "Melengkapi kekurangan persyaratan lalu mengajukan kembali",
             "pelaksana": "Pemohon", "kelengkapan": ["Persyaratan yang kurang"], "waktu": "1 hari",
             "output": "Berkas lengkap"},
            {"kegiatan": "Memasukkan data pencari kerja ke dalam aplikasi dan mencetak kartu AK/I",
             "pelaksana": "Pengantar Kerja", "kelengkapan": ["Komputer", "Printer", "Kartu AK/I"],
             "waktu": "15 menit", "output": "Kartu AK/I tercetak"},
            {"kegiatan": "Memaraf kartu AK/I yang telah dicetak",
             "pelaksana": "Kepala Seksi Penempatan", "kelengkapan": ["Kartu AK/I"], "waktu": "5 menit",
             "output": "Kartu AK/I diparaf"},
            {"kegiatan": "Menandatangani kartu AK/I",
             "pelaksana": "Kepala Dinas", "kelengkapan": ["Kartu AK/I"], "waktu": "10 menit",
             "output": "Kartu AK/I ditandatangani"},
            {"kegiatan": "Mencatat kartu AK/I dalam buku register dan menyerahkannya kepada pemohon",
             "pelaksana": "Petugas Loket", "kelengkapan": ["Buku register"], "waktu": "5 menit",
             "output": "Kartu AK/I diserahkan"},
            {"kegiatan": "Menerima kartu AK/I", "pelaksana": "Pemohon", "kelengkapan": [],
             "waktu": "2 menit", "output": "Kartu AK/I diterima"},
        ],
    }


def lkjip() -> dict[str, Any]:
    """The 25-step test SOP (6 actors, 3 decisions): a table Word breaks over pages."""
    data = yaml.safe_load((ROOT / "tests" / "data" / "sop-lkjip-25.yaml").read_text(encoding="utf-8"))
    data.pop("profil", None)
    data["disahkan_oleh"] = dict(SIGNER)
    data.setdefault("tanggal_revisi", None)
    for key in ("kualifikasi_pelaksana", "keterkaitan", "peralatan_perlengkapan", "peringatan", "pencatatan_pendataan"):
        data.setdefault(key, [])
    for step in data["langkah"]:
        step.setdefault("kelengkapan", [])
        if step.get("keputusan"):
            step["keputusan"].pop("pertanyaan", None)
    return data


def with_text_decisions(spec: dict[str, Any]) -> dict[str, Any]:
    """The same SOP with each decision's targets written in its keterangan (for sheets whose
    decisions are read from words, not arrows)."""
    data = copy.deepcopy(spec)
    for step in data["langkah"]:
        decision = step.get("keputusan")
        if decision:
            step["keterangan"] = (f"Ya: lanjut ke langkah {decision['ya']}. "
                                  f"Tidak: kembali ke langkah {decision['tidak']}")
    return data


def with_text_decisions_kk() -> dict[str, Any]:
    return with_text_decisions(kartu_kuning())


def with_text_decisions_lkjip() -> dict[str, Any]:
    return with_text_decisions(lkjip())


def with_text_decisions_pd() -> dict[str, Any]:
    return with_text_decisions(pendataan())

"""Field-by-field comparison of an imported definition with the expected one."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import yaml

from sopdocs.kinds.sop.sopdef import SopDefinition, sop_from_text

IDENTITY = ("nomor", "nama", "tanggal_pembuatan", "tanggal_revisi", "tanggal_efektif")
LISTS = ("dasar_hukum", "kualifikasi_pelaksana", "keterkaitan", "peralatan_perlengkapan", "peringatan",
         "pencatatan_pendataan")
SIGNER = ("jabatan", "nama", "nip", "pangkat", "golongan")
STEP = ("kegiatan", "pelaksana", "kelengkapan", "waktu", "output", "keterangan", "keputusan")


@dataclass
class Score:
    matched: int = 0
    total: int = 0
    wrong: list[str] = field(default_factory=list)

    def check(self, name: str, expected: Any, got: Any) -> None:
        self.total += 1
        if expected == got:
            self.matched += 1
        else:
            self.wrong.append(f"{name}: expected {expected!r}, got {got!r}")

    @property
    def share(self) -> float:
        return self.matched / self.total if self.total else 1.0


def load(data: dict[str, Any]) -> SopDefinition:
    sop, _ = sop_from_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), "<expected>")
    return sop


def compare(expected: SopDefinition, got: SopDefinition) -> Score:
    score = Score()
    for key in IDENTITY + LISTS:
        score.check(key, getattr(expected, key), getattr(got, key))
    for key in SIGNER:
        score.check(f"disahkan_oleh.{key}", getattr(expected.disahkan_oleh, key, None), getattr(got.disahkan_oleh, key, None))
    for index, name in enumerate(expected.pelaksana):
        score.check(f"pelaksana[{index}]", name, got.pelaksana[index] if index < len(got.pelaksana) else None)
    for index, step in enumerate(expected.langkah):
        other = got.langkah[index] if index < len(got.langkah) else None
        for key in STEP:
            want = getattr(step, key)
            have = getattr(other, key, None) if other is not None else None
            if key == "keputusan":
                want = (want.ya, want.tidak) if want else None
                have = (have.ya, have.tidak) if have else None
            score.check(f"langkah[{index + 1}].{key}", want, have)
    if len(got.langkah) != len(expected.langkah):
        score.check("langkah (jumlah)", len(expected.langkah), len(got.langkah))
    return score

"""Words run together (``Menyiapkanbahan-bahanmeliputi``): found, split when the pieces are
all words the document itself spells apart (or common SOP words), always reported.

A run-together word comes from OCR'd or PDF-converted sheets and from text whose spaces
were lost between runs. It is split only into known words of at least
:data:`MIN_PIECE` letters (or short function words), fewest pieces first; a long
unknown word that cannot be split is reported, never changed.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from sopdocs.kinds.sop.wordimport.text import LINE_END_HYPHEN

#: A token shorter than this is never a run-together word.
MIN_GLUED = 13
#: A token this long that cannot be split is reported as possibly run together.
SUSPICIOUS = 22
#: Longer tokens are not split (the search is quadratic in the length): only reported.
MAX_TOKEN = 80
MIN_PIECE = 4
SHORT_WORDS = frozenset("dan ke di yang atau dari untuk oleh pada serta dengan ada itu ini dll bagi agar jika bila telah "
                        "akan sudah dalam atas baik data surat".split())
COMMON_WORDS = frozenset("""
menyiapkan menyampaikan membagikan melaksanakan mengumpulkan menjumpai melakukan menyusun membuat memberikan
menyimpan menerima mendisposisikan meneruskan menetapkan mengirimkan mengisi memeriksa mengoreksi menandatangani
memverifikasi mengarsipkan mencatat menginput mengolah menganalisa menganalisis mengevaluasi menilai menyetujui
mengajukan mengembalikan melaporkan melengkapi memperbaiki merevisi mengagendakan mendistribusikan menggandakan
bahan bahan-bahan meliputi kuesioner peralatan perlengkapan pengumpulan pendataan secara langsung setelah
digandakan kepada sumber diisi sesuai redaksionalnya dilakukan semacam bimtek sosialisasi membawa tugas
ditandatangani diperlukan semua telah dikirim dibagikan sebelumnya kelompok pemberi pendukung rekaman bukti
pelaksanaan rekapitulasi diperoleh sebagai pelaporan pimpinan diketahui dianalisa dievaluasi dinilai penilaian
laporan hasil disetujui dokumen arsip agenda kerja tupoksi format blanko komputer disposisi foto kegiatan
jadwal penyusunan kinerja instansi pemerintah kepala dinas sekretaris kasubbag staf jabatan fungsional umum
bidang program perencanaan keuangan kepegawaian seksi subbagian pelaksana petugas pemohon masyarakat tim
evaluasi internal capaian indikator utama realisasi fisik triwulan kompilasi isian petunjuk pengisian
pengantar edaran bupati walikota gubernur menteri permohonan persyaratan berkas lengkap belum masih terdapat
permasalahan mencukupi dikembalikan dilengkapi arahan sudah benar salah nota usulan rencana anggaran
""".split())
_TOKEN = re.compile(r"[A-Za-z][A-Za-z\-]*[A-Za-z]")
_WHOLE = re.compile(r"(?<![\w\u2010])[A-Za-z][A-Za-z\-]*[A-Za-z](?![\w\u2010])")
# (the look-behind keeps the search linear: a match may only start at a word's start)
_LINE_HYPHEN = re.compile("(?<![A-Za-z])[A-Za-z]+(?:" + LINE_END_HYPHEN + "[A-Za-z]+)+")
_CAMEL = re.compile(r"(?<=[a-z]{3})(?=[A-Z][a-z]{2})")


@dataclass(frozen=True)
class Lexicon:
    """``short``: known words a run-together token may be split into (the document's words
    shorter than :data:`MIN_GLUED`, and common ones); ``spelled``: every word the document
    writes whole somewhere (decides a hyphen at a line end)."""

    short: frozenset[str]
    spelled: frozenset[str]


def lexicon_of(texts: list[str]) -> Lexicon:
    """Words the document writes apart (``pendataan`` in one place makes it a known word)."""
    words = set(COMMON_WORDS) | set(SHORT_WORDS)
    spelled = set(COMMON_WORDS)
    for text in texts:
        for token in _WHOLE.findall(text):
            spelled.add(token.casefold())
            if len(token) < MIN_GLUED:
                words.add(token.casefold())
    return Lexicon(frozenset(words), frozenset(spelled))


def _hyphen(match: re.Match[str], lexicon: Lexicon, notes: list[str]) -> str:
    """A word hyphenated at line ends ("Pe-", "rencana-", "an"): one word, unless it is a
    compound that keeps its hyphen (known so, a reduplication "bahan-bahan", a capital
    after the hyphen). When both halves are words of their own and the whole is not, the
    reading is noted."""
    parts = match.group(0).split(LINE_END_HYPHEN)
    whole, compound = "".join(parts), "-".join(parts)
    if whole.casefold() in lexicon.spelled:
        return whole
    if (compound.casefold() in lexicon.spelled or len({p.casefold() for p in parts}) == 1
            or any(p[:1].isupper() for p in parts[1:]) or any(p.isupper() and len(p) > 1 for p in parts)):
        return compound
    if len(parts) == 2 and all(len(p) >= MIN_PIECE and p.casefold() in lexicon.spelled for p in parts):
        notes.append(f"{parts[0]}- di akhir baris dan {parts[1]} dibaca sebagai satu kata {whole!r} "
                     f"(bukan {compound!r}); periksa")
    return whole


def _split(word: str, lexicon: frozenset[str]) -> list[str] | None:
    @lru_cache(maxsize=None)
    def best(start: int) -> tuple[int, ...] | None:
        if start == len(word):
            return ()
        options: list[tuple[int, ...]] = []
        for end in range(len(word), start, -1):
            piece = word[start:end].strip("-").casefold()
            if not piece or (len(piece) < MIN_PIECE and piece not in SHORT_WORDS) or piece not in lexicon:
                continue
            rest = best(end)
            if rest is not None:
                options.append((end, *rest))
        return min(options, key=len) if options else None

    cut = best(0)
    if cut is None or len(cut) < 2:
        return None
    pieces, start = [], 0
    for end in cut:
        pieces.append(word[start:end].strip("-") if word[start:end].endswith("-") and end < len(word) else word[start:end])
        start = end
    return pieces


def repair(text: str, lexicon: Lexicon) -> tuple[str, list[str]]:
    """``text`` with line-end hyphens resolved and run-together words split; and a note for
    every change or doubt."""
    notes: list[str] = []
    if LINE_END_HYPHEN in text:
        text = _LINE_HYPHEN.sub(lambda m: _hyphen(m, lexicon, notes), text).replace(LINE_END_HYPHEN, "-")
    words = lexicon.short

    def fix(match: re.Match[str]) -> str:
        token = match.group(0)
        camel = _CAMEL.split(token)
        if len(camel) > 1 and all(part.casefold() in words for part in camel):
            notes.append(f"kata menyatu: {token!r} dipisah menjadi {' '.join(camel)!r}")
            return " ".join(camel)
        if len(token) < MIN_GLUED or token.casefold() in words:
            return token
        if len(token) > MAX_TOKEN:
            notes.append(f"{token[:40]!r}... ({len(token)} huruf tanpa spasi) tampaknya beberapa kata yang menyatu; periksa")
            return token
        pieces = _split(token, words)
        if pieces:
            joined = " ".join(pieces)
            notes.append(f"kata menyatu: {token!r} dipisah menjadi {joined!r}")
            return joined
        if len(token) >= SUSPICIOUS:
            notes.append(f"kata {token!r} tampaknya beberapa kata yang menyatu; periksa")
        return token

    return _TOKEN.sub(fix, text), notes

"""The web app over real HTTP: ``sopdocs serve`` on loopback over the archive of ``sopdocs demo``."""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import io
import json
import re
import zipfile
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import quote

import pytest
from openpyxl import load_workbook

from conftest import requires_libreoffice
from web.helpers import CASE, NOTA_DINAS, SURAT_TUGAS, Client, Server, start_server, stop_server, synthetic_archive


def items(demo_dir: Path) -> list[dict]:
    data = json.loads((demo_dir / "archive" / "berkas" / CASE / "data" / "berkas.json").read_text(encoding="utf-8"))
    return list(data["items"])


def item_of(demo_dir: Path, kind: str) -> dict:
    """The first item of ``kind`` in the demo case file (the demo's items may grow)."""
    return next(i for i in items(demo_dir) if i["kind"] == kind)


def no(demo_dir: Path, kind: str) -> int:
    return int(item_of(demo_dir, kind)["item"])


class _Tags(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.tags: list[tuple[str, dict[str, str | None]]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, dict(attrs)))


def tags(html: str) -> list[tuple[str, dict[str, str | None]]]:
    parser = _Tags()
    parser.feed(html)
    return parser.tags


def hits(page_text: str) -> str:
    """The results part of a search page (empty when there are none)."""
    return page_text.split('aria-label="Hasil pencarian"', 1)[1] if 'aria-label="Hasil pencarian"' in page_text else ""


def assert_indonesian_page(html: str) -> None:
    assert '<html lang="id">' in html
    assert "Traceback" not in html and "werkzeug" not in html.lower()


# --------------------------------------------------------------------------- search


def test_search_finds_the_surat_tugas_with_highlighted_snippet_and_links(client: Client, demo_dir: Path) -> None:
    page = client.get("/?q=" + quote("surat tugas"))
    assert page.status == 200
    assert_indonesian_page(page.text)
    assert SURAT_TUGAS in hits(page.text)
    assert re.search(r"<mark>surat</mark>", page.text, re.IGNORECASE)
    assert "[[" not in page.text  # the index's marks became <mark>
    assert f'href="/berkas/{CASE}/{no(demo_dir, "surat-tugas")}"' in page.text  # the document
    assert f'href="/berkas/{CASE}"' in page.text  # its case file
    # counts per kind and year beside the results
    assert re.search(r"Surat Tugas</a> <span class=\"count\">1</span>", page.text)
    assert re.search(r">2024</a> <span class=\"count\">\d+</span>", page.text)


@pytest.mark.parametrize("query", [SURAT_TUGAS, "198503122010011004", "19850312 201001 1 004", '"Rahmat Hidayat"'])
def test_search_by_exact_number_nip_with_or_without_spaces_and_phrase(client: Client, query: str) -> None:
    page = client.get("/?q=" + quote(query))
    assert page.status == 200
    assert 'id="result-count">1 dokumen' in page.text
    assert SURAT_TUGAS in hits(page.text)


def test_misspelt_name_offers_did_you_mean(client: Client) -> None:
    page = client.get("/?q=" + quote("Rahmad Hidayat"))
    assert page.status == 200
    suggestion = re.search(r'class="didyoumean">([^<]+)<', page.text)
    assert suggestion and "rahmat" in suggestion.group(1).lower()


def test_filters_kind_year_classification_and_dates(client: Client) -> None:
    only = client.get("/?q=pendataan&jenis=kuesioner")
    assert only.status == 200
    kinds = re.findall(r'<span class="badge">([^<]+)</span>', only.text)
    assert kinds and set(kinds) == {"Kuesioner"}
    by_code = client.get("/?q=pendataan&klasifikasi=000.5")  # the case file's 000.5.2 and below
    assert SURAT_TUGAS in hits(by_code.text) and NOTA_DINAS in hits(by_code.text)
    assert 'id="filters-exclude"' in client.get("/?q=pendataan&klasifikasi=800").text
    in_range = client.get("/?q=pendataan&dari=2024-01-18&sampai=2024-01-31")
    assert NOTA_DINAS in hits(in_range.text) and SURAT_TUGAS not in hits(in_range.text)
    year = client.get("/?q=pendataan&tahun=2024")
    assert SURAT_TUGAS in hits(year.text)
    browse = client.get("/?jenis=surat-tugas")  # filters alone list what they keep
    assert 'id="result-count">1 dokumen' in browse.text and SURAT_TUGAS in hits(browse.text)


def test_filters_that_exclude_everything_say_so(client: Client) -> None:
    page = client.get("/?q=pendataan&tahun=2023")
    assert page.status == 200
    assert 'id="filters-exclude"' in page.text
    assert "menyisihkan semua hasil" in page.text
    absent = client.get("/?q=kriptografi")
    assert 'id="no-results"' in absent.text


def test_bad_filters_and_queries_are_messages_not_errors(client: Client) -> None:
    page = client.get("/?q=pendataan&tahun=abcd&dari=31+Februari+2024&klasifikasi=%3Cscript%3E")
    assert page.status == 200
    assert "Tahun &#39;abcd&#39; tidak sah" in page.text
    assert "bukan tanggal yang ada" in page.text
    assert "<script>" not in page.text
    wild = client.get("/?q=" + quote("a*"))  # a wildcard needs 2 letters: the index refuses it
    assert wild.status == 200 and "notice-error" in wild.text
    assert_indonesian_page(wild.text)


def test_query_is_escaped_in_the_page(client: Client) -> None:
    page = client.get("/?q=" + quote('<img src=x onerror=alert(1)>'))
    assert page.status == 200
    assert "<img src=x" not in page.text
    assert "&lt;img src=x onerror=alert(1)&gt;" in page.text


def test_paging_over_a_larger_archive(tmp_path: Path, web_cache: Path) -> None:
    archive = synthetic_archive(tmp_path / "arsip", 45)
    running = start_server(archive, web_cache)
    try:
        client = running.client()
        first = client.get("/?q=pengawasan")
        assert "45 dokumen · halaman 1 dari 3" in first.text
        assert first.text.count('class="hit"') == 20
        third = client.get("/?q=pengawasan&hal=3")
        assert "halaman 3 dari 3" in third.text and third.text.count('class="hit"') == 5
        numbers = set(re.findall(r'class="hit-number">([^<]+)<', first.text))
        numbers2 = set(re.findall(r'class="hit-number">([^<]+)<', client.get("/?q=pengawasan&hal=2").text))
        assert len(numbers) == 20 and len(numbers2) == 20 and not numbers & numbers2
        assert 'rel="next" href="?q=pengawasan&amp;hal=2"' in first.text
        deep = client.get("/?q=pengawasan&hal=999999999")  # clamped, not an error
        assert deep.status == 200
    finally:
        stop_server(running)


# --------------------------------------------------------------------------- case file


def test_case_page_shows_metadata_retention_and_documents(client: Client, demo_dir: Path) -> None:
    page = client.get(f"/berkas/{CASE}")
    assert page.status == 200
    text = page.text
    assert "000.5.2" in text and "DINAS KETENAGAKERJAAN DAN TRANSMIGRASI" in text
    assert "Aktif sampai" in text and "Inaktif sampai" in text and "dinilai kembali" in text
    closed = dt.date.today()
    from sopdocs.indonesian.dates import format_tanggal

    assert format_tanggal(closed.replace(year=closed.year + 2)) in text  # 2 active years
    for item in items(demo_dir):
        assert f'href="/berkas/{CASE}/{item["item"]}"' in text
    assert SURAT_TUGAS in text and NOTA_DINAS in text
    # "belum diperiksa" until a check (other tests on this server may have checked it)
    assert re.search(r'id="fixity-status">(belum diperiksa|utuh)<', text)
    assert 'id="check-now"' in text


def test_fixity_check_needs_the_csrf_token_and_records_the_date(server: Server, tmp_path: Path) -> None:
    client = server.client()
    refused = client.post(f"/berkas/{CASE}/periksa", {})
    assert refused.status == 403
    assert_indonesian_page(refused.text)
    token = client.csrf(f"/berkas/{CASE}")
    done = client.post(f"/berkas/{CASE}/periksa", {"csrf_token": token})
    assert done.status == 303
    page = client.get(f"/berkas/{CASE}")
    assert 'id="fixity-status">utuh' in page.text
    from sopdocs.indonesian.dates import format_tanggal

    assert format_tanggal(dt.date.today()) in page.text.split('id="fixity-date">')[1]


def test_fixity_check_reports_a_changed_file(demo_dir: Path, tmp_path: Path, web_cache: Path) -> None:
    from web.helpers import copy_archive

    archive = copy_archive(demo_dir, tmp_path / "arsip")
    photo = archive / "berkas" / CASE / "data" / item_of(demo_dir, "foto")["files"][0]["name"]
    photo.write_bytes(photo.read_bytes() + b"ubah")
    running = start_server(archive, web_cache)
    try:
        client = running.client()
        token = client.csrf(f"/berkas/{CASE}")
        assert client.post(f"/berkas/{CASE}/periksa", {"csrf_token": token}).status == 303
        page = client.get(f"/berkas/{CASE}")
        assert 'id="fixity-status">bermasalah' in page.text
        assert photo.name in page.text
    finally:
        stop_server(running)


def test_unknown_case_and_item_are_indonesian_404_pages(client: Client) -> None:
    for path in ("/berkas/TIDAK-ADA", f"/berkas/{CASE}/99", f"/berkas/{CASE}/1/halaman/999.png", "/tidak-ada",
                 "/berkas/" + "A" * 300):
        page = client.get(path)
        assert page.status == 404, path
        assert_indonesian_page(page.text)
        assert "tidak" in page.text.lower()


# --------------------------------------------------------------------------- document


def test_document_page_shows_metadata_register_entry_and_downloads(client: Client, demo_dir: Path) -> None:
    st = no(demo_dir, "surat-tugas")
    page = client.get(f"/berkas/{CASE}/{st}")
    assert page.status == 200
    text = page.text
    assert SURAT_TUGAS in text and "Rahmat Hidayat" in text.replace("RAHMAT HIDAYAT", "Rahmat Hidayat")
    register = text.split('id="register"')[1]
    assert "terpakai" in register and SURAT_TUGAS in register and f"berkas/{CASE}/data/" in register
    docx = client.get(f"/berkas/{CASE}/{st}/unduh/docx")
    assert docx.status == 200
    assert "attachment" in docx.header("Content-Disposition")
    item = item_of(demo_dir, "surat-tugas")
    assert hashlib.sha256(docx.body).hexdigest() == item["files"][0]["sha256"]
    with zipfile.ZipFile(io.BytesIO(docx.body)) as package:
        assert "word/document.xml" in package.namelist()


def test_unnumbered_document_says_so(client: Client, demo_dir: Path) -> None:
    page = client.get(f"/berkas/{CASE}/{no(demo_dir, 'disposisi')}")
    assert page.status == 200 and "Dokumen ini tidak bernomor" in page.text


def test_photo_is_shown_inline_as_an_image(client: Client, demo_dir: Path) -> None:
    photo = no(demo_dir, "foto")
    page = client.get(f"/berkas/{CASE}/{photo}")
    assert f'src="/berkas/{CASE}/{photo}/gambar"' in page.text
    image = client.get(f"/berkas/{CASE}/{photo}/gambar")
    assert image.status == 200 and image.header("Content-Type") == "image/jpeg"
    assert image.body[:3] == b"\xff\xd8\xff"
    assert client.get(f"/berkas/{CASE}/{no(demo_dir, 'surat-tugas')}/gambar").status == 404  # not a photo


@requires_libreoffice()
def test_document_preview_pages_and_pdf_download(client: Client, demo_dir: Path, web_cache: Path) -> None:
    st = no(demo_dir, "surat-tugas")
    page = client.get(f"/berkas/{CASE}/{st}")
    images = re.findall(rf'src="(/berkas/{CASE}/{st}/halaman/\d+\.png)"', page.text)
    assert images, page.text
    png = client.get(images[0])
    assert png.status == 200 and png.body[:8] == b"\x89PNG\r\n\x1a\n" and len(png.body) > 10_000
    pdf = client.get(f"/berkas/{CASE}/{st}/unduh-pdf")
    assert pdf.status == 200 and pdf.body[:5] == b"%PDF-"
    from pypdf import PdfReader

    text = "".join(p.extract_text() or "" for p in PdfReader(io.BytesIO(pdf.body)).pages)
    assert SURAT_TUGAS in text
    # The preview PDF and images are in the cache, never in the archive.
    assert not list((demo_dir / "archive").rglob("*.png"))
    assert not list((demo_dir / "archive").rglob("*.pdf"))
    assert list(web_cache.rglob("*.png"))


# --------------------------------------------------------------------------- agenda book


def test_agenda_lists_the_register_and_exports_xlsx_and_csv(client: Client) -> None:
    page = client.get("/agenda?tahun=2024")
    assert page.status == 200
    for number in (SURAT_TUGAS, NOTA_DINAS):
        assert number in page.text
    summary = re.search(r'id="agenda-summary">(\d+) nomor: (\d+) terpakai', page.text)
    assert summary and summary.group(1) == summary.group(2)
    xlsx = client.get("/agenda.xlsx?tahun=2024")
    assert xlsx.status == 200 and "buku-agenda-2024.xlsx" in xlsx.header("Content-Disposition")
    sheet = load_workbook(io.BytesIO(xlsx.body)).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][:5] == ("Nomor", "Tanggal", "Jenis", "Perihal", "Status")
    numbers = {r[0] for r in rows[1:]}
    assert {SURAT_TUGAS, NOTA_DINAS} <= numbers
    assert all(r[4] == "Terpakai" for r in rows[1:])
    csv_page = client.get("/agenda.csv?tahun=2024&jenis=surat-tugas")
    table = list(csv.reader(io.StringIO(csv_page.body.decode("utf-8-sig"))))
    assert table[0][0] == "Nomor" and [r[0] for r in table[1:]] == [SURAT_TUGAS]
    empty = client.get("/agenda?tahun=2023")
    assert "0 nomor" in empty.text and "Tidak ada nomor untuk pilihan ini" in empty.text
    assert client.get("/agenda?tahun=dua").status == 400


def test_daftar_arsip_exports(client: Client, demo_dir: Path) -> None:
    page = client.get("/daftar-arsip")
    assert page.status == 200 and "Pendataan ketenagakerjaan perusahaan tahun 2024" in page.text
    xlsx = client.get("/daftar-arsip.xlsx")
    rows = list(load_workbook(io.BytesIO(xlsx.body)).active.iter_rows(values_only=True))
    assert rows[0][0] == "Nomor Berkas" and len(rows) == 1 + len(items(demo_dir))
    assert {r[6] for r in rows[1:] if r[6]} == {"061.1/SOP/Disnakertrans/2024", SURAT_TUGAS, NOTA_DINAS}
    table = list(csv.reader(io.StringIO(client.get("/daftar-arsip.csv").body.decode("utf-8-sig"))))
    assert len(table) == 1 + len(items(demo_dir))
    docx = client.get("/daftar-arsip.docx")
    assert docx.status == 200
    from docx import Document

    document = Document(io.BytesIO(docx.body))
    cells = " ".join(c.text for t in document.tables for r in t.rows for c in r.cells)
    assert "Pendataan ketenagakerjaan" in cells


# --------------------------------------------------------------------------- retention


def test_retention_lists_case_files_due_within_the_horizon(client: Client) -> None:
    near = client.get("/retensi?bulan=12")
    assert near.status == 200 and 'id="retention-none"' in near.text and CASE not in near.text.split("</form>")[1]
    later = client.get("/retensi?bulan=36")  # 2 active years end within 36 months; 7 years do not
    body = later.text.split("</form>")[1]
    assert CASE in body and "pindah ke arsip inaktif" in body and "nasib akhir:" not in body
    all_due = client.get("/retensi?bulan=120")
    assert "nasib akhir: dinilai kembali" in all_due.text
    bad = client.get("/retensi?bulan=-1")
    assert bad.status == 400 and "bulan" in bad.text


# --------------------------------------------------------------------------- security


def test_security_headers_and_no_inline_script_or_style(client: Client) -> None:
    for path in ("/", "/?q=pendataan", f"/berkas/{CASE}", f"/berkas/{CASE}/1", "/agenda", "/retensi",
                 "/verifikasi", "/daftar-arsip", "/berkas/", "/tidak-ada"):
        page = client.get(path)
        csp = page.header("Content-Security-Policy")
        assert "script-src 'self'" in csp and "style-src 'self'" in csp and "frame-ancestors 'none'" in csp, path
        assert "unsafe-inline" not in csp
        assert page.header("X-Content-Type-Options") == "nosniff"
        assert page.header("X-Frame-Options") == "DENY"
        assert page.header("Referrer-Policy") == "no-referrer"
        for tag, attrs in tags(page.text):
            assert tag != "style", path
            assert "style" not in attrs, (path, tag)
            assert not any(name.startswith("on") for name in attrs), (path, tag)
            if tag == "script":
                assert attrs.get("src", "").startswith("/static/"), path
            if tag in ("link", "img", "script") and (attrs.get("src") or attrs.get("href")):
                assert (attrs.get("src") or attrs.get("href") or "").startswith("/"), (path, attrs)  # nothing from a CDN
    static = client.get("/static/sopdocs.css")
    assert static.status == 200 and static.header("X-Content-Type-Options") == "nosniff"


TRAVERSALS = [
    "/berkas/..%2f..%2fregister.sqlite",
    "/berkas/%2e%2e/%2e%2e/register.sqlite",
    "/berkas/%2e%2e%2f%2e%2e%2fetc%2fpasswd",
    "/berkas/..\\..\\register.sqlite",
    "/berkas/..%5c..%5cregister.sqlite",
    f"/berkas/{CASE}/..%2f..%2fregister.sqlite",
    f"/berkas/{CASE}/1/unduh/..%2f..%2f..%2fregister.sqlite",
    f"/berkas/{CASE}/1/unduh/%2fetc%2fpasswd",
    f"/berkas/{CASE}/1/halaman/..%2f..%2fregister.sqlite",
    f"/berkas/{CASE}/data/berkas.json",
    "/berkas//etc/passwd",
    "/berkas/%2fetc%2fpasswd",
    "/berkas/C:%5cWindows%5cwin.ini",
    "/static/..%2fapp.py",
    "/static/%2e%2e/app.py",
    "/static/../../../../etc/passwd",
    "/static//etc/passwd",
    "/static/%2fetc%2fpasswd",
    "/register.sqlite",
    "/archive/register.sqlite",
    "/indeks/_MAIN_1.toc",
    "/pengaturan.yaml",
]


@pytest.mark.parametrize("path", TRAVERSALS)
def test_no_path_outside_the_case_files_is_reachable(client: Client, path: str) -> None:
    page = client.get(path)
    assert page.status in (400, 404, 405), (path, page.status)
    assert b"SQLite format" not in page.body and b"root:" not in page.body and b"import " not in page.body
    assert_indonesian_page(page.text)


def test_symbolic_links_in_the_archive_are_not_followed(demo_dir: Path, tmp_path: Path, web_cache: Path) -> None:
    from web.helpers import copy_archive

    archive = copy_archive(demo_dir, tmp_path / "arsip")
    secret = tmp_path / "rahasia.txt"
    secret.write_text("RAHASIA DI LUAR ARSIP", encoding="utf-8")
    data = archive / "berkas" / CASE / "data"
    photo_no = no(demo_dir, "foto")
    photo = data / item_of(demo_dir, "foto")["files"][0]["name"]
    photo.unlink()
    try:
        photo.symlink_to(secret)
    except OSError:
        pytest.skip("symbolic links not allowed here")
    outside = tmp_path / "luar"
    (outside / "data").mkdir(parents=True)
    (outside / "data" / "berkas.json").write_text((data / "berkas.json").read_text(encoding="utf-8").replace(
        CASE, "TAUTAN"), encoding="utf-8")
    (archive / "berkas" / "TAUTAN").symlink_to(outside, target_is_directory=True)
    running = start_server(archive, web_cache)
    try:
        client = running.client()
        for path in (f"/berkas/{CASE}/{photo_no}/gambar", f"/berkas/{CASE}/{photo_no}/unduh/asli",
                     "/berkas/TAUTAN", f"/berkas/TAUTAN/{photo_no}/unduh/asli"):
            page = client.get(path)
            assert page.status == 404, path
            assert b"RAHASIA" not in page.body
        assert "TAUTAN" not in client.get("/berkas/").text
    finally:
        stop_server(running)


def test_foreign_host_header_is_refused_in_loopback_mode(client: Client) -> None:
    page = client.request("GET", "/", host_header="penyerang.example:8000")
    assert page.status == 400 and "Alamat host tidak dikenal" in page.text
    assert client.request("GET", "/", host_header="localhost").status == 200


def test_post_only_and_method_errors_are_indonesian(client: Client) -> None:
    page = client.request("DELETE", f"/berkas/{CASE}")
    assert page.status == 405
    assert_indonesian_page(page.text)
    assert "tidak diizinkan" in page.text


def test_upload_limit_is_an_indonesian_page(client: Client) -> None:
    token = client.csrf("/verifikasi")
    page = client.post("/verifikasi", {"csrf_token": token}, files={"berkas": ("besar.pdf", b"0" * (26 * 1024 * 1024))})
    assert page.status == 413
    assert "lebih besar dari 25 MB" in page.text


# --------------------------------------------------------------------------- serve command


def test_serve_refuses_a_network_address_without_password(demo_dir: Path) -> None:
    from web.helpers import run_sopdocs

    proc = run_sopdocs("serve", "--archive", str(demo_dir / "archive"), "--host", "0.0.0.0", "--port", "0",
                       cwd=demo_dir)
    assert proc.returncode == 2
    assert "tetapkan kata sandi dulu" in proc.stderr and "Traceback" not in proc.stderr


def test_serve_prints_the_address(server: Server) -> None:
    assert server.output[0].startswith("Arsip ") and server.url in server.output[0]


def test_agenda_shows_void_reserved_and_inserted_numbers(demo_dir: Path, tmp_path: Path, web_cache: Path) -> None:
    from conftest import EXAMPLES
    from web.helpers import copy_archive, run_sopdocs

    archive = copy_archive(demo_dir, tmp_path / "arsip")
    common = ("--profil", str(EXAMPLES / "profil.yaml"), "--archive", str(archive))
    taken = run_sopdocs("number", "take", "surat-tugas", "--date", "10 Januari 2024", "--subject", "Uji batal",
                        *common, cwd=tmp_path)
    assert taken.returncode == 0, taken.stderr
    voided = taken.stdout.strip()
    assert run_sopdocs("number", "void", voided, "--reason", "salah ketik", "--archive", str(archive),
                       cwd=tmp_path).returncode == 0
    reserved = run_sopdocs("number", "reserve", "surat-tugas", "--date", "12 Januari 2024", "--subject", "Uji pesan",
                           *common, cwd=tmp_path)
    assert reserved.returncode == 0, reserved.stderr
    inserted = run_sopdocs("number", "take", "surat-tugas", "--date", "11 Januari 2024", "--subject", "Uji sisipan",
                           *common, cwd=tmp_path)
    assert inserted.returncode == 0 and "sisipan" in inserted.stderr, inserted.stderr
    running = start_server(archive, web_cache)
    try:
        client = running.client()
        page = client.get("/agenda?tahun=2024&jenis=surat-tugas")
        assert re.search(r'id="agenda-summary">4 nomor: 2 terpakai, 1 batal, 1 dipesan, 1 sisipan', page.text), page.text
        assert "salah ketik" in page.text and 'class="status-batal"' in page.text
        rows = list(load_workbook(io.BytesIO(client.get("/agenda.xlsx?tahun=2024&jenis=surat-tugas").body))
                    .active.iter_rows(values_only=True))
        by_number = {r[0]: r for r in rows[1:]}
        assert by_number[voided][4] == "Batal" and by_number[voided][6] == "salah ketik"
        assert by_number[reserved.stdout.strip()][4] == "Dipesan"
        assert by_number[inserted.stdout.strip()][5] == "ya"
    finally:
        stop_server(running)


def test_a_document_archived_while_the_server_runs_is_found(demo_dir: Path, tmp_path: Path, web_cache: Path) -> None:
    from conftest import EXAMPLES
    from web.helpers import copy_archive, run_sopdocs

    archive = copy_archive(demo_dir, tmp_path / "arsip")
    note = tmp_path / "catatan.txt"
    note.write_text("catatan rapat koordinasi zebraxylofon", encoding="utf-8")
    running = start_server(archive, web_cache)
    try:
        client = running.client()
        assert 'id="no-results"' in client.get("/?q=zebraxylofon").text
        added = run_sopdocs("archive", "add", str(note), "--case", "RAPAT-2024", "--kind", "laporan", "--date",
                            "2024-02-01", "--title", "Catatan rapat", "--classification", "000.5.2",
                            "--description", "Rapat koordinasi", "--profil", str(EXAMPLES / "profil.yaml"),
                            "--archive", str(archive), cwd=tmp_path)
        assert added.returncode == 0, added.stderr
        page = client.get("/?q=zebraxylofon")
        assert 'id="result-count">1 dokumen' in page.text
        assert 'href="/berkas/RAPAT-2024/1"' in page.text
        assert "Catatan rapat" in client.get("/berkas/RAPAT-2024/1").text
    finally:
        stop_server(running)


@requires_libreoffice()
def test_without_pdftoppm_the_pdf_is_shown_inline(demo_dir: Path, tmp_path: Path, web_cache: Path,
                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SOPDOCS_PDFTOPPM", "")  # the server runs as on a PC without poppler
    running = start_server(demo_dir / "archive", web_cache)
    try:
        client = running.client()
        st = no(demo_dir, "surat-tugas")
        page = client.get(f"/berkas/{CASE}/{st}")
        assert f'<iframe class="pdfframe" src="/berkas/{CASE}/{st}/pdf-baca"' in page.text
        assert "/halaman/" not in page.text
        pdf = client.get(f"/berkas/{CASE}/{st}/pdf-baca")
        assert pdf.status == 200 and pdf.body[:5] == b"%PDF-"
        assert pdf.header("Content-Type") == "application/pdf"
        assert "attachment" not in pdf.header("Content-Disposition")
        assert pdf.header("X-Frame-Options") == "SAMEORIGIN" and "frame-ancestors 'self'" in pdf.header(
            "Content-Security-Policy")
    finally:
        stop_server(running)


@pytest.mark.parametrize("path", [
    "/?q=pendataan&hal=" + "9" * 5000,
    "/?q=pendataan&tahun=%C2%B2%E2%81%B0%C2%B2%E2%81%B4",  # superscript digits: isdigit() but not int()
    "/agenda?tahun=" + "9" * 5000,
    "/agenda?tahun=%C2%B2%E2%81%B0%C2%B2%E2%81%B4",
    "/retensi?bulan=" + "9" * 5000,
    "/retensi?bulan=%C2%B2",
    "/?q=" + "x" * 600,
    "/?q=%00%1b%5b31m",
    "/verifikasi?kode=%00%ff",
    "/?q=pendataan&dari=" + "1" * 70,
])
def test_hostile_parameters_get_an_indonesian_answer_not_a_500(client: Client, path: str) -> None:
    page = client.get(path)
    assert page.status in (200, 400), (path[:80], page.status)
    assert_indonesian_page(page.text)


def _tree(folder: Path) -> dict[str, str]:
    return {p.relative_to(folder).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest() if p.is_file() else "dir"
            for p in sorted(folder.rglob("*"))}


def test_browsing_every_page_leaves_the_archive_unchanged(demo_dir: Path, tmp_path: Path, web_cache: Path) -> None:
    from web.helpers import copy_archive

    archive = copy_archive(demo_dir, tmp_path / "arsip")
    running = start_server(archive, web_cache)
    try:
        client = running.client()
        client.get("/?q=pendataan")  # the index is open and caught up
        before = _tree(archive)
        paths = ["/", "/?q=surat+tugas&jenis=surat-tugas&tahun=2024", "/?q=Rahmad", "/berkas/", f"/berkas/{CASE}",
                 "/agenda", "/agenda.xlsx", "/agenda.csv", "/daftar-arsip", "/daftar-arsip.xlsx",
                 "/daftar-arsip.csv", "/daftar-arsip.docx", "/retensi?bulan=120", "/verifikasi?kode=SOPDOCS1%7Cx"]
        for item in items(demo_dir):
            paths += [f"/berkas/{CASE}/{item['item']}", f"/berkas/{CASE}/{item['item']}/unduh/asli"]
        for path in paths:
            assert client.get(path).status in (200, 400), path
        token = client.csrf("/verifikasi")
        client.post("/verifikasi", {"csrf_token": token}, files={"berkas": ("x.png", b"\x89PNG\r\n\x1a\nrusak")})
        assert _tree(archive) == before
    finally:
        stop_server(running)

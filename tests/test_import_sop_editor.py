"""The SOP editor page of the web application (``/editor-sop``), over real ``sopdocs serve``
processes on loopback: HTTP tests with the stdlib client, then a real headless Chromium
(Selenium) that opens the editor, adds a step, sets a decision, watches the chart change,
fixes a validation error and downloads the .docx. Screenshots go to ``$SOPDOCS_SHOTS`` (or
the test's temporary folder)."""

from __future__ import annotations

import json
import os
import re
import time
import zipfile
from collections.abc import Iterator
from pathlib import Path

import pytest
from selenium import webdriver
from selenium.webdriver.common.by import By
from selenium.webdriver.support import expected_conditions as EC
from selenium.webdriver.support.select import Select
from selenium.webdriver.support.ui import WebDriverWait

from conftest import requires_libreoffice
from sopdocs.kinds.sop.sopdef import sop_from_text
from sopdocs.kinds.sop.sopsheet import render_sop_file
from web import chromium
from web.chromium import IN_CI, WAIT
from web.helpers import Client, Server, start_server, stop_server

ROOT = Path(__file__).resolve().parents[1]
EXAMPLE = ROOT / "examples" / "sop-pendataan.yaml"


@pytest.fixture(scope="module")
def cache(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("editor-cache")


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory, cache: Path) -> Iterator[Server]:
    archive = tmp_path_factory.mktemp("arsip-kosong")
    running = start_server(archive, cache)
    yield running
    stop_server(running)


def _form_of(page: str) -> dict[str, str]:
    """The fields of the editor form as a browser would send them (checked boxes only)."""
    fields: dict[str, str] = {}
    for match in re.finditer(r'<input([^>]*)>', page):
        attrs = dict(re.findall(r'(\w[\w-]*)="([^"]*)"', match.group(1)))
        if "name" not in attrs or attrs.get("type") == "file":
            continue
        if attrs.get("type") == "checkbox" and " checked" not in match.group(1):
            continue
        fields[attrs["name"]] = _unescape(attrs.get("value", ""))
    for match in re.finditer(r'<textarea[^>]*name="([^"]+)"[^>]*>(.*?)</textarea>', page, re.S):
        fields[match.group(1)] = _unescape(match.group(2))
    for match in re.finditer(r'<select[^>]*name="([^"]+)"[^>]*>(.*?)</select>', page, re.S):
        chosen = re.search(r'<option value="([^"]*)" selected', match.group(2))
        fields[match.group(1)] = _unescape(chosen.group(1)) if chosen else ""
    return fields


def _unescape(text: str) -> str:
    import html

    return html.unescape(text)


def _example(client: Client) -> tuple[str, dict[str, str]]:
    page = client.get("/editor-sop/contoh")
    assert page.status == 200
    return page.text, _form_of(page.text)


def test_pages_and_chart_endpoint(server: Server, cache: Path) -> None:
    client = server.client()
    index = client.get("/editor-sop/")
    assert index.status == 200 and "Editor SOP" in index.text
    text, form = _example(client)
    assert form["langkah-count"] == "8" and form["langkah-6-keputusan"] == "1" and form["langkah-6-tidak"] == "6"
    assert text.count('class="simbol') == 8  # the chart is drawn on the page already
    token = client.csrf("/editor-sop/")
    # without the CSRF token: refused
    unsigned = {k: v for k, v in form.items() if k != "csrf_token"}
    assert client.post("/editor-sop/bagan", unsigned).status == 403
    answer = client.request("POST", "/editor-sop/bagan", _encode(form), _headers(token))
    result = json.loads(answer.text)
    assert answer.status == 200 and result["sah"] and result["svg"].count('class="simbol') == 8
    # a bad duration and an unknown actor: problems by field, no chart
    bad = {**form, "langkah-1-waktu": "sebentar", "langkah-2-pelaksana": "Bupati"}
    result = json.loads(client.request("POST", "/editor-sop/bagan", _encode(bad), _headers(token)).text)
    assert not result["sah"] and result["svg"] == ""
    assert "langkah-1-waktu" in result["masalah"]
    # text is data: markup typed into a field is drawn as text, and shown escaped in the form
    hostile = {**form, "langkah-0-kegiatan": '<script>alert(1)</script><svg onload="x()">'}
    result = json.loads(client.request("POST", "/editor-sop/bagan", _encode(hostile), _headers(token)).text)
    from lxml import etree

    drawn = etree.fromstring(result["svg"].encode("utf-8"))
    assert result["sah"] and not [e for e in drawn.iter() if etree.QName(e).localname in ("script", "svg")][1:]
    assert not [e for e in drawn.iter() if any(name.startswith("on") for name in e.attrib)]
    assert any((e.text or "").startswith("<script>alert(1)") for e in drawn.iter())
    page = client.post("/editor-sop/sunting", {**hostile, "aksi": "periksa"})
    assert "<script>alert" not in page.text and "&lt;script&gt;alert(1)" in page.text
    # nothing was written by any of this
    assert _drafts(cache) == []


def _drafts(cache: Path) -> list[str]:
    """The files in the editor's draft folders (the app keeps one cache folder per archive)."""
    return sorted(p.name for folder in cache.rglob("editor") if folder.is_dir() for p in folder.iterdir())


def _encode(fields: dict[str, str]) -> bytes:
    import urllib.parse

    return urllib.parse.urlencode(fields).encode()


def _headers(token: str) -> dict[str, str]:
    return {"Content-Type": "application/x-www-form-urlencoded", "X-CSRF-Token": token}


def test_add_move_remove_save_and_download_yaml(server: Server, cache: Path) -> None:
    client = server.client()
    _, form = _example(client)
    token = client.csrf("/editor-sop/")
    form["csrf_token"] = token
    added = client.post("/editor-sop/sunting", {**form, "aksi": "tambah"})
    form = {**_form_of(added.text), "csrf_token": token}
    assert form["langkah-count"] == "9" and "Langkah 9 ditambahkan" in added.text
    # moving step 6 down swaps the decision's target 6 -> 7
    moved = {**_form_of(client.post("/editor-sop/sunting", {**form, "aksi": "turun-5"}).text), "csrf_token": token}
    assert moved["langkah-5-tidak"] == "7" and moved["langkah-5-kegiatan"].startswith("Memberikan penilaian")
    removed = {**_form_of(client.post("/editor-sop/sunting", {**moved, "aksi": "hapus-8"}).text), "csrf_token": token}
    assert removed["langkah-count"] == "8"
    response = client.post("/editor-sop/unduh/yaml", removed)
    assert response.status == 200 and "attachment" in response.header("Content-Disposition")
    sop, _ = sop_from_text(response.text, "unduhan.yaml")
    assert sop.langkah[5].keputusan is not None and sop.langkah[5].keputusan.tidak == 7
    # saving writes exactly one draft, atomically, in the editor folder of the cache
    saved = client.post("/editor-sop/sunting", {**removed, "aksi": "simpan", "draf": "pendataan-baru"})
    assert saved.status == 200 and "Draf pendataan-baru disimpan" in saved.text
    assert _drafts(cache) == ["pendataan-baru.yaml"]
    reopened = client.get("/editor-sop/draf/pendataan-baru")
    assert _form_of(reopened.text)["langkah-5-tidak"] == "7"
    assert client.get("/editor-sop/draf/..%2Fx").status == 404


def test_import_a_word_file_into_the_editor(server: Server, tmp_path: Path) -> None:
    client = server.client()
    docx = tmp_path / "lama.docx"
    render_sop_file(EXAMPLE, docx, draw_chart=False)
    token = client.csrf("/editor-sop/")
    page = client.post("/editor-sop/buka", {"csrf_token": token}, files={"berkas": ("lama.docx", docx.read_bytes())})
    assert page.status == 200 and "lama.docx diimpor: 8 langkah" in page.text
    form = _form_of(page.text)
    assert form["langkah-0-pelaksana"] == "Kasubbag PKP" and form["langkah-6-waktu"] == "10 menit"
    # a hostile upload: refused with a message, nothing else
    bad = client.post("/editor-sop/buka", {"csrf_token": token}, files={"berkas": ("x.docx", b"PK\x03\x04rusak")})
    assert bad.status == 400 and "tidak terbaca" in bad.text
    too_many = client.post("/editor-sop/sunting", {"csrf_token": token, "langkah-count": "100000"})
    assert too_many.status == 400


def test_import_findings_show_beside_their_fields(server: Server, tmp_path: Path) -> None:
    """A sheet whose step 3 has no symbol: the imported form marks that field to check."""
    from sopcorpus import specs
    from sopcorpus.build import Style, build_case

    path, _ = build_case(specs.pendataan(), Style("belum-selesai", actors="anchored", rows="atleast",
                                                  blank_steps=(2,)), tmp_path)
    client = server.client()
    token = client.csrf("/editor-sop/")
    page = client.post("/editor-sop/buka", {"csrf_token": token}, files={"berkas": ("lama.docx", path.read_bytes())})
    assert page.status == 200
    select = page.text.index('id="langkah-2-pelaksana"')
    note = page.text.index("Periksa: tidak ada simbol atau tanda di kolom pelaksana", select)
    assert note - select < 2_000  # right after the step's actor field
    assert 'data-untuk="langkah-2-pelaksana"' in page.text  # and the loader's problem too (empty actor)


@requires_libreoffice()
def test_download_pdf(server: Server) -> None:
    client = server.client()
    _, form = _example(client)
    response = client.post("/editor-sop/unduh/pdf", form)
    assert response.status == 200 and response.body.startswith(b"%PDF-")
    assert "attachment" in response.header("Content-Disposition")


# --------------------------------------------------------------------------- browser

needs_browser = pytest.mark.skipif(
    not chromium.installed() and not IN_CI,
    reason="chromium/chromedriver not installed")


@pytest.fixture(scope="module")
def downloads(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("unduhan-editor")


@pytest.fixture(scope="module")
def shots(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = Path(os.environ["SOPDOCS_SHOTS"]) if os.environ.get("SOPDOCS_SHOTS") else tmp_path_factory.mktemp("shots")
    folder.mkdir(parents=True, exist_ok=True)
    return folder


@pytest.fixture(scope="module")
def browser(tmp_path_factory: pytest.TempPathFactory, downloads: Path) -> Iterator[webdriver.Chrome]:
    driver = chromium.start(tmp_path_factory.mktemp("chromium-editor"), downloads, width=1400)
    try:
        yield driver
    finally:
        driver.quit()


def _shoot(driver: webdriver.Chrome, folder: Path, name: str) -> Path:
    return chromium.shoot(driver, folder / f"editor-{name}.png", width=1400, max_height=7000)


@needs_browser
def test_editor_in_a_real_browser(browser: webdriver.Chrome, server: Server, shots: Path, downloads: Path) -> None:
    driver = browser
    wait = WebDriverWait(driver, WAIT)

    def symbols() -> int:
        return len(driver.find_elements(By.CSS_SELECTOR, "#bagan .simbol"))

    driver.get(server.url + "editor-sop/")
    driver.find_element(By.ID, "buka-contoh").click()
    wait.until(EC.presence_of_element_located((By.CSS_SELECTOR, "#bagan .simbol")))
    assert symbols() == 8
    _shoot(driver, shots, "01-contoh")

    # add a step: a new empty step, no chart until it is filled in
    driver.find_element(By.ID, "tambah-langkah").click()
    wait.until(EC.presence_of_element_located((By.ID, "langkah-8-kegiatan")))
    driver.find_element(By.ID, "langkah-8-kegiatan").send_keys("Melaporkan hasil pendataan kepada Sekretaris")
    Select(driver.find_element(By.ID, "langkah-8-pelaksana")).select_by_visible_text("Sekretaris")
    driver.find_element(By.ID, "langkah-8-waktu").send_keys("15 menit")
    wait.until(lambda d: symbols() == 9)
    _shoot(driver, shots, "02-langkah-baru")

    # set a decision on step 5 (Ya -> 6, Tidak -> 3): a diamond appears in the chart
    diamonds = len(driver.find_elements(By.CSS_SELECTOR, "#bagan .simbol-decision"))
    driver.find_element(By.ID, "langkah-4-keputusan").click()
    driver.find_element(By.ID, "langkah-4-ya").send_keys("6")
    driver.find_element(By.ID, "langkah-4-tidak").send_keys("3")
    wait.until(lambda d: len(d.find_elements(By.CSS_SELECTOR, "#bagan .simbol-decision")) == diamonds + 1)
    assert driver.find_elements(By.CSS_SELECTOR, "#bagan .label-cabang")
    _shoot(driver, shots, "03-keputusan")

    # a validation error beside its field, then fixed
    waktu = driver.find_element(By.ID, "langkah-1-waktu")
    waktu.clear()
    waktu.send_keys("sebentar")
    problem = wait.until(EC.presence_of_element_located((By.CSS_SELECTOR, 'p.masalah[data-untuk="langkah-1-waktu"]')))
    assert "sebentar" in problem.text
    assert driver.find_element(By.ID, "status-sah").text.startswith("Definisi belum sah")
    assert "bagan terakhir yang sah" in driver.find_element(By.ID, "bagan-status").text
    assert "usang" in (driver.find_element(By.ID, "bagan").get_attribute("class") or "")
    _shoot(driver, shots, "04-masalah")
    waktu.clear()
    waktu.send_keys("4 jam")
    wait.until(lambda d: not d.find_elements(By.CSS_SELECTOR, "p.masalah")
               and "usang" not in (d.find_element(By.ID, "bagan").get_attribute("class") or ""))
    assert symbols() == 9
    assert driver.find_element(By.ID, "status-sah").text == "Definisi sah."

    # renaming an actor in the list renames it in its steps
    actors = driver.find_element(By.ID, "pelaksana")
    actors.clear()
    actors.send_keys("Kepala Dinas\nSekretaris Dinas\nKasubbag PKP\nStaf/Jabatan Fungsional Umum")
    wait.until(lambda d: Select(d.find_element(By.ID, "langkah-8-pelaksana")).first_selected_option.text
               == "Sekretaris Dinas")
    wait.until(lambda d: "usang" not in (d.find_element(By.ID, "bagan").get_attribute("class") or "")
               and d.find_element(By.ID, "status-sah").text == "Definisi sah.")

    # download the .docx: it holds the new step
    driver.find_element(By.ID, "unduh-docx").click()
    deadline = time.monotonic() + WAIT
    files: list[Path] = []
    while time.monotonic() < deadline:
        files = [p for p in downloads.glob("*.docx")]
        if files:
            break
        time.sleep(0.2)
    assert files, "no .docx downloaded"
    with zipfile.ZipFile(files[0]) as package:
        xml = package.read("word/document.xml").decode("utf-8")
    assert "Melaporkan hasil pendataan kepada Sekretaris" in xml
    problems = [e["message"] for e in driver.get_log("browser") if e["level"] == "SEVERE"]
    assert problems == []
    _shoot(driver, shots, "05-sah")

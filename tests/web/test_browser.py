"""End to end in a real headless browser: Debian's chromium driven by Selenium through
chromedriver, against ``sopdocs serve`` on the demo archive.

Skipped when chromium or chromedriver is missing, except under CI=true (the project's
scripts install them there, so their absence fails). Screenshots go to
``$SOPDOCS_SHOTS`` when set (else the test's temporary folder)."""

from __future__ import annotations

import os
import shutil
import time
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import quote

import pytest

from web.helpers import CASE, SURAT_TUGAS, Server
from web.test_verify_page import qr_payload, surat_tugas_file

from web import chromium
from web.chromium import CHROMEDRIVER, CHROMIUM, IN_CI, WAIT

if not chromium.installed():
    if IN_CI:
        raise RuntimeError(f"CI=true but {CHROMEDRIVER} or {CHROMIUM} is missing: install chromium and chromium-driver")
    pytest.skip("chromium/chromedriver not installed", allow_module_level=True)

from selenium import webdriver  # noqa: E402
from selenium.webdriver.common.by import By  # noqa: E402
from selenium.webdriver.common.keys import Keys  # noqa: E402
from selenium.webdriver.support import expected_conditions as EC  # noqa: E402
from selenium.webdriver.support.select import Select  # noqa: E402
from selenium.webdriver.support.ui import WebDriverWait  # noqa: E402

from conftest import soffice_available  # noqa: E402


@pytest.fixture(scope="module")
def shots(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = Path(os.environ["SOPDOCS_SHOTS"]) if os.environ.get("SOPDOCS_SHOTS") else tmp_path_factory.mktemp("shots")
    folder.mkdir(parents=True, exist_ok=True)
    return folder


@pytest.fixture(scope="module")
def downloads(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("unduhan")


@pytest.fixture(scope="module")
def browser(tmp_path_factory: pytest.TempPathFactory, downloads: Path) -> Iterator[webdriver.Chrome]:
    driver = chromium.start(tmp_path_factory.mktemp("chromium-profil"), downloads, width=1280)
    try:
        yield driver
    finally:
        driver.quit()


def shoot(driver: webdriver.Chrome, folder: Path, name: str) -> Path:
    """A screenshot of the whole page (the window is stretched to the page's height)."""
    return chromium.shoot(driver, folder / f"{name}.png", width=1280, max_height=6000)


def console_problems(driver: webdriver.Chrome) -> list[str]:
    """Errors the page logged (a Content-Security-Policy violation, a missing asset...)."""
    return [entry["message"] for entry in driver.get_log("browser") if entry["level"] == "SEVERE"]


def wait(driver: webdriver.Chrome) -> WebDriverWait[webdriver.Chrome]:
    return WebDriverWait(driver, WAIT)


def test_search_filter_open_result_preview_and_download(browser: webdriver.Chrome, server: Server, shots: Path,
                                                        downloads: Path) -> None:
    browser.get(server.url)
    box = browser.find_element(By.ID, "q")
    box.send_keys("surat tugas", Keys.ENTER)
    wait(browser).until(EC.presence_of_element_located((By.ID, "result-count")))
    assert browser.find_elements(By.CSS_SELECTOR, ".hit mark")
    shoot(browser, shots, "01-cari")
    assert console_problems(browser) == []

    # Filtering by kind: the select submits the form by itself (sopdocs.js).
    Select(browser.find_element(By.ID, "jenis")).select_by_value("surat-tugas")
    wait(browser).until(EC.url_contains("jenis=surat-tugas"))
    hits = browser.find_elements(By.CSS_SELECTOR, ".hit")
    assert len(hits) == 1 and SURAT_TUGAS in hits[0].text
    shoot(browser, shots, "02-cari-saring")

    # A filter that excludes everything says so.
    year = browser.find_element(By.ID, "tahun")
    year.clear()
    year.send_keys("2023", Keys.ENTER)
    wait(browser).until(EC.presence_of_element_located((By.ID, "filters-exclude")))
    shoot(browser, shots, "03-cari-kosong")
    browser.back()
    wait(browser).until(EC.presence_of_element_located((By.CSS_SELECTOR, ".hit-title")))

    browser.find_element(By.CSS_SELECTOR, ".hit-title").click()
    wait(browser).until(EC.presence_of_element_located((By.ID, "pratinjau")))
    assert SURAT_TUGAS in browser.find_element(By.TAG_NAME, "h1").text + browser.find_element(By.CSS_SELECTOR, ".lead").text
    if not soffice_available() and not IN_CI:
        pytest.skip("no PDF copy in the demo archive and no LibreOffice to make one for the preview")
    first = browser.find_element(By.CSS_SELECTOR, ".pageimg img")
    wait(browser).until(lambda d: d.execute_script(
        "return arguments[0].complete && arguments[0].naturalWidth > 0", first))
    assert int(browser.execute_script("return arguments[0].naturalWidth", first)) > 500
    shoot(browser, shots, "04-dokumen")
    assert console_problems(browser) == []

    browser.find_element(By.ID, "download-pdf").click()
    deadline = time.monotonic() + WAIT
    pdfs: list[Path] = []
    while time.monotonic() < deadline:
        pdfs = [p for p in downloads.glob("*.pdf")]
        if pdfs and not list(downloads.glob("*.crdownload")):
            break
        time.sleep(0.2)
    assert pdfs, "the PDF was not downloaded"
    assert pdfs[0].read_bytes()[:5] == b"%PDF-"


def test_case_file_fixity_button(browser: webdriver.Chrome, server: Server, shots: Path) -> None:
    browser.get(server.url + f"berkas/{CASE}")
    browser.find_element(By.ID, "check-now").click()
    wait(browser).until(EC.text_to_be_present_in_element((By.ID, "fixity-status"), "utuh"))
    assert browser.find_element(By.ID, "fixity-date").text
    shoot(browser, shots, "05-berkas")
    assert console_problems(browser) == []


def test_verify_page_from_a_qr_url(browser: webdriver.Chrome, server: Server, shots: Path, demo_dir: Path) -> None:
    payload = qr_payload(surat_tugas_file(demo_dir))
    browser.get(server.url + "verifikasi?kode=" + quote(payload, safe=""))
    status = wait(browser).until(EC.presence_of_element_located((By.ID, "verify-status")))
    assert status.text == "Dokumen asli"
    assert browser.find_element(By.ID, "verify-number").text == SURAT_TUGAS
    shoot(browser, shots, "06-verifikasi")
    assert console_problems(browser) == []


def test_other_pages_render_without_console_errors(browser: webdriver.Chrome, server: Server, shots: Path) -> None:
    for path, name in (("agenda?tahun=2024", "07-agenda"), ("retensi?bulan=36", "08-retensi"),
                       ("daftar-arsip", "09-daftar-arsip"), ("berkas/", "10-daftar-berkas"),
                       ("berkas/TIDAK-ADA", "11-galat-404")):
        browser.get(server.url + path)
        wait(browser).until(EC.presence_of_element_located((By.TAG_NAME, "h1")))
        shoot(browser, shots, name)
        problems = [p for p in console_problems(browser) if "404" not in p]
        assert problems == [], (path, problems)

"""Debian's headless chromium driven by Selenium through chromedriver, for the browser tests
of the web app and the SOP editor (one set-up, so the flags and prefs stay the same)."""

from __future__ import annotations

import os
from pathlib import Path

from selenium import webdriver
from selenium.webdriver.chrome.service import Service

CHROMIUM = os.environ.get("SOPDOCS_CHROMIUM", "/usr/bin/chromium")
CHROMEDRIVER = os.environ.get("SOPDOCS_CHROMEDRIVER", "/usr/bin/chromedriver")
IN_CI = os.environ.get("CI", "").lower() == "true"
#: Seconds a page may take to load.
WAIT = 60.0
# Without the background-networking flags chromium keeps dialling Google's hosts, which this
# closed network refuses.
FLAGS = ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync", "--lang=id-ID")


def installed() -> bool:
    return Path(CHROMEDRIVER).is_file() and Path(CHROMIUM).is_file()


def start(profile: Path, downloads: Path, width: int) -> webdriver.Chrome:
    """A fresh headless chromium with its own profile folder, downloading into ``downloads``
    without asking, and keeping the page's console log."""
    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for flag in (*FLAGS, f"--window-size={width},1000", f"--user-data-dir={profile}"):
        options.add_argument(flag)
    options.add_experimental_option("prefs", {
        "download.default_directory": str(downloads),
        "download.prompt_for_download": False,
        "plugins.always_open_pdf_externally": True,
        "intl.accept_languages": "id-ID,id",
    })
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    driver = webdriver.Chrome(service=Service(CHROMEDRIVER), options=options)
    driver.set_page_load_timeout(WAIT)
    return driver


def shoot(driver: webdriver.Chrome, path: Path, width: int, max_height: int) -> Path:
    """A screenshot of the whole page (the window is stretched to the page's height)."""
    height = int(driver.execute_script("return document.documentElement.scrollHeight"))
    driver.set_window_size(width, min(max(height + 100, 700), max_height))
    driver.save_screenshot(str(path))
    driver.set_window_size(width, 1000)
    return path

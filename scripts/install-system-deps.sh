#!/usr/bin/env bash
# Install the system packages sopdocs' PDF features and tests need, when missing:
#   - LibreOffice Writer, headless (soffice)       libreoffice-writer-nogui (or libreoffice-writer)
#   - Liberation fonts 2.x (metric clones of       fonts-liberation2
#     Times New Roman/Arial; without them Writer
#     substitutes DejaVu and layouts shift)
#   - poppler-utils (pdftoppm, pdftotext)         poppler-utils
#   - URW Bookman (metric clone of Bookman Old     fonts-urw-base35
#     Style, one of the profile's fonts)
#   - Chromium and its WebDriver (browser tests   chromium chromium-driver
#     of `sopdocs serve`)
#   - LibreOffice's Python bridge (the resident  python3-uno
#     PDF converter drives soffice over UNO)
#   - PostgreSQL server binaries (the shared       postgresql
#     register's tests start a throw-away
#     cluster as an unprivileged user)
#
# Idempotent: does nothing when everything is present. Installs only as root on a
# Debian/Ubuntu system (apt-get update once, then install --no-install-recommends).
# Otherwise it prints what to install and exits 0; the LibreOffice tests then skip,
# except under CI=true where they fail.
set -euo pipefail

missing=()
need_soffice=0

# grep without -q reads all of fc-list's output: with -q it stops at the first match, fc-list
# dies of SIGPIPE, and under pipefail a present font reads as missing.
has_font() { command -v fc-list >/dev/null 2>&1 && fc-list : family | grep -i "$1" >/dev/null; }

if ! command -v soffice >/dev/null 2>&1; then
    need_soffice=1
    missing+=("LibreOffice Writer (soffice)")
fi
if ! has_font "Liberation Serif"; then
    missing+=("fonts-liberation2")
fi
if ! command -v pdftoppm >/dev/null 2>&1; then
    missing+=("poppler-utils")
fi
if ! has_font "URW Bookman"; then
    missing+=("fonts-urw-base35")
fi
if ! /usr/bin/python3 -c "import uno" >/dev/null 2>&1; then
    missing+=("python3-uno")
fi
if ! command -v chromium >/dev/null 2>&1; then
    missing+=("chromium")
fi
if ! command -v chromedriver >/dev/null 2>&1; then
    missing+=("chromium-driver")
fi
if ! ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 && ! command -v initdb >/dev/null 2>&1; then
    missing+=("postgresql")
fi

if [ "${#missing[@]}" -eq 0 ]; then
    echo "install-system-deps: LibreOffice, fonts, poppler-utils, Chromium and PostgreSQL already present."
    exit 0
fi

hint="sudo apt-get install --no-install-recommends libreoffice-writer-nogui fonts-liberation2 poppler-utils fonts-urw-base35 chromium chromium-driver postgresql python3-uno"

if [ "$(id -u)" -ne 0 ] || ! command -v apt-get >/dev/null 2>&1; then
    echo "install-system-deps: missing: ${missing[*]}"
    if command -v apt-get >/dev/null 2>&1; then
        echo "  Install with: $hint"
    else
        echo "  Install LibreOffice from https://www.libreoffice.org/download/ (or your package manager),"
        echo "  the Liberation fonts 2.x and poppler (pdftoppm); or set SOPDOCS_SOFFICE to soffice."
    fi
    echo "  Tests that need LibreOffice will be skipped (outside CI)."
    exit 0
fi

export DEBIAN_FRONTEND=noninteractive
# Wait for another apt/dpkg run instead of failing on its lock (ignored by old apt).
apt_opts=(-o DPkg::Lock::Timeout=600)

echo "install-system-deps: installing: ${missing[*]}"
apt-get "${apt_opts[@]}" update

packages=()
if [ "$need_soffice" -eq 1 ]; then
    # The -nogui variant (Debian 11+, Ubuntu 21.04+) avoids pulling in GTK/X11.
    if apt-cache show libreoffice-writer-nogui >/dev/null 2>&1; then
        packages+=(libreoffice-writer-nogui)
    else
        packages+=(libreoffice-writer)
    fi
fi
for item in "${missing[@]}"; do
    case "$item" in
        fonts-liberation2|poppler-utils|fonts-urw-base35|chromium|chromium-driver|postgresql|python3-uno) packages+=("$item") ;;
    esac
done

apt-get "${apt_opts[@]}" install -y --no-install-recommends "${packages[@]}"

# Check the result rather than trusting apt's exit code.
command -v soffice >/dev/null 2>&1 || { echo "install-system-deps: soffice still missing" >&2; exit 1; }
has_font "Liberation Serif" || { echo "install-system-deps: Liberation Serif still missing" >&2; exit 1; }
command -v pdftoppm >/dev/null 2>&1 || { echo "install-system-deps: pdftoppm still missing" >&2; exit 1; }
/usr/bin/python3 -c "import uno" >/dev/null 2>&1 || { echo "install-system-deps: python3-uno still missing" >&2; exit 1; }
command -v chromedriver >/dev/null 2>&1 || { echo "install-system-deps: chromedriver still missing" >&2; exit 1; }
ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || command -v initdb >/dev/null 2>&1 || { echo "install-system-deps: PostgreSQL (initdb) still missing" >&2; exit 1; }
echo "install-system-deps: done ($(soffice --version 2>/dev/null | head -n 1))"

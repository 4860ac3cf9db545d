"""``sopdocs serve [--archive DIR] [--host 127.0.0.1] [--port 8000]``: the archive in a browser.

Runs the web app (:mod:`sopdocs.web`) with waitress, a production WSGI server in pure
Python (Windows and Linux alike). On 127.0.0.1 only this computer can open it; on any
other address a password is required, set with ``--set-password`` (its salted hash goes
into the archive's ``pengaturan.yaml``, key ``sandi_web``).
"""

from __future__ import annotations

import argparse
import getpass
import json
import os
import sys
from pathlib import Path
from typing import Any, Callable

from sopdocs.errors import SopdocsError

#: Environment variable read by ``--set-password`` instead of asking (scripts, tests).
ENV_PASSWORD = "SOPDOCS_WEB_PASSWORD"
#: Worker threads of the server (requests served at once).
DEFAULT_THREADS = 8
MAX_THREADS = 64
#: Settings key of the password hash (sopdocs.definitions.archivesettings).
PASSWORD_KEY = "sandi_web"


def add_parser(sub: Any, templates_arg: Callable[[argparse.ArgumentParser], None]) -> None:
    parser = sub.add_parser("serve", help="buka arsip di peramban (aplikasi web lokal)",
                            description="Menjalankan aplikasi web arsip. Bawaan hanya untuk komputer ini "
                                        "(127.0.0.1); di alamat lain wajib kata sandi (--set-password).")
    parser.add_argument("--archive", "--arsip", dest="archive", type=Path, default=None, metavar="FOLDER",
                        help="folder arsip (bawaan: SOPDOCS_ARCHIVE atau ./archive)")
    parser.add_argument("--host", default="127.0.0.1", metavar="ALAMAT",
                        help="alamat yang didengarkan (bawaan 127.0.0.1; alamat lain, mis. 0.0.0.0, wajib kata sandi)")
    parser.add_argument("--port", type=_port, default=8000, metavar="PORT", help="port (bawaan 8000)")
    parser.add_argument("--threads", type=int, default=DEFAULT_THREADS, metavar="N", help=f"jumlah utas server (bawaan {DEFAULT_THREADS})")
    parser.add_argument("--cache", type=Path, default=None, metavar="FOLDER",
                        help="folder cache pratinjau (bawaan: folder cache pengguna; tidak boleh di dalam arsip)")
    parser.add_argument("--trusted-proxy", default=None, metavar="ALAMAT",
                        help="alamat proxy HTTPS di depan server (X-Forwarded-Proto dipercaya darinya)")
    parser.add_argument("--set-password", action="store_true",
                        help=f"tetapkan kata sandi web (ditanya, atau dari {ENV_PASSWORD}), simpan hash-nya lalu keluar")
    parser.set_defaults(func=run)


def _port(text: str) -> int:
    try:
        port = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"port harus angka, bukan {text[:20]!r}") from None
    if not 0 <= port <= 65535:
        raise argparse.ArgumentTypeError(f"port harus 0 sampai 65535, bukan {port}")
    return port


def set_password(archive: Path, password: str) -> Path:
    """Write the salted hash of ``password`` into ``<archive>/pengaturan.yaml`` (atomically;
    other lines kept; the result is validated before it replaces the file)."""
    from sopdocs.definitions.archivesettings import SETTINGS_FILE, parse_settings
    from sopdocs.fsutil import atomic_write_text
    from sopdocs.web.security import hash_password, password_problem

    problem = password_problem(password)
    if problem:
        raise SopdocsError(problem)
    if not archive.is_dir():
        raise SopdocsError(f"folder arsip {archive} tidak ada")
    path = archive / SETTINGS_FILE
    old = path.read_text(encoding="utf-8") if path.is_file() else ""
    hashed = hash_password(password)
    lines = [line for line in old.splitlines() if not line.startswith(f"{PASSWORD_KEY}:")]
    lines.append(f"{PASSWORD_KEY}: {json.dumps(hashed)}")
    text = "\n".join(lines) + "\n"
    settings = parse_settings(text, str(path))
    if getattr(settings, PASSWORD_KEY) != hashed:
        raise SopdocsError(f"{path}: {PASSWORD_KEY} tidak terbaca kembali")
    return atomic_write_text(path, text)


def _ask_password() -> str:
    env = os.environ.get(ENV_PASSWORD)
    if env is not None:
        return env
    if not sys.stdin.isatty():
        raise SopdocsError(f"kata sandi tidak dapat ditanyakan (bukan terminal); isi variabel {ENV_PASSWORD}")
    first = getpass.getpass("Kata sandi baru: ")
    if getpass.getpass("Ulangi kata sandi: ") != first:
        raise SopdocsError("kedua kata sandi tidak sama")
    return first


def run(args: argparse.Namespace) -> int:
    from sopdocs.cli.base import say
    from sopdocs.definitions.archivesettings import archive_settings
    from sopdocs.locations import archive_dir
    from sopdocs.web.security import is_loopback_only

    root = archive_dir(args.archive)
    if args.set_password:
        path = set_password(root, _ask_password())
        say(f"kata sandi web disimpan (hash scrypt bergaram) di {path}")
        return 0
    if not root.is_dir():
        raise SopdocsError(f"folder arsip {root} tidak ada (jalankan `sopdocs demo` dulu, atau pilih --archive)")
    if not 1 <= args.threads <= MAX_THREADS:
        raise SopdocsError(f"--threads harus 1 sampai {MAX_THREADS}")
    network = not is_loopback_only(args.host)
    password_hash = str(getattr(archive_settings(root), PASSWORD_KEY, "") or "")
    if network and not password_hash:
        raise SopdocsError(f"alamat {args.host} dapat dibuka dari komputer lain: tetapkan kata sandi dulu dengan "
                           f"`sopdocs serve --set-password --archive {root}`, atau pakai --host 127.0.0.1")

    from waitress import create_server

    from sopdocs.web.app import create_app

    app = create_app(root, password_hash=password_hash or None, require_password=network, cache_root=args.cache)
    try:  # open (and if damaged rebuild) the search index now, so the first search is not the slow one
        app.extensions["sopdocs"].index()
    except SopdocsError as exc:
        say(f"peringatan: indeks pencarian belum dapat dibuka ({exc}); halaman Cari akan menampilkan pesannya",
            file=sys.stderr)
    options: dict[str, Any] = {"host": args.host, "port": args.port, "threads": args.threads,
                               "ident": "sopdocs", "clear_untrusted_proxy_headers": True}
    if args.trusted_proxy:
        options.update(trusted_proxy=args.trusted_proxy, trusted_proxy_headers={"x-forwarded-proto"})
    try:
        server = create_server(app, **options)
    except OSError as exc:
        raise SopdocsError(f"tidak dapat mendengarkan di {args.host}:{args.port}: {exc.strerror or exc}") from None
    port = server.effective_port
    shown = f"[{args.host}]" if ":" in args.host else args.host
    note = " (mode jaringan: wajib masuk dengan kata sandi)" if network else ""
    say(f"Arsip {root.resolve()} dibuka di http://{shown}:{port}/{note}", flush=True)
    if network:
        say("Setiap pengguna harus masuk dengan kata sandi. Koneksi HTTP biasa tidak terenkripsi; "
            "di jaringan yang tidak tepercaya pasang proxy HTTPS di depan server (--trusted-proxy).", flush=True)
    else:
        say("Hanya dapat dibuka dari komputer ini. Tekan Ctrl+C untuk berhenti.", flush=True)
    try:
        server.run()
    except KeyboardInterrupt:
        pass
    finally:
        server.close()
        app.extensions["sopdocs"].close()
    return 0

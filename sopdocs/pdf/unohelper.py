"""The resident converter's helper: run by LibreOffice's own Python, never imported by sopdocs.

``sopdocs.pdf.resident`` starts this file as a script with the Python that has LibreOffice's
``uno`` module (``program/python.exe`` on Windows, ``python3`` with ``python3-uno`` on
Debian/Ubuntu, ``Contents/Resources/python`` on macOS), as unoserver does. It:

1. creates a fresh profile folder and starts ``soffice --headless --accept=pipe,...`` with
   it, in its own process group (session on POSIX), and connects to it over UNO;
2. answers one JSON line per request on stdin (``{"id", "src", "dst", "pdfa"}``) with one
   JSON line on stdout (``{"id", "ok"}`` or ``{"id", "error"}``);
3. when stdin closes, whatever the reason (sopdocs closed it, exited, crashed or was
   killed), kills LibreOffice's whole process group (``taskkill /T`` on Windows), removes
   the profile and exits. A thread waits on stdin for this, so a conversion in progress
   does not delay it.

Standard library and ``uno`` only, and no syntax newer than Python 3.7: LibreOffice
bundles its own, sometimes older, Python.
"""

from __future__ import annotations

import importlib
import json
import os
import queue
import shutil
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from pathlib import Path
from typing import Any

#: Exit code when the helper cannot serve (no ``uno``, LibreOffice did not start).
CANNOT_SERVE = 3

_output = threading.Lock()


def reply(message: dict[str, Any]) -> None:
    with _output:
        sys.stdout.write(json.dumps(message) + "\n")
        sys.stdout.flush()


def start_office(soffice: str, profile: Path, pipe: str) -> subprocess.Popen[bytes]:
    command = [
        soffice,
        "-env:UserInstallation=" + profile.as_uri(),
        "--headless", "--invisible", "--nologo", "--nodefault", "--norestore", "--nolockcheck",
        "--accept=pipe,name=" + pipe + ";urp;StarOffice.ComponentContext",
    ]
    # LibreOffice's own temporary folders (lu*.tmp) go inside the profile, which is removed
    # with it: killed LibreOffices never clean up their temporary folders themselves.
    scratch = profile / "tmp"
    scratch.mkdir(exist_ok=True)
    env = dict(os.environ, TMPDIR=str(scratch), TMP=str(scratch), TEMP=str(scratch))
    options: dict[str, Any] = {"stdin": subprocess.DEVNULL, "stdout": subprocess.DEVNULL,
                               "stderr": subprocess.DEVNULL, "env": env}
    if os.name == "nt":
        options["creationflags"] = (getattr(subprocess, "CREATE_NO_WINDOW", 0)
                                    | getattr(subprocess, "CREATE_NEW_PROCESS_GROUP", 0))
    else:
        options["start_new_session"] = True  # soffice, oosplash and soffice.bin: one group
    return subprocess.Popen(command, **options)


def kill_office(proc: subprocess.Popen[bytes]) -> None:
    """End soffice and every process it started (killing only the launcher orphans soffice.bin)."""
    if os.name == "nt":
        subprocess.run(["taskkill", "/F", "/T", "/PID", str(proc.pid)], stdout=subprocess.DEVNULL,
                       stderr=subprocess.DEVNULL, check=False,
                       creationflags=getattr(subprocess, "CREATE_NO_WINDOW", 0))
    else:
        killpg = getattr(os, "killpg", None)
        if killpg is not None:
            import signal

            try:
                killpg(proc.pid, signal.SIGKILL)
            except OSError:
                pass
    try:
        proc.kill()
    except OSError:
        pass
    try:
        proc.wait(timeout=10)
    except subprocess.TimeoutExpired:
        pass


def connect(uno: Any, proc: subprocess.Popen[bytes], pipe: str, timeout: float) -> Any:
    """The Desktop of the LibreOffice listening on ``pipe`` (retried while it starts)."""
    local = uno.getComponentContext()
    resolver = local.ServiceManager.createInstanceWithContext("com.sun.star.bridge.UnoUrlResolver", local)
    url = "uno:pipe,name=" + pipe + ";urp;StarOffice.ComponentContext"
    deadline = time.monotonic() + timeout
    last = ""
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError("LibreOffice berhenti saat dimulai (kode keluar %s)" % proc.returncode)
        try:
            context = resolver.resolve(url)
            return context.ServiceManager.createInstanceWithContext("com.sun.star.frame.Desktop", context)
        except Exception as exc:  # NoConnectException while it starts
            last = "%s: %s" % (type(exc).__name__, exc)
            time.sleep(0.05)
    raise RuntimeError("LibreOffice tidak siap dalam %g detik (%s)" % (timeout, last))


def properties(uno: Any, **values: Any) -> tuple[Any, ...]:
    found = []
    for name, value in values.items():
        prop = uno.createUnoStruct("com.sun.star.beans.PropertyValue")
        prop.Name = name
        prop.Value = value
        found.append(prop)
    return tuple(found)


def convert(uno: Any, desktop: Any, src: str, dst: str, pdfa: bool) -> None:
    # Hidden, read-only, no macros (NEVER_EXECUTE = 0), no link updates (NO_UPDATE = 0):
    # the documents are treated as hostile, as everywhere in sopdocs.
    load = properties(uno, Hidden=True, ReadOnly=True, MacroExecutionMode=0, UpdateDocMode=0)
    document = desktop.loadComponentFromURL(uno.systemPathToFileUrl(src), "_blank", 0, load)
    if document is None:
        raise RuntimeError("dokumen tidak dapat dibuka oleh LibreOffice")
    try:
        store: dict[str, Any] = {"FilterName": "writer_pdf_Export"}
        if pdfa:
            store["FilterData"] = uno.Any("[]com.sun.star.beans.PropertyValue",
                                          properties(uno, SelectPdfVersion=2))
        document.storeToURL(uno.systemPathToFileUrl(dst), properties(uno, **store))
    finally:
        try:
            document.close(True)
        except Exception:
            document.dispose()


def main(argv: list[str]) -> int:
    soffice, start_timeout = argv[1], float(argv[2])
    try:
        uno = importlib.import_module("uno")
    except ImportError as exc:
        reply({"error": "modul uno tidak ada pada Python ini (%s): %s" % (sys.executable, exc)})
        return CANNOT_SERVE
    profile = Path(tempfile.mkdtemp(prefix="sopdocs-lo-resident-"))
    pipe = "sopdocs-%d-%s" % (os.getpid(), uuid.uuid4().hex[:12])
    proc = start_office(soffice, profile, pipe)
    done = threading.Event()

    def finish() -> None:
        if done.is_set():
            return
        done.set()
        kill_office(proc)
        shutil.rmtree(str(profile), ignore_errors=True)

    requests: queue.Queue[dict[str, Any] | None] = queue.Queue()

    def watch_stdin() -> None:
        # EOF on stdin is the only way this helper ends: sopdocs closed it or is gone.
        for line in sys.stdin:
            try:
                requests.put(json.loads(line))
            except ValueError:
                continue
        finish()
        os._exit(0)

    threading.Thread(target=watch_stdin, daemon=True).start()  # from now on: sopdocs gone, all gone
    try:
        desktop = connect(uno, proc, pipe, start_timeout)
    except Exception as exc:
        finish()
        reply({"error": str(exc)})
        return CANNOT_SERVE
    reply({"ready": True, "pid": proc.pid, "pipe": pipe, "profile": str(profile)})
    try:
        while True:
            request = requests.get()
            if request is None:
                break
            try:
                convert(uno, desktop, str(request["src"]), str(request["dst"]), bool(request.get("pdfa")))
                reply({"id": request.get("id"), "ok": True})
            except Exception as exc:
                alive = proc.poll() is None
                reply({"id": request.get("id"), "error": "%s: %s" % (type(exc).__name__, exc), "broken": not alive})
    finally:
        finish()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))

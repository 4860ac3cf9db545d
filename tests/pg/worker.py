"""A workstation taking numbers from an archive's register (run as its own process).

``worker.py ARCHIVE COUNT [STOP_FILE]``: take COUNT numbers (or, with STOP_FILE, keep
taking until that file exists), one register connection for the whole run, like a
long-running app. Prints one JSON line per outcome: ``{"number": ...}`` or
``{"error": ...}`` (a failed take is tried again after a short pause).
"""

from __future__ import annotations

import datetime as dt
import json
import sys
import time
from pathlib import Path

from sopdocs.errors import SopdocsError
from sopdocs.numbering.register import NumberingRule
from sopdocs.numbering.rules import register_for

RULE = NumberingRule(kind="surat-tugas", code="800.1.11.1", unit="434.100")
RETRY_PAUSE_SECONDS = 0.1


def main() -> int:
    archive = Path(sys.argv[1])
    count = int(sys.argv[2])
    stop = Path(sys.argv[3]) if len(sys.argv) > 3 else None
    done = 0
    with register_for(archive) as register:
        register.busy_timeout = 60.0
        while (stop is None and done < count) or (stop is not None and not stop.exists()):
            try:
                issued = register.take(RULE, date=dt.date(2024, 5, 2), subject=f"uji {done}")
            except SopdocsError as error:
                print(json.dumps({"error": str(error)}), flush=True)
                time.sleep(RETRY_PAUSE_SECONDS)
                continue
            done += 1
            print(json.dumps({"number": issued.number}), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())

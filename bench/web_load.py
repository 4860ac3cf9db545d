"""Load test of ``sopdocs serve``: concurrent clients searching over real HTTP on loopback.

Builds an archive folder whose search index holds ``--docs`` synthetic documents (the
generator of bench/search.py, through the index API; ``--keep DIR`` reuses it between
runs, building 10,000 takes a few minutes), starts ``sopdocs serve`` on it as a user
would, then ``--clients`` threads, each with its own keep-alive connection, send search
requests (the query mix of bench/search.py, a quarter of them with a kind, year or page
filter) for ``--seconds``, each pausing ``--think`` seconds on average (exponentially
distributed: a person reading the results) between its requests; ``--think 0`` sends
back to back, which measures the server saturated (latency is then the queue: about
clients x service time, as one Python process serves one search at a time). Prints the latency median (p50), p95, p99 and max, the request
rate and the errors (a status other than 200, a page without its result marker, a
connection failure). Target: p95 under 100 ms and no error at 20 clients and 10,000
documents.

    .venv/bin/python bench/web_load.py --docs 10000 --clients 20 --seconds 30 --keep /tmp/sopdocs-web-load
    .venv/bin/python bench/web_load.py --docs 10000 --think 0 --keep /tmp/sopdocs-web-load   # saturated
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import random
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlencode

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from search import KINDS, make_corpus, make_queries  # noqa: E402  (bench/search.py)

from sopdocs.search.factory import Backend  # noqa: E402

#: Seconds to wait for the server to print its address.
START_TIMEOUT = 120.0
#: Seconds one request may take before it counts as an error.
REQUEST_TIMEOUT = 30.0
_MARKERS = (b'id="result-count"', b'id="no-results"', b'id="filters-exclude"')


@dataclass
class ClientLog:
    latencies: list[float] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)


def build_archive(folder: Path, docs: int, engine: Backend) -> float:
    """The archive folder with its index (reused when ``folder`` already holds ``docs``
    with that engine); its ``pengaturan.yaml`` names the engine, as a user would set it."""
    from sopdocs.search import open_index

    stamp = folder / "web-load.json"
    wanted = {"docs": docs, "engine": engine}
    if stamp.is_file() and json.loads(stamp.read_text(encoding="utf-8")) == wanted:
        return 0.0
    if folder.exists():
        shutil.rmtree(folder)
    folder.mkdir(parents=True)
    (folder / "pengaturan.yaml").write_text(f"indeks: {engine}\n", encoding="utf-8")
    start = time.perf_counter()
    index = open_index(folder)
    index.rebuild(make_corpus(docs).docs)
    index.close()
    stamp.write_text(json.dumps(wanted), encoding="utf-8")
    return time.perf_counter() - start


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def start_server(archive: Path, cache: Path, threads: int) -> tuple[subprocess.Popen[str], int]:
    port = free_port()
    command = shutil.which("sopdocs", path=str(Path(sys.executable).parent))
    base = [command] if command else [sys.executable, "-m", "sopdocs"]
    proc = subprocess.Popen([*base, "serve", "--archive", str(archive), "--port", str(port),
                             "--threads", str(threads), "--cache", str(cache)],
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, encoding="utf-8",
                            env={**os.environ, "PYTHONUNBUFFERED": "1"})
    assert proc.stdout is not None
    deadline = time.monotonic() + START_TIMEOUT
    while time.monotonic() < deadline:
        line = proc.stdout.readline()
        if not line:
            break
        if f"127.0.0.1:{port}/" in line:
            return proc, port
    proc.kill()
    raise SystemExit("server did not start")


def request_paths(docs: int, count: int, seed: int = 11) -> list[str]:
    corpus = make_corpus(min(docs, 2000))  # the same vocabulary; fewer documents to draw phrases from
    rng = random.Random(seed)
    paths = []
    for query in make_queries(corpus, count):
        params: dict[str, object] = {"q": query.whoosh}
        roll = rng.random()
        if roll < 0.1:
            params["jenis"] = rng.choice(KINDS)
        elif roll < 0.2:
            params["tahun"] = rng.randint(2019, 2024)
        elif roll < 0.25:
            params["hal"] = 2
        paths.append("/?" + urlencode(params))
    return paths


def client(port: int, paths: list[str], until: float, seed: int, log: ClientLog, think: float = 0.0) -> None:
    rng = random.Random(seed)
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=REQUEST_TIMEOUT)
    if think > 0:
        time.sleep(rng.uniform(0, think))  # clients do not start in step
    while time.monotonic() < until:
        if think > 0 and log.latencies:
            time.sleep(min(rng.expovariate(1 / think), max(0.0, until - time.monotonic())))
            if time.monotonic() >= until:
                break
        path = rng.choice(paths)
        start = time.perf_counter()
        try:
            conn.request("GET", path)
            response = conn.getresponse()
            body = response.read()
        except (OSError, http.client.HTTPException) as exc:
            log.errors.append(f"{type(exc).__name__}: {exc} ({path})")
            conn.close()
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=REQUEST_TIMEOUT)
            continue
        log.latencies.append(time.perf_counter() - start)
        if response.status != 200 or not any(m in body for m in _MARKERS):
            log.errors.append(f"{response.status} {path}")
    conn.close()


def pct(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(p / 100 * (len(ordered) - 1))))]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--docs", type=int, default=10_000)
    parser.add_argument("--clients", type=int, default=20)
    parser.add_argument("--seconds", type=float, default=30.0)
    parser.add_argument("--think", type=float, default=1.0,
                        help="mean pause of a client between its searches, seconds (0: back to back)")
    parser.add_argument("--threads", type=int, default=8, help="server threads (sopdocs serve --threads)")
    parser.add_argument("--queries", type=int, default=300, help="distinct requests in the mix")
    parser.add_argument("--engine", choices=["whoosh", "tantivy"], default="whoosh",
                        help="search engine of the archive (pengaturan.yaml: indeks)")
    parser.add_argument("--keep", type=Path, default=None, help="archive folder to build once and reuse")
    args = parser.parse_args(argv)

    work = Path(tempfile.mkdtemp(prefix="sopdocs-web-load-"))
    archive = args.keep or work / "arsip"
    try:
        built = build_archive(archive, args.docs, args.engine)
        print(f"archive: {args.docs} documents indexed with {args.engine} in {archive}"
              + (f" (built in {built:.0f} s)" if built else " (reused)"))
        paths = request_paths(args.docs, args.queries)
        proc, port = start_server(archive, work / "cache", args.threads)
        try:
            warm = ClientLog()
            client(port, paths[:20], time.monotonic() + min(5.0, args.seconds), 0, warm)  # opens the index
            logs = [ClientLog() for _ in range(args.clients)]
            until = time.monotonic() + args.seconds
            threads = [threading.Thread(target=client, args=(port, paths, until, i + 1, log, args.think))
                       for i, log in enumerate(logs)]
            started = time.perf_counter()
            for t in threads:
                t.start()
            for t in threads:
                t.join()
            wall = time.perf_counter() - started
        finally:
            proc.terminate()
            proc.wait(timeout=30)
        latencies = [v for log in logs for v in log.latencies]
        errors = [e for log in logs for e in log.errors]
        print(f"{args.clients} clients (mean pause {args.think:g} s), {args.seconds:g} s, server threads {args.threads}: "
              f"{len(latencies)} requests, {len(latencies) / wall:.0f} requests/s")
        if latencies:
            print(f"latency ms: p50 {statistics.median(latencies) * 1000:.1f}  p95 {pct(latencies, 95) * 1000:.1f}  "
                  f"p99 {pct(latencies, 99) * 1000:.1f}  max {max(latencies) * 1000:.1f}")
        print(f"errors: {len(errors)}" + (f" (first: {errors[0]})" if errors else ""))
        return 1 if errors else 0
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())

"""HTTP latency and throughput of the JSON API, with a baseline in the same run.

For SQLite and PostgreSQL, each on a fresh database with the Helgeland demo region
loaded: start the real server (``sidestream serve --workers 2 --no-access-log`` on a
free loopback port), then load it with 50 concurrent connections from ``wrk``
(Debian's package; ``make bench`` installs it) — a C load generator that needs a
fraction of a core, where a Python one would take the CPU the server is measured on.
Endpoints:

- ``GET /api/v1/health`` — the baseline: routing, middleware and JSON, no database;
- ``GET /api/v1/regions/helgeland/flows`` — a page of 50 flows with its total;
- ``GET /api/v1/regions/helgeland/matches`` — the region's matches (top 5 per supply).

All three as a facilitator (bearer token), so visibility filtering runs, accepting
gzip as browsers do. Each endpoint first gets one request alone (``first ms``: a cold
cache — the caller, the page or the engine run computed from the database), then
warm-up rounds until every worker has computed its own (no request in a round as slow
as half the cold one), then the measured run.
Reported: p50 / p95 latency, requests per second, server CPU milliseconds per request
(user + system time of the server's processes, which neighbours on a shared machine
do not inflate the way they inflate wall time), and each endpoint's p50 and
throughput as a ratio to the baseline.

Run: ``python benchmarks/bench_api.py`` (``--seconds 20`` for longer runs,
``--backends sqlite`` for one, ``--workers 1`` to compare). Without ``wrk`` on PATH a
bounded Python load generator (httpx + asyncio) is used instead and the report says
so. Writes ``benchmarks/results/api.json``. PostgreSQL is reached at
``SIDESTREAM_TEST_POSTGRES_URL`` (default ``postgresql://postgres@127.0.0.1:5432/test``)
and skipped when it does not answer.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import platform
import re
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx
import psutil

RESULTS = Path(__file__).parent / "results"
WRK_SCRIPT = Path(__file__).parent / "wrk_report.lua"
CONCURRENCY = 50
WORKERS = 2
REQUEST_TIMEOUT_S = 60.0
STARTUP_TIMEOUT_S = 180.0
WARM_UP_ROUNDS = 6
POSTGRES_ADMIN_URL = os.environ.get(
    "SIDESTREAM_TEST_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/test"
)
ENDPOINTS = {
    "health (baseline)": "/api/v1/health",
    "flows list": "/api/v1/regions/helgeland/flows",
    "region matches": "/api/v1/regions/helgeland/matches",
}


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


# --- databases -----------------------------------------------------------------------


@contextmanager
def fresh_database(backend: str) -> Iterator[str]:
    if backend == "sqlite":
        with tempfile.TemporaryDirectory(prefix="sidestream-bench-") as folder:
            yield f"sqlite:///{Path(folder) / 'bench.sqlite'}"
        return
    import psycopg
    from psycopg import sql
    from sqlalchemy.engine import make_url

    admin = make_url(POSTGRES_ADMIN_URL).set(drivername="postgresql").render_as_string(hide_password=False)
    name = f"sidestream_bench_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(admin, autocommit=True, connect_timeout=5) as c:
        c.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    try:
        url = make_url(POSTGRES_ADMIN_URL).set(drivername="postgresql+psycopg", database=name)
        yield url.render_as_string(hide_password=False)
    finally:
        with psycopg.connect(admin, autocommit=True, connect_timeout=5) as c:
            c.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))


def postgres_available() -> bool:
    try:
        import psycopg
        from sqlalchemy.engine import make_url

        admin = (
            make_url(POSTGRES_ADMIN_URL).set(drivername="postgresql").render_as_string(hide_password=False)
        )
        with psycopg.connect(admin, connect_timeout=3) as c:
            c.execute("SELECT 1")
        return True
    except Exception:
        return False


def prepare(url: str) -> tuple[str, int]:
    """Migrate, load Helgeland, create a facilitator; return their token and the flow count."""
    from sidestream.domain.visibility import Role
    from sidestream.services import accounts
    from sidestream.services.demo import load_demo
    from sidestream.services.regions import get_region
    from sidestream.store.db import make_engine, session_factory, upgrade
    from sidestream.store.models import User

    upgrade(url)
    engine = make_engine(url)
    try:
        with session_factory(engine)() as session:
            report = load_demo(session, "helgeland")
            user = User(email="bench@example.org", password_hash="!unusable")
            session.add(user)
            session.commit()
            accounts.add_membership(session, user, get_region(session, "helgeland"), Role.FACILITATOR)
            token = accounts.create_token(session, user, "bench").plaintext
            return token, report.created
    finally:
        engine.dispose()


# --- server --------------------------------------------------------------------------


@contextmanager
def server(url: str, workers: int) -> Iterator[tuple[str, psutil.Process]]:
    """``sidestream serve`` on a free port; yields its base URL and its process."""
    port = free_port()
    env = {**os.environ, "SIDESTREAM_DATABASE_URL": url, "SIDESTREAM_ENVIRONMENT": "test"}
    cmd = [sys.executable, "-m", "sidestream.cli", "serve", "--host", "127.0.0.1", "--port", str(port),
           "--workers", str(workers), "--no-access-log"]  # fmt: skip
    proc = subprocess.Popen(cmd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + STARTUP_TIMEOUT_S
        while True:
            if proc.poll() is not None:
                raise RuntimeError(f"server exited: {proc.stderr.read().decode() if proc.stderr else ''}")
            try:
                if httpx.get(f"{base}/api/v1/health", timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            if time.monotonic() > deadline:
                raise RuntimeError("server did not start in time")
            time.sleep(0.2)
        time.sleep(1.0 if workers > 1 else 0.0)  # let every worker finish starting
        yield base, psutil.Process(proc.pid)
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def cpu_seconds(process: psutil.Process) -> float:
    """User + system CPU time of the server and its worker processes so far."""
    total = 0.0
    for p in [process, *process.children(recursive=True)]:
        try:
            times = p.cpu_times()
        except psutil.NoSuchProcess:
            continue
        total += times.user + times.system
    return total


# --- load ----------------------------------------------------------------------------


def wrk_load(base: str, path: str, token: str, seconds: float, concurrency: int) -> dict[str, Any]:
    """``concurrency`` connections for ``seconds`` from one wrk thread."""
    cmd = ["wrk", "-t1", f"-c{concurrency}", f"-d{max(1, round(seconds))}s", "--timeout", "60s",
           "-s", str(WRK_SCRIPT), base + path]  # fmt: skip
    env = {**os.environ, "SIDESTREAM_BENCH_TOKEN": token}
    done = subprocess.run(cmd, env=env, capture_output=True, text=True, check=True, timeout=seconds + 120)
    found = re.search(r"^SIDESTREAM_RESULT (\{.*\})$", done.stdout, re.MULTILINE)
    if found is None:
        raise RuntimeError(f"wrk printed no result: {done.stdout} {done.stderr}")
    raw = json.loads(found.group(1))
    wall = raw["duration_us"] / 1e6
    return {
        "requests": raw["requests"],
        "errors": raw["errors"],
        "p50_ms": round(raw["p50_us"] / 1000, 2),
        "p95_ms": round(raw["p95_us"] / 1000, 2),
        "p99_ms": round(raw["p99_us"] / 1000, 2),
        "max_ms": round(raw["max_us"] / 1000, 2),
        "requests_per_s": round(raw["requests"] / wall, 1),
        "seconds": round(wall, 2),
    }


async def python_load(base: str, path: str, token: str, seconds: float, concurrency: int) -> dict[str, Any]:
    """The fallback: a bounded Python load generator (httpx + asyncio) for ``seconds``."""
    latencies: list[float] = []
    errors = 0
    limits = httpx.Limits(max_connections=concurrency, max_keepalive_connections=concurrency)
    headers = {"Authorization": f"Bearer {token}", "Accept-Encoding": "gzip"}
    async with httpx.AsyncClient(
        base_url=base, limits=limits, timeout=REQUEST_TIMEOUT_S, headers=headers
    ) as client:
        stop = time.perf_counter() + seconds

        async def worker() -> None:
            nonlocal errors
            while time.perf_counter() < stop:
                started = time.perf_counter()
                response = await client.get(path)
                await response.aread()
                latencies.append(time.perf_counter() - started)
                if response.status_code != 200:
                    errors += 1

        started = time.perf_counter()
        await asyncio.gather(*(worker() for _ in range(concurrency)))
        wall = time.perf_counter() - started
    latencies.sort()

    def pct(q: float) -> float:
        return round(1000 * latencies[max(0, int(q * len(latencies)) - 1)], 2)

    return {
        "requests": len(latencies),
        "errors": errors,
        "p50_ms": round(1000 * statistics.median(latencies), 2),
        "p95_ms": pct(0.95),
        "p99_ms": pct(0.99),
        "max_ms": round(1000 * latencies[-1], 2) if latencies else 0.0,
        "requests_per_s": round(len(latencies) / wall, 1),
        "seconds": round(wall, 2),
    }


def load(base: str, path: str, token: str, seconds: float, generator: str) -> dict[str, Any]:
    if generator == "wrk":
        return wrk_load(base, path, token, seconds, CONCURRENCY)
    return asyncio.run(python_load(base, path, token, seconds, CONCURRENCY))


def first_request_ms(base: str, path: str, token: str) -> float:
    started = time.perf_counter()
    response = httpx.get(base + path, headers={"Authorization": f"Bearer {token}"}, timeout=REQUEST_TIMEOUT_S)
    response.raise_for_status()
    return round(1000 * (time.perf_counter() - started), 1)


def warm_up(base: str, path: str, token: str, seconds: float, generator: str, first_ms: float) -> None:
    """Load until every worker has its caches: the first request warmed one worker
    only, and each other worker computes the same (an engine run for matches) on its
    own first request. A round whose slowest request took half the cold time or more
    still saw a cold computation, so another round follows (at most ``WARM_UP_ROUNDS``)."""
    for _ in range(WARM_UP_ROUNDS):
        if load(base, path, token, seconds, generator)["max_ms"] < first_ms / 2:
            return


def bench_backend(backend: str, seconds: float, workers: int, generator: str) -> dict[str, Any]:
    with fresh_database(backend) as url:
        token, flows = prepare(url)
        with server(url, workers) as (base, process):
            results: dict[str, Any] = {}
            for name, path in ENDPOINTS.items():
                first = first_request_ms(base, path, token)
                warm_up(base, path, token, min(2.0, seconds), generator, first)
                cpu_before = cpu_seconds(process)
                result = load(base, path, token, seconds, generator)
                cpu = cpu_seconds(process) - cpu_before
                result["first_ms"] = first
                result["server_cpu_ms_per_request"] = round(1000 * cpu / max(1, result["requests"]), 3)
                results[name] = result
    baseline = results["health (baseline)"]
    for r in results.values():
        r["p50_ratio_vs_baseline"] = round(r["p50_ms"] / baseline["p50_ms"], 2)
        r["throughput_ratio_vs_baseline"] = round(r["requests_per_s"] / baseline["requests_per_s"], 3)
        r["cpu_ratio_vs_baseline"] = round(
            r["server_cpu_ms_per_request"] / baseline["server_cpu_ms_per_request"], 2
        )
    return {"flows": flows, "endpoints": results}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seconds", type=float, default=10.0, help="measured seconds per endpoint")
    parser.add_argument("--workers", type=int, default=WORKERS, help=f"server workers (default {WORKERS})")
    parser.add_argument("--backends", nargs="+", default=["sqlite", "postgresql"])
    parser.add_argument("--python-generator", action="store_true", help="use the Python generator, not wrk")
    args = parser.parse_args()
    generator = "wrk" if shutil.which("wrk") and not args.python_generator else "python (httpx)"
    if generator != "wrk" and not args.python_generator:
        print("wrk not found (apt-get install wrk): falling back to the Python load generator")
    report: dict[str, Any] = {
        "concurrency": CONCURRENCY,
        "workers": args.workers,
        "load_generator": generator,
        "seconds_per_endpoint": args.seconds,
        "machine": {
            "cpus": os.cpu_count(),
            "python": platform.python_version(),
            "platform": platform.platform(),
            "load_average_at_start": [round(x, 2) for x in os.getloadavg()],
        },
        "backends": {},
    }
    for backend in args.backends:
        if backend == "postgresql" and not postgres_available():
            print(f"postgresql: skipped, no server at {POSTGRES_ADMIN_URL}")
            continue
        report["backends"][backend] = bench_backend(backend, args.seconds, args.workers, generator)

    print(f"{CONCURRENCY} connections, {args.workers} server workers, load from {generator};"
          f" load average at start {report['machine']['load_average_at_start']}")  # fmt: skip
    header = (f"{'backend':<11} {'endpoint':<18} {'n':>6} {'first ms':>9} {'p50 ms':>8} {'p95 ms':>8}"
              f" {'req/s':>8} {'cpu ms/req':>10} {'p50×base':>9} {'rps×base':>9} {'cpu×base':>9}")  # fmt: skip
    print(header)
    print("-" * len(header))
    for backend, data in report["backends"].items():
        for name, r in data["endpoints"].items():
            print(f"{backend:<11} {name:<18} {r['requests']:>6} {r['first_ms']:>9.1f} {r['p50_ms']:>8.1f}"
                  f" {r['p95_ms']:>8.1f} {r['requests_per_s']:>8.1f} {r['server_cpu_ms_per_request']:>10.2f}"
                  f" {r['p50_ratio_vs_baseline']:>9.2f} {r['throughput_ratio_vs_baseline']:>9.3f}"
                  f" {r['cpu_ratio_vs_baseline']:>9.2f}")  # fmt: skip
            if r["errors"]:
                print(f"  {r['errors']} errors (non-200 or socket errors)")
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / "api.json").write_text(json.dumps(report, indent=2) + "\n", encoding="utf-8")
    print(f"wrote {RESULTS / 'api.json'}")


if __name__ == "__main__":
    main()

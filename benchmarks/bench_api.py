"""HTTP latency and throughput of the JSON API, with a baseline in the same run.

For SQLite and PostgreSQL, each on a fresh database with the Helgeland demo region
loaded: start a real uvicorn server (a subprocess on a free loopback port), then
send a fixed number of requests with 50 concurrent connections from a bounded
Python load generator (httpx + asyncio) to

- ``GET /api/v1/health`` — the baseline: routing, middleware and JSON, no database;
- ``GET /api/v1/regions/helgeland/flows`` — a page of 50 flows with its total;
- ``GET /api/v1/regions/helgeland/matches`` — the region's matches (top 5 per supply).

All three as a facilitator (bearer token), so visibility filtering runs. Reported:
p50 / p95 latency, requests per second, and each endpoint's p50 and throughput as a
ratio to the baseline. The load generator shares the machine's cores with the server,
so absolute numbers are a floor; the ratios are the comparable part.

Run: ``python benchmarks/bench_api.py`` (``--requests 500`` for more, ``--backends
sqlite`` for one). Writes ``benchmarks/results/api.json``. PostgreSQL is reached at
``SIDESTREAM_TEST_POSTGRES_URL`` (default ``postgresql://postgres@127.0.0.1:5432/test``)
and skipped when it does not answer.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import platform
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

RESULTS = Path(__file__).parent / "results"
CONCURRENCY = 50
REQUEST_TIMEOUT_S = 60.0
STARTUP_TIMEOUT_S = 60.0
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
def server(url: str) -> Iterator[str]:
    port = free_port()
    env = {**os.environ, "SIDESTREAM_DATABASE_URL": url, "SIDESTREAM_ENVIRONMENT": "test"}
    cmd = [sys.executable, "-m", "uvicorn", "--factory", "sidestream.api.app:app_from_env",
           "--host", "127.0.0.1", "--port", str(port), "--log-level", "warning", "--no-access-log"]  # fmt: skip
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
        yield base
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


# --- load ----------------------------------------------------------------------------


async def load(base: str, path: str, token: str, requests: int, concurrency: int) -> dict[str, Any]:
    """``requests`` GETs with ``concurrency`` connections; every response must be 200."""
    latencies: list[float] = []
    errors = 0
    queue: asyncio.Queue[int] = asyncio.Queue()
    for i in range(requests):
        queue.put_nowait(i)
    limits = httpx.Limits(max_connections=concurrency, max_keepalive_connections=concurrency)
    headers = {"Authorization": f"Bearer {token}"}
    async with httpx.AsyncClient(
        base_url=base, limits=limits, timeout=REQUEST_TIMEOUT_S, headers=headers
    ) as client:
        for _ in range(min(concurrency, 5)):  # warm up: connections, caches
            (await client.get(path)).raise_for_status()

        async def worker() -> None:
            nonlocal errors
            while True:
                try:
                    queue.get_nowait()
                except asyncio.QueueEmpty:
                    return
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
    return {
        "requests": requests,
        "errors": errors,
        "p50_ms": round(1000 * statistics.median(latencies), 2),
        "p95_ms": round(1000 * latencies[max(0, int(0.95 * len(latencies)) - 1)], 2),
        "requests_per_s": round(requests / wall, 1),
        "seconds": round(wall, 2),
    }


def bench_backend(backend: str, requests: int, match_requests: int) -> dict[str, Any]:
    with fresh_database(backend) as url:
        token, flows = prepare(url)
        with server(url) as base:
            results: dict[str, Any] = {}
            for name, path in ENDPOINTS.items():
                n = match_requests if "matches" in name else requests
                results[name] = asyncio.run(load(base, path, token, n, CONCURRENCY))
    baseline = results["health (baseline)"]
    for r in results.values():
        r["p50_ratio_vs_baseline"] = round(r["p50_ms"] / baseline["p50_ms"], 2)
        r["throughput_ratio_vs_baseline"] = round(r["requests_per_s"] / baseline["requests_per_s"], 3)
    return {"flows": flows, "endpoints": results}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--requests", type=int, default=1000, help="requests per endpoint (default 1000)")
    parser.add_argument("--match-requests", type=int, default=200, help="requests to the match endpoint")
    parser.add_argument("--backends", nargs="+", default=["sqlite", "postgresql"])
    args = parser.parse_args()
    report: dict[str, Any] = {
        "concurrency": CONCURRENCY,
        "machine": {
            "cpus": os.cpu_count(),
            "python": platform.python_version(),
            "platform": platform.platform(),
        },
        "backends": {},
    }
    for backend in args.backends:
        if backend == "postgresql" and not postgres_available():
            print(f"postgresql: skipped, no server at {POSTGRES_ADMIN_URL}")
            continue
        report["backends"][backend] = bench_backend(backend, args.requests, args.match_requests)

    header = f"{'backend':<11} {'endpoint':<18} {'n':>5} {'p50 ms':>9} {'p95 ms':>9} {'req/s':>8} {'p50×base':>9} {'rps×base':>9}"
    print(header)
    print("-" * len(header))
    for backend, data in report["backends"].items():
        for name, r in data["endpoints"].items():
            print(f"{backend:<11} {name:<18} {r['requests']:>5} {r['p50_ms']:>9.1f} {r['p95_ms']:>9.1f}"
                  f" {r['requests_per_s']:>8.1f} {r['p50_ratio_vs_baseline']:>9.2f}"
                  f" {r['throughput_ratio_vs_baseline']:>9.3f}")  # fmt: skip
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / "api.json").write_text(json.dumps(report, indent=2) + "\n", encoding="utf-8")
    print(f"wrote {RESULTS / 'api.json'}")


if __name__ == "__main__":
    main()

"""Run the benchmark against a database built by ``bench.load``: ``python -m bench.run --scale full|small``.

1. Serves the app as production does: gunicorn (sync workers) with ``reship.config.settings.production``,
   DEBUG off, collected static files, a real Redis (started if none answers) and a real Celery
   worker. Only two bench settings differ: ``RESHIP_BENCH_FLOOR`` (the floor view) and
   ``RESHIP_BENCH_QUERY_HEADER`` (each response says how many SQL statements it ran).
2. Signs in through the real login form (session cookies for the pages) and uses API keys made by
   the loader with the app's own ``api_key_create`` (for the API), then drives each scenario with
   wrk, a separate process, at a fixed concurrency: a warm-up run, then a measured run.
3. Measures commit → delivery of notifications by the worker, reads each web worker's resident
   memory, prints one table with the targets, and writes it with the machine's description to
   ``bench/results/<timestamp>-<scale>.json``.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import platform
import re
import resource
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.parse
import urllib.request
import uuid
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime, timedelta
from http.cookies import SimpleCookie
from pathlib import Path

import psycopg2

from bench.scales import REPO_ROOT, RESULTS_DIR, SCALES, STATE_DIR, Scale, credentials_path, database_url

HOST = "127.0.0.1"
LUA = Path(__file__).resolve().parent / "wrk" / "scenario.lua"
VENV_BIN = Path(sys.executable).parent
DEFAULT_REDIS_URL = "redis://127.0.0.1:6379/14"  # a database of its own: nothing else's worker takes its tasks
LIST_STATUSES = ("closed", "submitted", "fulfilling")


def say(message: str = "") -> None:
    print(message, flush=True)  # noqa: T201 - a command-line tool reports on stdout


# --- targets (issue 7, then issue 19) ----------------------------------------------------------


@dataclass(frozen=True)
class Target:
    p95_ms: float | None = None
    floor_share: float | None = None  # throughput at least this share of the floor's
    max_queries: int | None = None


READ_TARGET = Target(p95_ms=50, floor_share=0.40, max_queries=10)
WRITE_TARGET = Target(p95_ms=100, floor_share=0.25)
TARGETS = {
    "floor": Target(),
    "review_queue": READ_TARGET,
    "request_list": READ_TARGET,
    "request_detail": READ_TARGET,
    "to_ship": READ_TARGET,
    "search_tracking": READ_TARGET,
    "search_phone": READ_TARGET,
    "submit": WRITE_TARGET,
    "approve": WRITE_TARGET,
    "dashboard_90d": Target(p95_ms=300),
    # Issue 17: the biggest pair's monthly statement page (drawn up by ``python -m bench.statements``).
    "statement_page": Target(p95_ms=300),
}
# Issue 19 (speed round 2): reads at a fifth of the floor with no more queries than the issue's
# measured table (queue 6, request list 2, request page 10, searches 7), writes at a tenth with
# submit ≤ 15 and approve ≤ 10 queries, the dashboard with its figures cache off, bulk approval of
# 100 requests from the queue (one action, timed alone). A scenario not named has no issue-19 target.
READ_19 = {"review_queue": 6, "request_list": 2, "request_detail": 10, "search_tracking": 7, "search_phone": 7}
TARGETS_19 = {
    **{name: Target(p95_ms=50, floor_share=0.20, max_queries=queries) for name, queries in READ_19.items()},
    "submit": Target(p95_ms=100, floor_share=0.10, max_queries=15),
    "approve": Target(p95_ms=100, floor_share=0.10, max_queries=10),
    "dashboard_90d_nocache": Target(p95_ms=300),
    "bulk_approve": Target(p95_ms=2000),
}
# Scenarios issue 19 added: they have no issue-7 target.
TARGETS.update({"dashboard_90d_nocache": Target(), "bulk_approve": Target()})
ISSUE_7_NAMES = frozenset(TARGETS) - {"dashboard_90d_nocache", "bulk_approve"}
NOTIFICATION_P95_MS = 500  # issue 7
NOTIFICATION_P95_MS_19 = 200  # issue 19, paced
NOTIFICATION_RATE_19 = 500  # delivered/s by one worker draining a backlog
DRAIN_SECONDS_19 = 10  # the queue empty this long after the write load's end
BULK_SIZE = 100  # requests ticked in one bulk approval
MIN_RESPONSES = 20  # fewer and the percentiles mean little: the runner also times a few one at a time
WORKER_RSS_MB = 200
LOAD_SECONDS = 600


@dataclass
class Scenario:
    name: str
    description: str
    lines: list[str]
    mode: str = "cycle"  # or "once"
    expect: str = ""  # text the first response must contain (a search must find its order)
    port: int | None = None  # another server than the main one (the dashboard with its cache off)
    result: dict = field(default_factory=dict)


# --- processes ----------------------------------------------------------------------------------


class Stack:
    """Redis (if none answers), a Celery worker and gunicorn, each a child process with its own log."""

    def __init__(self, *, url: str, redis_url: str, port: int, workers: int, log_dir: Path) -> None:
        self.url, self.redis_url, self.port, self.workers = url, redis_url, port, workers
        self.log_dir = log_dir
        self.processes: dict[str, subprocess.Popen] = {}
        self.dsn: dict = {}
        self.env = {
            **{k: v for k, v in os.environ.items() if not k.startswith(("RESHIP_", "CELERY_", "DJANGO_"))},
            "DJANGO_SETTINGS_MODULE": "reship.config.settings.production",
            "DATABASE_URL": url,
            "REDIS_URL": redis_url,
            "SECRET_KEY": secrets.token_urlsafe(50),
            "DEBUG": "false",
            "ALLOWED_HOSTS": f"{HOST},localhost",
            "STATIC_ROOT": str(STATE_DIR / "static"),
            "MEDIA_ROOT": str(STATE_DIR / "media"),
            "LOG_LEVEL": "WARNING",
            # Email goes through Django's SMTP backend to a local sink (bench.smtp_sink), as in production.
            "EMAIL_HOST": HOST,
            "EMAIL_PORT": str(port + 1),
            "EMAIL_USE_TLS": "false",
            "RESHIP_BENCH_FLOOR": "true",
            "RESHIP_BENCH_QUERY_HEADER": "true",
            "PYTHONUNBUFFERED": "1",
        }

    def _start(self, name: str, argv: list[str]) -> subprocess.Popen:
        log = (self.log_dir / f"{name}.log").open("w")
        process = subprocess.Popen(
            argv, cwd=REPO_ROOT, env=self.env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
        )
        self.processes[name] = process
        return process

    def redis_ensure(self) -> str:
        import redis

        try:
            redis.Redis.from_url(self.redis_url, socket_connect_timeout=2).ping()
            return "already running"
        except redis.RedisError:
            pass
        server = shutil.which("redis-server")
        if server is None:
            raise SystemExit(f"No Redis answers at {self.redis_url} and redis-server is not installed")
        port = urllib.parse.urlsplit(self.redis_url).port or 6379
        self._start("redis", [server, "--port", str(port), "--save", "", "--appendonly", "no"])
        for _ in range(50):
            try:
                redis.Redis.from_url(self.redis_url, socket_connect_timeout=1).ping()
                return "started by the runner"
            except redis.RedisError:
                time.sleep(0.1)
        raise SystemExit("redis-server did not start; see " + str(self.log_dir / "redis.log"))

    def collectstatic(self) -> None:
        # The production storage serves only files listed in the manifest collectstatic writes.
        subprocess.run(
            [sys.executable, "manage.py", "collectstatic", "--noinput", "-v0"], cwd=REPO_ROOT, env=self.env, check=True
        )

    def smtp_sink_start(self) -> None:
        self._start("smtp", [sys.executable, "-m", "bench.smtp_sink", "--port", str(self.port + 1),
                             "--count-file", str(self.log_dir / "smtp.count")])  # fmt: skip

    def emails_received(self) -> int:
        try:
            return int((self.log_dir / "smtp.count").read_text() or 0)
        except (OSError, ValueError):
            return 0

    def queue_purge(self) -> None:
        """Tasks left in the broker by an interrupted run would be delivered before this run's."""
        subprocess.run([str(VENV_BIN / "celery"), "-A", "reship", "purge", "-f"], cwd=REPO_ROOT, env=self.env,
                       check=True, capture_output=True)  # fmt: skip

    def worker_start(self) -> None:
        self._start(
            "worker",
            [str(VENV_BIN / "celery"), "-A", "reship", "worker", "-l", "warning", "-n", f"bench-{os.getpid()}@%h"],
        )

    def gunicorn_start(self, name: str = "gunicorn", port: int | None = None, env: dict | None = None) -> None:
        """The app's server; ``name``/``port``/``env`` start a second one beside it whose settings
        differ by ``env`` (the dashboard with its figures cache off), same code, database and Redis."""
        saved = self.env
        self.env = {**saved, **(env or {})}
        try:
            self._gunicorn(name, port or self.port)
        finally:
            self.env = saved

    def _gunicorn(self, name: str, port: int) -> None:
        self._start(
            name,
            [
                str(VENV_BIN / "gunicorn"),
                "reship.config.wsgi:application",
                "--bind", f"{HOST}:{port}",
                "--workers", str(self.workers),
                "--worker-class", "sync",
                "--backlog", "2048",
                "--timeout", "120",
                "--log-level", "warning",
            ],
        )  # fmt: skip

    def wait_healthy(self, timeout: float = 60, port: int | None = None) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            for name, process in self.processes.items():
                if process.poll() is not None:
                    raise SystemExit(f"{name} exited ({process.returncode}); see {self.log_dir / (name + '.log')}")
            try:
                status, _, _ = http(port or self.port, "GET", "/healthz")
                if status == 200:
                    return
            except OSError:
                pass
            time.sleep(0.25)
        raise SystemExit("gunicorn did not answer /healthz in time")

    def web_workers(self, name: str = "gunicorn") -> list[int]:
        process = self.processes.get(name)
        if process is None or process.poll() is not None:
            return []
        master = process.pid
        children = []
        for entry in Path("/proc").iterdir():
            if entry.name.isdigit():
                try:
                    fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
                except OSError:
                    continue
                if int(fields[1]) == master:
                    children.append(int(entry.name))
        return sorted(children)

    def gunicorns(self) -> list[str]:
        return [name for name in self.processes if name.startswith("gunicorn")]

    def stop_one(self, name: str) -> None:
        process = self.processes.get(name)
        if process is None or process.poll() is not None:
            return
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()

    def stop(self) -> None:
        for name in (*self.gunicorns(), "worker", "smtp", "redis"):
            self.stop_one(name)


def _jiffies(pid: int) -> int:
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0
    return int(fields[11]) + int(fields[12])  # utime + stime


def cpu_snapshot(stack: Stack, database: str) -> dict:
    """CPU time so far (jiffies) per process of the web workers, the Celery worker, this database's
    PostgreSQL backends, Redis and the SMTP sink, and the busy time of the whole machine (all cores)."""
    groups: dict[str, dict[int, int]] = {"web": {}, "celery": {}, "postgres": {}, "redis+smtp": {}}
    web = {pid for name in stack.gunicorns() for pid in (stack.processes[name].pid, *stack.web_workers(name))}
    celery_root = stack.processes["worker"].pid
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        pid = int(entry.name)
        try:
            command = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
        except OSError:
            continue
        if pid in web:
            groups["web"][pid] = _jiffies(pid)
        elif pid == celery_root or f"bench-{os.getpid()}@" in command:
            groups["celery"][pid] = _jiffies(pid)
        elif command.startswith("postgres: ") and f" {database} " in command:
            groups["postgres"][pid] = _jiffies(pid)
        elif command.startswith("redis-server") or "bench.smtp_sink" in command:
            groups["redis+smtp"][pid] = _jiffies(pid)
    values = [int(value) for value in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    return {**groups, "machine": sum(values) - values[3] - values[4]}  # all but idle and iowait


def cpu_shares(before: dict, after: dict, seconds: float, wrk_seconds: float) -> dict[str, float]:
    """Each group's CPU as a percentage of one core over the run (processes that ended during it
    are missed); "other" is everything else on the machine, other people's processes included."""
    tick = os.sysconf("SC_CLK_TCK")
    shares = {
        name: 100 * sum(max(0, value - before[name].get(pid, 0)) for pid, value in after[name].items()) / tick / seconds
        for name in ("web", "celery", "postgres", "redis+smtp")
    }
    shares["wrk"] = 100 * wrk_seconds / seconds
    machine_share = 100 * (after["machine"] - before["machine"]) / tick / seconds
    shares["other"] = max(0.0, machine_share - sum(shares.values()))
    shares["machine"] = machine_share
    return {name: round(value, 1) for name, value in shares.items()}


class WaitSampler:
    """What this database's active backends are doing, sampled every 50 ms during a run: on CPU
    (no wait event), waiting for a lock (another transaction holds the row), for I/O, … Shows
    whether a slow write is slow because it queues behind others."""

    def __init__(self, dsn: dict, database: str) -> None:
        import threading

        self.dsn, self.database = dsn, database
        self.counts: dict[str, int] = {}
        self.samples = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def __enter__(self) -> WaitSampler:
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._stop.set()
        self._thread.join()

    def _run(self) -> None:
        connection = psycopg2.connect(**self.dsn)
        connection.autocommit = True
        with connection.cursor() as cursor:
            while not self._stop.wait(0.05):
                cursor.execute(
                    "SELECT coalesce(wait_event_type || ':' || wait_event, 'CPU'), count(*) FROM pg_stat_activity "
                    "WHERE datname = %s AND state = 'active' AND pid <> pg_backend_pid() GROUP BY 1",
                    [self.database],
                )
                self.samples += 1
                for name, count in cursor.fetchall():
                    self.counts[name] = self.counts.get(name, 0) + count
        connection.close()

    def summary(self) -> dict[str, float]:
        """Average number of this database's backends in each state, over the samples."""
        if not self.samples:
            return {}
        ordered = sorted(self.counts.items(), key=lambda item: -item[1])
        return {name: round(count / self.samples, 2) for name, count in ordered}


def rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


# --- HTTP as a browser or an API client would -----------------------------------------------------

BASE_HEADERS = {"X-Forwarded-Proto": "https"}  # as the TLS-terminating proxy in front would set


def http(port: int, method: str, path: str, *, headers: dict | None = None, body: bytes | None = None):
    """(status, headers, body) without following redirects."""
    connection = socket.create_connection((HOST, port), timeout=60)
    try:
        request_headers = {"Host": f"{HOST}:{port}", **BASE_HEADERS, "Connection": "close", **(headers or {})}
        if body is not None:
            request_headers["Content-Length"] = str(len(body))
        head = f"{method} {path} HTTP/1.1\r\n" + "".join(f"{k}: {v}\r\n" for k, v in request_headers.items())
        connection.sendall(head.encode() + b"\r\n" + (body or b""))
        chunks = []
        while chunk := connection.recv(65536):
            chunks.append(chunk)
    finally:
        connection.close()
    raw = b"".join(chunks)
    head, _, payload = raw.partition(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    status = int(lines[0].split()[1])
    response_headers: list[tuple[str, str]] = []
    for line in lines[1:]:
        name, _, value = line.partition(":")
        response_headers.append((name.strip(), value.strip()))
    if any(name.lower() == "transfer-encoding" and "chunked" in value for name, value in response_headers):
        payload = _unchunk(payload)
    return status, response_headers, payload


def _unchunk(data: bytes) -> bytes:
    out, rest = [], data
    while rest:
        size_line, _, rest = rest.partition(b"\r\n")
        size = int(size_line.split(b";")[0], 16)
        if size == 0:
            break
        out.append(rest[:size])
        rest = rest[size + 2 :]
    return b"".join(out)


def header(headers: list[tuple[str, str]], name: str) -> str | None:
    for key, value in headers:
        if key.lower() == name.lower():
            return value
    return None


def login(port: int, username: str, password: str) -> str:
    """Sign in through the real login form; returns the Cookie header value of the session."""
    status, headers, body = http(port, "GET", "/login/")
    if status != 200:
        raise SystemExit(f"GET /login/ answered {status}")
    cookies = SimpleCookie()
    for key, value in headers:
        if key.lower() == "set-cookie":
            cookies.load(value)
    token = re.search(rb'name="csrfmiddlewaretoken" value="([^"]+)"', body).group(1).decode()
    # Production names its cookies __Host-csrftoken / __Host-sessionid (bound to the host, HTTPS only).
    csrf = next(name for name in cookies if name.endswith("csrftoken"))
    form = urllib.parse.urlencode({"username": username, "password": password, "csrfmiddlewaretoken": token}).encode()
    origin = f"https://{HOST}:{port}"
    status, headers, body = http(
        port,
        "POST",
        "/login/",
        headers={
            "Content-Type": "application/x-www-form-urlencoded",
            "Cookie": f"{csrf}={cookies[csrf].value}",
            "Origin": origin,
            "Referer": origin + "/login/",
        },
        body=form,
    )
    for key, value in headers:
        if key.lower() == "set-cookie":
            cookies.load(value)
    session = next((name for name in cookies if name.endswith("sessionid")), None)
    if status != 302 or session is None:
        raise SystemExit(f"Signing in as {username} failed: {status} {body[:300]!r}")
    return f"{session}={cookies[session].value}; {csrf}={cookies[csrf].value}"


# --- the scenarios ------------------------------------------------------------------------------


def line(method: str, path: str, body: str = "", **headers: str) -> str:
    fields = [method, path, body, *(f"{name.replace('_', '-')}: {value}" for name, value in headers.items())]
    return "\t".join(fields)


def get_line(path: str, **headers: str) -> str:
    return line("GET", path, "", X_Forwarded_Proto="https", **headers)


def post_json_line(path: str, body: dict, **headers: str) -> str:
    return line(
        "POST",
        path,
        json.dumps(body, separators=(",", ":")),
        X_Forwarded_Proto="https",
        Content_Type="application/json",
        **headers,
    )


def is_mainland(phone: str) -> bool:
    if phone.startswith("+"):
        return phone.startswith("+86")
    digits = re.sub(r"\D", "", phone)
    return len(digits) == 11 and digits.startswith("1")


def digits_as_typed(phone: str) -> str:
    """A stored phone as a person types it: the digits without the country prefix."""
    digits = re.sub(r"\D", "", phone)
    return digits[2:] if phone.startswith("+86") and digits.startswith("86") else digits


class Scenarios:
    """Build each scenario's request lines from the loaded database."""

    def __init__(self, *, cursor, state: dict, port: int, seller_cookie: str, partner_cookie: str) -> None:
        self.cursor, self.state, self.port = cursor, state, port
        self.seller_id, self.partner_id = state["seller"]["id"], state["partner"]["id"]
        self.seller_keys = state["seller"]["api_keys"]
        self.partner_keys = state["partner"]["api_keys"]
        self.seller_cookie, self.partner_cookie = seller_cookie, partner_cookie
        self.notes: dict[str, str] = {}

    def _rows(self, query: str, params: list) -> list[tuple]:
        self.cursor.execute(query, params)
        return self.cursor.fetchall()

    def floor(self) -> Scenario:
        ids = [row[0] for row in self._rows("SELECT id FROM orders_seller ORDER BY id", [])]
        return Scenario("floor", "GET /bench/floor/?id= (one primary-key query, small JSON)",
                        [get_line(f"/bench/floor/?id={pk}") for pk in ids])  # fmt: skip

    def review_queue_fill(self, rows: int = 50) -> int:
        """A page of the queue needs 50 requests waiting: at small scale the biggest partner has only
        a few, so the seller submits the difference through the API first (not measured)."""
        waiting = self._rows(
            "SELECT count(*) FROM reship_reshiprequest WHERE partner_id = %s AND status = 'submitted'",
            [self.partner_id],
        )[0][0]
        missing = max(0, rows - waiting)
        for request_line in self.submit(missing).lines if missing else []:
            fields = request_line.split("\t")
            headers = dict(field.split(": ", 1) for field in fields[3:])
            status, _, body = http(self.port, fields[0], fields[1], headers=headers, body=fields[2].encode())
            if status != 201:
                raise SystemExit(f"filling the review queue: {status} {body[:300]!r}")
        return missing

    def review_queue(self) -> Scenario:
        added = self.review_queue_fill()
        if added:
            self.notes["review_queue_fill"] = f"{added} requests submitted first so the queue holds a page of 50"
        count = self._rows(
            "SELECT count(*) FROM reship_reshiprequest WHERE partner_id = %s AND status = 'submitted'",
            [self.partner_id],
        )[0][0]
        self.notes["review_queue"] = f"{count} submitted requests in the biggest partner's queue"
        return Scenario("review_queue", "GET /partner/queue/ (HTML, 50 rows, the biggest partner)",
                        [get_line("/partner/queue/", Cookie=self.partner_cookie)])  # fmt: skip

    def request_list(self) -> Scenario:
        """First pages and pages further down each status, followed through the API's own cursors."""
        paths = []
        for status in LIST_STATUSES:
            path = f"/api/v1/requests/?status={status}&page_size=50"
            for _ in range(10):
                paths.append(path)
                code, _, body = http(
                    self.port, "GET", path, headers={"Authorization": f"Api-Key {self.seller_keys[0]}"}
                )
                if code != 200:
                    raise SystemExit(f"GET {path} answered {code}: {body[:300]!r}")
                following = json.loads(body).get("next")
                if not following:
                    break
                parts = urllib.parse.urlsplit(following)
                path = f"{parts.path}?{parts.query}"
        lines = [
            get_line(path, Authorization=f"Api-Key {self.seller_keys[index % len(self.seller_keys)]}")
            for index, path in enumerate(paths)
        ]
        self.notes["request_list"] = f"{len(paths)} pages: statuses {', '.join(LIST_STATUSES)}, up to 10 pages deep"
        return Scenario("request_list", "GET /api/v1/requests/?status=…&page_size=50 (cursor pages, biggest seller)",
                        lines)  # fmt: skip

    def request_detail(self) -> Scenario:
        rows = self._rows(
            """SELECT r.id, count(e.id) FROM reship_reshiprequest r JOIN reship_reshipevent e ON e.request_id = r.id
               WHERE r.seller_id = %s GROUP BY r.id ORDER BY abs(count(e.id) - 20), r.id DESC LIMIT 50""",
            [self.seller_id],
        )
        events = sorted({count for _, count in rows})
        self.notes["request_detail"] = f"{len(rows)} requests with {', '.join(map(str, events))} events"
        return Scenario("request_detail", "GET /requests/<id>/ (HTML, a request with 20 events, biggest seller)",
                        [get_line(f"/requests/{pk}/", Cookie=self.seller_cookie) for pk, _ in rows])  # fmt: skip

    def to_ship(self) -> Scenario:
        """The biggest partner's to-ship list (its pages: ship-tos shown in full, each one logged as a
        reveal), the first pages a packer reads."""
        count = self._rows(
            """SELECT count(*) FROM reship_reshipline l JOIN reship_reshiprequest r ON r.id = l.request_id
               WHERE r.partner_id = %s AND r.status IN ('approved', 'fulfilling')
               AND ((l.resolution = 'resend' AND l.status = 'pending')
                    OR (l.resolution = 'restock_resend' AND l.status = 'restocked'))""",
            [self.partner_id],
        )[0][0]
        pages = max(1, min(5, -(-count // 50)))
        self.notes["to_ship"] = f"{count} lines to ship for the biggest partner; its first {pages} page(s)"
        return Scenario("to_ship", "GET /partner/to-ship/?page=N (HTML, lines with ship-tos, biggest partner)",
                        [get_line(f"/partner/to-ship/?page={page}", Cookie=self.partner_cookie)
                         for page in range(1, pages + 1)])  # fmt: skip

    def search_tracking(self) -> Scenario:
        """Tracking numbers of the seller's parcels (original and reship), spread over its whole history."""
        rows = self._rows(
            """SELECT s.tracking_number, o.platform_order_number FROM orders_shipment s
               JOIN orders_order o ON o.id = s.order_id
               WHERE o.seller_id = %s AND s.id %% 97 = 0 ORDER BY s.id LIMIT 200""",
            [self.seller_id],
        )
        return Scenario("search_tracking", "GET /orders/?q=<tracking number> (HTML, biggest seller)",
                        [get_line(f"/orders/?q={urllib.parse.quote(t)}", Cookie=self.seller_cookie) for t, _ in rows],
                        expect=rows[0][1])  # fmt: skip

    def search_phone(self) -> Scenario:
        """Mainland customers' phones typed as digits (the order may store "+86 138 0013 8000"). Only
        mainland numbers: the search does not find another country's number even typed as stored
        (``orders.selectors.phone_candidates`` only makes Chinese formats), see the report."""
        rows = self._rows(
            """SELECT customer_phone, platform_order_number FROM orders_order
               WHERE seller_id = %s AND customer_phone <> '' AND id %% 89 = 0 ORDER BY id LIMIT 400""",
            [self.seller_id],
        )
        typed = [(digits_as_typed(phone), number) for phone, number in rows if is_mainland(phone)][:200]
        return Scenario("search_phone", "GET /orders/?q=<phone as typed> (HTML, biggest seller)",
                        [get_line(f"/orders/?q={urllib.parse.quote(p)}", Cookie=self.seller_cookie) for p, _ in typed],
                        expect=typed[0][1])  # fmt: skip

    def dashboard(self) -> Scenario:
        return Scenario("dashboard_90d", "GET /dashboard/?period=90 (HTML, biggest seller)",
                        [get_line("/dashboard/?period=90", Cookie=self.seller_cookie)])  # fmt: skip

    def dashboard_nocache(self, port: int) -> Scenario:
        """The same page from a second server whose figures cache is off
        (``RESHIP_EVALUATION_CACHE_SECONDS=0``): every request computes the figures."""
        return Scenario("dashboard_90d_nocache", "GET /dashboard/?period=90 (HTML, biggest seller, figures cache off)",
                        [get_line("/dashboard/?period=90", Cookie=self.seller_cookie)], port=port)  # fmt: skip

    def waiting_for_review(self, count: int, among: list[int] | None = None) -> list[int]:
        """The biggest partner's submitted requests (of ``among``, if given), newest first."""
        rows = self._rows(
            "SELECT id FROM reship_reshiprequest WHERE partner_id = %s AND status = 'submitted' "
            "AND (%s::bigint[] IS NULL OR id = ANY(%s::bigint[])) ORDER BY id DESC LIMIT %s",
            [self.partner_id, among, among, count],
        )
        return [pk for (pk,) in rows]

    def queue_csrf_token(self) -> str:
        """The form's CSRF token, from the queue page as the browser loaded it."""
        status, _, body = http(self.port, "GET", "/partner/queue/", headers={"Cookie": self.partner_cookie})
        found = re.search(rb'name="csrfmiddlewaretoken" value="([^"]+)"', body)
        if status != 200 or found is None:
            raise SystemExit(f"GET /partner/queue/ answered {status} without a CSRF token: {body[:300]!r}")
        return found.group(1).decode()

    def bulk_approve_request(self, request_ids: list[int], token: str) -> tuple[dict[str, str], bytes]:
        """The queue form's POST as the browser sends it with htmx (``hx-post``, so the answer is the
        queue's form drawn again with the outcome): the CSRF field, one ``requests`` per ticked row,
        then the terms."""
        promised = (datetime.now(UTC).date() + timedelta(days=5)).isoformat()
        form = [
            ("csrfmiddlewaretoken", token),
            *(("requests", str(pk)) for pk in request_ids),
            ("quote_goods", "25.00"),
            ("quote_shipping", "12.00"),
            ("cost_bearer", "partner"),
            ("promised_date", promised),
        ]
        origin = f"https://{HOST}:{self.port}"
        headers = {
            "Cookie": self.partner_cookie,
            "Content-Type": "application/x-www-form-urlencoded",
            "Origin": origin,
            "Referer": origin + "/partner/queue/",
            "HX-Request": "true",
            "HX-Current-URL": origin + "/partner/queue/",
            "HX-Target": "queue-form",
        }
        return headers, urllib.parse.urlencode(form).encode()

    def statement_page(self) -> Scenario:
        """The biggest pair's last-month statement (``bench.statements`` draws it up): its first five
        pages of lines, as the seller reads it."""
        statement = self.state.get("statements", {}).get("month")
        if statement is None:
            raise SystemExit("no statement on this database: run `python -m bench.statements` first")
        lines = self._rows("SELECT line_count FROM reship_statement WHERE id = %s", [statement])[0][0]
        self.notes["statement_page"] = f"statement {statement}: {lines} lines, pages 1–5 of 50 lines"
        return Scenario("statement_page", "GET /statements/<id>/?page=N (HTML, biggest pair's month, seller)",
                        [get_line(f"/statements/{statement}/?page={page}", Cookie=self.seller_cookie)
                         for page in range(1, 6)])  # fmt: skip

    def submit(self, count: int) -> Scenario:
        """One quantity of one order line each, of the biggest seller's orders with the biggest partner
        that no request claims yet (newest first), each with its own Idempotency-Key."""
        rows = self._rows(
            """SELECT ol.order_id, ol.id, ol.quantity FROM orders_orderline ol
               JOIN orders_order o ON o.id = ol.order_id
               WHERE o.seller_id = %s AND o.partner_id = %s AND o.status IN ('shipped', 'delivered')
                 AND NOT EXISTS (SELECT 1 FROM reship_reshipline rl WHERE rl.order_line_id = ol.id)
               ORDER BY o.id DESC, ol.id LIMIT %s""",
            [self.seller_id, self.partner_id, count],
        )
        # Every line's first unit, then second units, …: two submissions rarely wait on one order's lock.
        most = max((quantity for _, _, quantity in rows), default=0)
        units = [(order, line_id) for unit in range(most) for order, line_id, quantity in rows if quantity > unit]
        units = units[:count]
        lines = []
        for index, (order, line_id) in enumerate(units):
            body = {
                "order": order,
                "reason": "damaged",
                "description": "The parcel arrived crushed; photos in the thread.",
                "lines": [{"order_line": line_id, "quantity": 1, "resolution": "resend"}],
            }
            lines.append(
                post_json_line(
                    "/api/v1/requests/",
                    body,
                    Authorization=f"Api-Key {self.seller_keys[index % len(self.seller_keys)]}",
                    Idempotency_Key=str(uuid.uuid4()),
                )
            )
        return Scenario("submit", "POST /api/v1/requests/ (a new request, Idempotency-Key, biggest seller)",
                        lines, mode="once")  # fmt: skip

    def approve(self, count: int) -> Scenario:
        rows = self._rows(
            "SELECT id FROM reship_reshiprequest WHERE partner_id = %s AND status = 'submitted' "
            "ORDER BY id DESC LIMIT %s",
            [self.partner_id, count],
        )
        promised = (datetime.now(UTC).date() + timedelta(days=5)).isoformat()
        lines = [
            post_json_line(
                f"/api/v1/requests/{pk}/approve/",
                {
                    "quote_goods": "25.00",
                    "quote_shipping": "12.00",
                    "cost_bearer": "partner",
                    "promised_date": promised,
                    "note": "Approved; it ships today.",
                },
                Authorization=f"Api-Key {self.partner_keys[index % len(self.partner_keys)]}",
                Idempotency_Key=str(uuid.uuid4()),
            )  # fmt: skip
            for index, (pk,) in enumerate(rows)
        ]
        return Scenario("approve", "POST /api/v1/requests/<id>/approve/ (Idempotency-Key, biggest partner)",
                        lines, mode="once")  # fmt: skip


def smoke(port: int, scenario: Scenario) -> str:
    """Send the scenario's first request once; refuse to measure an error page. Returns a summary."""
    fields = scenario.lines[0].split("\t")
    method, path, body = fields[0], fields[1], fields[2]
    headers = dict(field.split(": ", 1) for field in fields[3:])
    if scenario.mode == "once":
        return "(writes: checked by the run itself)"
    port = scenario.port or port
    status, response_headers, payload = http(port, method, path, headers=headers, body=body.encode() or None)
    if not 200 <= status < 300:
        raise SystemExit(f"{scenario.name}: {method} {path} answered {status}: {payload[:500]!r}")
    if scenario.expect and scenario.expect.encode() not in payload:
        raise SystemExit(f"{scenario.name}: {path} answered without {scenario.expect!r}: the search found nothing")
    summary = f"{status}, {len(payload):,} bytes, {header(response_headers, 'X-Reship-Queries')} queries"
    if scenario.expect:
        summary += f", finds order {scenario.expect}"
    if scenario.name == "review_queue":
        rows = payload.count(b'name="requests"')
        summary += f", {rows} rows with a checkbox"
    return summary


def prime(scenario: Scenario, workers: int) -> None:
    """One request per web worker of a server just started (``workers`` at once, so each worker
    likely takes one): its first request pays for imports and template loading, which the main
    server's workers paid in earlier scenarios; the warm-up alone is too short for a slow page."""
    import threading

    fields = scenario.lines[0].split("\t")
    headers = dict(field.split(": ", 1) for field in fields[3:])
    port = scenario.port or 0
    threads = [
        threading.Thread(target=http, args=(port, fields[0], fields[1]), kwargs={"headers": headers})
        for _ in range(workers)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()


def serial_probe(port: int, scenario: Scenario, count: int = 3) -> list[float]:
    """Milliseconds of ``count`` requests sent one after another: how long one takes on its own."""
    fields = scenario.lines[0].split("\t")
    headers = dict(field.split(": ", 1) for field in fields[3:])
    times = []
    for _ in range(count):
        started = time.perf_counter()
        http(scenario.port or port, fields[0], fields[1], headers=headers)
        times.append((time.perf_counter() - started) * 1000)
    return times


def wrk(*, port: int, scenario: Scenario, seconds: int, threads: int, connections: int, path: Path) -> dict:
    wrk_binary = shutil.which("wrk")
    if wrk_binary is None:
        raise SystemExit("wrk is not installed (apt-get install wrk)")
    argv = [
        wrk_binary, f"-t{threads}", f"-c{connections}", f"-d{seconds}s", "--timeout", "30s", "-s", str(LUA),
        f"http://{HOST}:{port}", "--", str(path), scenario.mode, str(threads),
    ]  # fmt: skip
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    completed = subprocess.run(argv, capture_output=True, text=True, check=False)
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    match = re.search(r"^WRK_RESULT (\{.*\})$", completed.stdout, re.MULTILINE)
    if completed.returncode != 0 or match is None:
        raise SystemExit(f"wrk failed for {scenario.name}:\n{completed.stdout}\n{completed.stderr}")
    result = json.loads(match.group(1))
    seconds_run = result["duration_us"] / 1e6
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    result["rps"] = result["requests"] / seconds_run if seconds_run else 0.0
    result["wrk_cpu_percent_of_one_core"] = 100 * cpu / seconds_run if seconds_run else 0.0
    return result


def run_scenario(args, scenario: Scenario, scale: Scale, work: Path, stack: Stack, database: str) -> dict:
    path = work / f"{scenario.name}.requests"
    if scenario.mode == "once":
        # Warm-up and measurement each get their own lines: a write is never sent twice.
        share = scale.warmup_seconds / (scale.warmup_seconds + scale.duration_seconds)
        split = int(len(scenario.lines) * share)
        warm, measured = scenario.lines[:split], scenario.lines[split:]
    else:
        warm = measured = scenario.lines
    path.write_text("\n".join(warm) + "\n")
    port = scenario.port or args.port
    wrk(port=port, scenario=scenario, seconds=scale.warmup_seconds, threads=args.threads,
        connections=args.connections, path=path)  # fmt: skip
    path.write_text("\n".join(measured) + "\n")
    started = time.time()
    cpu_before = cpu_snapshot(stack, database)
    with WaitSampler(stack.dsn, database) as waits:
        result = wrk(port=port, scenario=scenario, seconds=scale.duration_seconds, threads=args.threads,
                     connections=args.connections, path=path)  # fmt: skip
    cpu_after = cpu_snapshot(stack, database)
    result["postgres_backends"] = waits.summary()
    result["started_at"] = started
    result["ended_at"] = time.time()
    seconds = result["ended_at"] - started
    wrk_seconds = result["wrk_cpu_percent_of_one_core"] / 100 * result["duration_us"] / 1e6
    result["cpu_percent_of_one_core"] = cpu_shares(cpu_before, cpu_after, seconds, wrk_seconds)
    return result


# --- notifications: commit → delivered ------------------------------------------------------------


def percentile(values: list[float], share: float) -> float:
    """The nearest-rank percentile."""
    if not values:
        return float("nan")
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, math.ceil(share * len(ordered)) - 1))
    return ordered[index]


def notification_latency(cursor, *, since: float, until: float, request_ids: list[int] | None = None) -> dict:
    """Delivery delay of the rows written in a window: ``sent_at − created_at`` (``created_at`` is
    set inside the committing transaction, a few milliseconds before its commit)."""
    condition, params = "created_at >= to_timestamp(%s) AND created_at < to_timestamp(%s)", [since, until]
    if request_ids is not None:
        condition += " AND request_id = ANY(%s)"
        params.append(request_ids)
    cursor.execute(
        f"""SELECT extract(epoch FROM sent_at - created_at) * 1000, status,
                   extract(epoch FROM created_at), extract(epoch FROM sent_at)
            FROM reship_notification WHERE {condition}""",  # noqa: S608 - the condition is ours
        params,
    )
    rows = cursor.fetchall()
    delays = [float(delay) for delay, status, _, _ in rows if status == "sent"]
    sent_times = [float(sent) for _, status, _, sent in rows if status == "sent"]
    span = max(sent_times) - min(float(created) for _, _, created, _ in rows) if sent_times else 0
    return {
        "delivered_per_second": round(len(sent_times) / span, 1) if span else None,
        "rows": len(rows),
        "sent": len(delays),
        "not_sent": len(rows) - len(delays),
        "p50_ms": percentile(delays, 0.50),
        "p95_ms": percentile(delays, 0.95),
        "p99_ms": percentile(delays, 0.99),
        "max_ms": max(delays) if delays else float("nan"),
    }


def wait_for_delivery(cursor, *, since: float, timeout: float = 180, poll: float = 0.1) -> float:
    """The time (epoch seconds) when no row written since ``since`` was pending any more (the queue
    drained), to within ``poll``; NaN if it was not drained within ``timeout`` seconds."""
    started = time.monotonic()
    while time.monotonic() - started < timeout:
        cursor.execute(
            "SELECT count(*) FROM reship_notification WHERE status = 'pending' AND created_at >= to_timestamp(%s)",
            [since],
        )
        if cursor.fetchone()[0] == 0:
            return time.time()
        time.sleep(poll)
    return float("nan")


def top_up_submissions(args, scenarios: Scenarios, work: Path, count: int, *, rate: float, label: str) -> int:
    """Submit ``count`` requests through the API with wrk (not measured), as sellers would; returns
    how many were sent (fewer when the seller has no more unclaimed order lines)."""
    extra = scenarios.submit(count)
    if not extra.lines:
        return 0
    path = work / f"{label}.requests"
    path.write_text("\n".join(extra.lines) + "\n")
    # wrk runs for its whole -d even when every thread has run out of lines: give it about the time
    # the submissions take at the measured rate.
    wrk(port=args.port, scenario=extra, seconds=int(len(extra.lines) / max(rate, 1.0) * 1.5) + 3,
        threads=args.threads, connections=args.connections, path=path)  # fmt: skip
    return len(extra.lines)


def bulk_approve_run(args, scenarios: Scenarios, stack: Stack, database: str, *, actions: int) -> dict | None:
    """``actions`` bulk approvals from the queue page, one after another with nothing else sent,
    each ticking the ``BULK_SIZE`` newest submitted requests; each is timed from the POST to the
    whole answer, and checked in the database (every ticked request left ``submitted``). The result
    has the shape of a wrk run's, so the table and the verdicts read it alike; None if not even one
    action had its requests (the seller ran out of order lines to submit)."""
    token = scenarios.queue_csrf_token()
    times_us: list[float] = []
    queries: list[int] = []
    bad, first_error = 0, ""
    started = time.time()
    cpu_before = cpu_snapshot(stack, database)
    with WaitSampler(stack.dsn, database) as waits:
        for index in range(actions):
            ids = scenarios.waiting_for_review(BULK_SIZE)
            if len(ids) < BULK_SIZE:
                scenarios.notes["bulk_approve"] = (
                    f"only {index} of {actions} actions: then {len(ids)} requests waited for review"
                )
                break
            headers, body = scenarios.bulk_approve_request(ids, token)
            began = time.perf_counter()
            status, response_headers, payload = http(args.port, "POST", "/partner/queue/approve/",
                                                     headers=headers, body=body)  # fmt: skip
            times_us.append((time.perf_counter() - began) * 1e6)
            count = header(response_headers, "X-Reship-Queries")
            if count is not None:
                queries.append(int(count))
            left = len(scenarios.waiting_for_review(BULK_SIZE, among=ids))
            if not 200 <= status < 300 or left:
                bad += 1
                first_error = first_error or f"{status}, {left} of {len(ids)} not approved: {payload[:300]!r}"
    ended = time.time()
    cpu_after = cpu_snapshot(stack, database)
    seconds = ended - started
    if not times_us:
        return None
    return {
        "requests": len(times_us),
        "duration_us": int(seconds * 1e6),
        "rps": len(times_us) / seconds if seconds else 0.0,
        "p50_us": percentile(times_us, 0.50),
        "p90_us": percentile(times_us, 0.90),
        "p95_us": percentile(times_us, 0.95),
        "p99_us": percentile(times_us, 0.99),
        "max_us": max(times_us),
        "mean_us": sum(times_us) / len(times_us),
        "ok": len(times_us) - bad,
        "non_2xx": bad,
        "connect_errors": 0,
        "read_errors": 0,
        "write_errors": 0,
        "timeouts": 0,
        "queries_total": sum(queries),
        "queries_counted": len(queries),
        "queries_min": min(queries, default=-1),
        "queries_max": max(queries, default=0),
        "exhausted_threads": 0,
        "first_error": first_error,
        "wrk_cpu_percent_of_one_core": 0.0,
        "sequential": True,
        "requests_per_action": BULK_SIZE,
        "action_ms": [round(value / 1000, 1) for value in times_us],
        "postgres_backends": waits.summary(),
        "started_at": started,
        "ended_at": ended,
        "cpu_percent_of_one_core": cpu_shares(cpu_before, cpu_after, seconds, 0.0),
    }


def notification_throughput(stack: Stack, *, rows: int, timeout: float = 300) -> dict:
    """Delivered/s of the stack's one Celery worker draining a backlog: ``bench.notify_throughput``
    (helper of issue 19's notification work) writes ``rows`` pending e-mail rows, copies of the newest
    one, hands them to Celery as the outbox does, times until none is pending (hand-over included)
    and deletes them again. Run in a process of its own with the stack's settings (database, broker,
    SMTP sink)."""
    done = subprocess.run(
        [sys.executable, "-m", "bench.notify_throughput", "--rows", str(rows), "--timeout", str(timeout)],
        cwd=REPO_ROOT, env=stack.env, capture_output=True, text=True, check=False, timeout=timeout + 120,
    )  # fmt: skip
    lines = done.stdout.strip().splitlines()
    try:
        figures = json.loads(lines[-1]) if done.returncode == 0 and lines else None
    except json.JSONDecodeError:
        figures = None
    if not isinstance(figures, dict):
        return {"error": (done.stderr or done.stdout)[-500:], "rows": rows, "per_second": None, "pending": rows}
    return figures


def paced_submissions(port: int, scenarios: Scenarios, *, count: int, per_second: float) -> list[int]:
    """Submit ``count`` requests one at a time at a steady pace, as a seller's system would."""
    pool = scenarios.submit(count * 2)
    ids = []
    interval = 1 / per_second
    for index, request_line in enumerate(pool.lines[:count]):
        fields = request_line.split("\t")
        headers = dict(field.split(": ", 1) for field in fields[3:])
        started = time.monotonic()
        status, _, body = http(port, fields[0], fields[1], headers=headers, body=fields[2].encode())
        if status != 201:
            raise SystemExit(f"paced submission {index} answered {status}: {body[:300]!r}")
        ids.append(json.loads(body)["id"])
        time.sleep(max(0.0, interval - (time.monotonic() - started)))
    return ids


# --- the machine ----------------------------------------------------------------------------------


def _git_state() -> dict:
    def run(*argv: str) -> str:
        try:
            return subprocess.run(argv, capture_output=True, text=True, cwd=REPO_ROOT, timeout=10).stdout.strip()
        except (OSError, subprocess.TimeoutExpired):
            return ""

    changed = run("git", "status", "--porcelain", "--untracked-files=no")
    return {"git_commit": run("git", "rev-parse", "HEAD"), "git_dirty": bool(changed), "git_changed_files": changed}


def machine(cursor) -> dict:
    def first(path: str, prefix: str) -> str:
        try:
            for text_line in Path(path).read_text().splitlines():
                if text_line.startswith(prefix):
                    return text_line.split(":", 1)[1].strip()
        except OSError:
            pass
        return ""

    def command(*argv: str) -> str:
        try:
            done = subprocess.run(argv, capture_output=True, text=True, cwd=REPO_ROOT, timeout=10, check=False)
            return (done.stdout or done.stderr).strip().splitlines()[0] if (done.stdout or done.stderr) else ""
        except (OSError, subprocess.TimeoutExpired):
            return ""

    cursor.execute("SELECT version()")
    postgres = cursor.fetchone()[0]
    cursor.execute(
        "SELECT name, setting, unit FROM pg_settings WHERE name IN ('shared_buffers', 'work_mem', "
        "'effective_cache_size', 'max_connections', 'random_page_cost', 'synchronous_commit', 'lc_collate', "
        "'jit', 'max_parallel_workers_per_gather')"
    )
    settings = {name: f"{value}{unit or ''}" for name, value, unit in cursor.fetchall()}
    import django
    import gunicorn

    dirty = command("git", "status", "--porcelain")
    return {
        "cpu": first("/proc/cpuinfo", "model name"),
        "cores": os.cpu_count(),
        "memory_gb": round(int(first("/proc/meminfo", "MemTotal").split()[0]) / 1024 / 1024, 1),
        "kernel": platform.release(),
        "python": platform.python_version(),
        "django": django.get_version(),
        "gunicorn": gunicorn.__version__,
        "postgres": postgres,
        "postgres_settings": settings,
        "redis": command("redis-server", "--version"),
        "wrk": command("wrk", "--version"),
        "load_average": Path("/proc/loadavg").read_text().split()[:3],
        "git_commit": command("git", "rev-parse", "HEAD"),
        "git_dirty": bool(dirty),
    }


# --- the table ----------------------------------------------------------------------------------


def _fmt(value, digits: int = 1) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "-"
    return f"{value:,.{digits}f}"


def verdicts(results: dict, floor_rps: float, targets: dict[str, Target]) -> dict[str, list[str] | None]:
    """Each scenario's misses against ``targets`` (an empty list: PASS); None where it has no target
    there (the floor; a scenario an issue did not name)."""
    misses: dict[str, list[str] | None] = {}
    for name, result in results.items():
        target = targets.get(name)
        if target is None or name == "floor":
            misses[name] = None
            continue
        missed = []
        if result["non_2xx"] or result["timeouts"] or result["connect_errors"] or result["read_errors"]:
            missed.append("errors")
        if result["requests"] < MIN_RESPONSES and not result.get("sequential"):
            missed.append(f"only {result['requests']} responses in {result['duration_us'] / 1e6:.0f} s")
        if target.p95_ms is not None and result["p95_us"] / 1000 > target.p95_ms:
            missed.append(f"p95 > {target.p95_ms:g} ms")
        if target.floor_share is not None and floor_rps and result["rps"] / floor_rps < target.floor_share:
            missed.append(f"< {target.floor_share:.0%} of floor")
        if target.max_queries is not None and result["queries_max"] > target.max_queries:
            missed.append(f"> {target.max_queries} q")
        if result.get("exhausted_threads"):
            # wrk divides by its whole -d even after a thread stopped: the rate would be understated.
            missed.append("prepared requests ran out (rate understated)")
        misses[name] = missed
    return misses


def target_text(target: Target | None) -> str:
    if target is None:
        return ""
    parts = []
    if target.p95_ms is not None:
        parts.append(f"p95≤{target.p95_ms:g}ms")
    if target.floor_share is not None:
        parts.append(f"≥{target.floor_share:.0%} floor")
    if target.max_queries is not None:
        parts.append(f"≤{target.max_queries} q")
    return ", ".join(parts)


def _verdict(missed: list[str] | None) -> str:
    return "-" if missed is None else ("PASS" if not missed else "MISS")


def table(results: dict, floor_rps: float, misses_7: dict, misses_19: dict, other_queries: dict) -> str:
    """One row per scenario: the figures, then PASS/MISS against issue 7's targets (where they still
    apply) and issue 19's, the issue-19 target, and what missed."""
    head = (
        f"{'scenario':<22} {'req/s':>8} {'p50 ms':>8} {'p95 ms':>8} {'p99 ms':>8} {'queries':>9} "
        f"{'x floor':>8} {'non-2xx':>8} {'wrk cpu':>8}  {'issue 7':<7} {'issue 19':<8} {'issue-19 target':<30} missed"
    )
    rows = [head, "-" * len(head)]
    for name, result in results.items():
        queries = result["queries_total"] / result["queries_counted"] if result["queries_counted"] else float("nan")
        spread = (
            f"{queries:.1f}"
            if result["queries_min"] == result["queries_max"]
            else (f"{result['queries_min']}-{result['queries_max']}")
        )
        if name in other_queries and result["queries_counted"]:
            spread += "*" if other_queries[name][1] != result["queries_max"] else ""
        if not result["queries_counted"]:
            spread = "-"
        missed = []
        if misses_7.get(name):
            missed.append("7: " + ", ".join(misses_7[name]))
        if misses_19.get(name):
            missed.append("19: " + ", ".join(misses_19[name]))
        share = None if result.get("sequential") or not floor_rps else result["rps"] / floor_rps
        target = "(the reference)" if name == "floor" else target_text(TARGETS_19.get(name))
        rows.append(
            f"{name:<22} {_fmt(result['rps']):>8} {_fmt(result['p50_us'] / 1000):>8} "
            f"{_fmt(result['p95_us'] / 1000):>8} {_fmt(result['p99_us'] / 1000):>8} {spread:>9} "
            f"{_fmt(share, 2):>8} "
            f"{result['non_2xx'] + result['timeouts']:>8} {_fmt(result['wrk_cpu_percent_of_one_core'], 0) + '%':>8}  "
            f"{_verdict(misses_7.get(name)):<7} {_verdict(misses_19.get(name)):<8} {target:<30} {'; '.join(missed)}"
        )
    return "\n".join(rows)


def other_scale_queries(scale: Scale) -> tuple[dict, str]:
    """Query counts (min, max) per scenario from the latest result of the other scale, if any."""
    other = [path for path in sorted(RESULTS_DIR.glob("*.json")) if not path.name.endswith(f"-{scale.name}.json")]
    if not other:
        return {}, ""
    data = json.loads(other[-1].read_text())
    return {
        name: (result["queries_min"], result["queries_max"]) for name, result in data.get("scenarios", {}).items()
    }, other[-1].name


# --- main -----------------------------------------------------------------------------------------


def main(argv: list[str] | None = None) -> int:
    cores = os.cpu_count() or 1
    parser = argparse.ArgumentParser(prog="python -m bench.run", description=__doc__.split("\n\n")[0])
    parser.add_argument("--scale", choices=sorted(SCALES), default="small")
    parser.add_argument("--port", type=int, default=8765)
    parser.add_argument("--workers", type=int, default=2 * cores, help="gunicorn sync workers (default 2 × cores)")
    parser.add_argument("--connections", type=int, default=2 * cores, help="wrk connections (default 2 × cores)")
    parser.add_argument("--threads", type=int, default=min(2, cores), help="wrk threads (default 2)")
    parser.add_argument("--only", nargs="*", default=None, help="run only these scenarios (floor always runs)")
    parser.add_argument("--duration", type=int, default=None, help="seconds measured per scenario")
    parser.add_argument("--warmup", type=int, default=None, help="seconds of warm-up per scenario")
    parser.add_argument("--no-latency", action="store_true", help="skip the commit → delivered measurement")
    parser.add_argument(
        "--bulk-actions",
        type=int,
        default=10,
        help=f"bulk approvals of {BULK_SIZE} requests each, timed one at a time (default 10)",
    )
    parser.add_argument(
        "--notify-rows",
        type=int,
        default=None,
        help="pending notification rows the worker drains (default 5,000 full, 1,000 small)",
    )
    args = parser.parse_args(argv)
    scale = SCALES[args.scale]
    if args.duration or args.warmup:
        from dataclasses import replace

        scale = replace(
            scale,
            duration_seconds=args.duration or scale.duration_seconds,
            warmup_seconds=args.warmup or scale.warmup_seconds,
        )
    url = database_url(scale)
    state_file = credentials_path(url)
    if not state_file.exists():
        raise SystemExit(f"No {state_file}: build the database first with python -m bench.load --scale {scale.name}")
    state = json.loads(state_file.read_text())
    if state["database_url"] != url:
        raise SystemExit(f"{state_file} describes {state['database_url']}, not {url}")

    runs_before = state.get("runs_since_load", 0)
    # Each run adds requests (submissions, approvals): numbers compare best on a freshly loaded database.
    state["runs_since_load"] = runs_before + 1
    state_file.write_text(json.dumps(state, indent=2, ensure_ascii=False))
    stamp = datetime.now(UTC).strftime("%Y%m%d-%H%M%S")
    work = STATE_DIR / f"run-{stamp}-{scale.name}"
    work.mkdir(parents=True, exist_ok=True)
    redis_url = os.environ.get("BENCH_REDIS_URL", DEFAULT_REDIS_URL)
    stack = Stack(url=url, redis_url=redis_url, port=args.port, workers=args.workers, log_dir=work)
    import dj_database_url

    db = dj_database_url.parse(url)
    stack.dsn = {
        "dbname": db["NAME"], "user": db.get("USER") or None, "password": db.get("PASSWORD") or None,
        "host": db.get("HOST") or None, "port": db.get("PORT") or None,
    }  # fmt: skip
    connection = psycopg2.connect(**stack.dsn)
    connection.autocommit = True
    cursor = connection.cursor()
    load_before = Path("/proc/loadavg").read_text().split()[:3]
    # The code the servers load now (the tree may change while the run goes on).
    git_at_start = _git_state()
    say(f"Benchmark, {scale.name} scale, database {db['NAME']}; logs in {work}; load average {' '.join(load_before)}")
    say(f"code: {git_at_start['git_commit'][:12]}{' + uncommitted changes' if git_at_start['git_dirty'] else ''}")
    if runs_before:
        say(f"NOTE: {runs_before} earlier run(s) since this database was loaded added requests to it; "
            f"re-load (python -m bench.load) for numbers comparable with other loads")  # fmt: skip
    say(f"gunicorn: {args.workers} sync workers; wrk: {args.threads} threads, {args.connections} connections, "
        f"{scale.warmup_seconds} s warm-up + {scale.duration_seconds} s per scenario")  # fmt: skip
    results: dict[str, dict] = {}
    descriptions: dict[str, str] = {}
    notes: dict[str, str] = {}
    try:
        say(f"redis: {stack.redis_ensure()} ({redis_url})")
        stack.collectstatic()
        stack.queue_purge()
        stack.smtp_sink_start()
        stack.worker_start()
        stack.gunicorn_start()
        stack.wait_healthy()
        seller_cookie = login(args.port, state["seller"]["username"], state["password"])
        partner_cookie = login(args.port, state["partner"]["username"], state["password"])
        scenarios = Scenarios(
            cursor=cursor, state=state, port=args.port, seller_cookie=seller_cookie, partner_cookie=partner_cookie
        )
        wanted = set(args.only or [*TARGETS, "notify_throughput"])
        reads = [
            scenarios.floor,
            scenarios.review_queue,
            scenarios.request_list,
            scenarios.request_detail,
            scenarios.to_ship,
            scenarios.search_tracking,
            scenarios.search_phone,
            scenarios.dashboard,
        ]
        if "statement_page" in wanted:
            reads.append(scenarios.statement_page)
        nocache_port = args.port + 2  # the SMTP sink has port + 1
        reads.insert(reads.index(scenarios.dashboard) + 1, lambda: scenarios.dashboard_nocache(nocache_port))
        for build in reads:
            scenario = build()
            if scenario.name != "floor" and scenario.name not in wanted:
                continue
            if scenario.port is not None:
                # A second server, for this scenario only: same code, database and Redis; only its
                # figures cache is off (RESHIP_EVALUATION_CACHE_SECONDS=0, read at start).
                stack.gunicorn_start("gunicorn-nocache", scenario.port, {"RESHIP_EVALUATION_CACHE_SECONDS": "0"})
                stack.wait_healthy(port=scenario.port)
                prime(scenario, args.workers)
            say(f"- {scenario.name}: {scenario.description}; smoke: {smoke(args.port, scenario)}")
            results[scenario.name] = run_scenario(args, scenario, scale, work, stack, db["NAME"])
            descriptions[scenario.name] = scenario.description
            say(f"    {_summary(results[scenario.name])}")
            if results[scenario.name]["requests"] < MIN_RESPONSES:
                alone = serial_probe(args.port, scenario)
                results[scenario.name]["alone_ms"] = alone
                notes[scenario.name] = "one request at a time, nothing else running: " + ", ".join(
                    f"{value:,.0f} ms" for value in alone
                )
                say(f"    {notes[scenario.name]}")
            if scenario.port is not None:
                stack.stop_one("gunicorn-nocache")
        floor_rps = results["floor"]["rps"]
        # Writes: submissions are prepared for the fastest they could go (the floor's rate); approvals
        # for three times the submission rate (each needs a request waiting for review, made first).
        seconds = scale.warmup_seconds + scale.duration_seconds
        pool = int(floor_rps * seconds * 1.2) + 100
        window = {}
        for name in ("submit", "approve"):
            if name not in wanted:
                continue
            if name == "approve" and "submit" in results:
                pool = min(pool, int(3 * results["submit"]["rps"] * seconds) + 100)
            scenario = scenarios.submit(pool) if name == "submit" else scenarios.approve(pool)
            if len(scenario.lines) < pool and name == "approve":
                # Not enough waiting for review: submit more first (unmeasured), as sellers would.
                rate = results["submit"]["rps"] if "submit" in results else 5.0
                added = top_up_submissions(args, scenarios, work, pool - len(scenario.lines), rate=rate, label="topup")
                say(f"  topped up the approval pool with {added} submissions (not measured)")
                scenario = scenarios.approve(pool)
            say(f"- {name}: {scenario.description}; {len(scenario.lines):,} distinct requests prepared")
            results[name] = run_scenario(args, scenario, scale, work, stack, db["NAME"])
            descriptions[name] = scenario.description
            window[name] = (results[name]["started_at"], results[name]["ended_at"])
            say(f"    {_summary(results[name])}")
        notes.update(scenarios.notes)
        submit_rate = results["submit"]["rps"] if "submit" in results else 5.0

        say("- notifications: commit → delivered by the worker")
        latency = {}
        if window:
            since = min(start for start, _ in window.values())
            until = max(end for _, end in window.values())
            drained_at = wait_for_delivery(cursor, since=since)
            latency["under_write_load"] = {
                **notification_latency(cursor, since=since, until=until),
                "queue_drained_after_s": round(drained_at - until, 2),
            }
            under = latency["under_write_load"]
            say(f"    during submit/approve load ({under['rows']} notifications): p50 {_fmt(under['p50_ms'])} ms, "
                f"p95 {_fmt(under['p95_ms'])} ms, queue drained {_fmt(under['queue_drained_after_s'])} s after "
                f"the load's end, {under['delivered_per_second']} delivered/s")  # fmt: skip

        if "bulk_approve" in wanted and args.bulk_actions > 0:
            # Enough requests waiting for review, submitted first (not measured); their notifications
            # delivered before the actions, so each action is timed with nothing else going on.
            need = args.bulk_actions * BULK_SIZE
            topped = time.time()
            for _ in range(5):  # a few submissions may not reach the queue (a line claimed meanwhile, …)
                waiting = len(scenarios.waiting_for_review(need))
                if waiting >= need:
                    break
                missing = need - waiting
                added = top_up_submissions(args, scenarios, work, missing + missing // 10 + 5, rate=submit_rate,
                                           label="bulk")  # fmt: skip
                say(f"  topped up the review queue with {added} submissions for bulk approval (not measured)")
                if not added:
                    break
            wait_for_delivery(cursor, since=topped, timeout=600)
            description = (f"POST /partner/queue/approve/ ({BULK_SIZE} ticked requests, htmx, biggest partner), "
                           f"{args.bulk_actions} actions one at a time")  # fmt: skip
            say(f"- bulk_approve: {description}")
            result = bulk_approve_run(args, scenarios, stack, db["NAME"], actions=args.bulk_actions)
            if result is None:
                say("    not measured: too few requests wait for review")
            else:
                results["bulk_approve"] = result
                descriptions["bulk_approve"] = description
                say(f"    {_summary(result)}; each action (ms): {', '.join(f'{v:,.0f}' for v in result['action_ms'])}")
                drained_at = wait_for_delivery(cursor, since=result["started_at"])
                latency["bulk_approve"] = {
                    **notification_latency(cursor, since=result["started_at"], until=result["ended_at"]),
                    "queue_drained_after_s": round(drained_at - result["ended_at"], 2),
                }
                bulk = latency["bulk_approve"]
                say(f"    its {bulk['rows']} notifications: p50 {_fmt(bulk['p50_ms'])} ms, p95 {_fmt(bulk['p95_ms'])} "
                    f"ms, queue drained {_fmt(bulk['queue_drained_after_s'])} s after the last action")  # fmt: skip

        notes.update(scenarios.notes)

        started = time.time()
        ids = []
        if not args.no_latency:
            ids = paced_submissions(args.port, scenarios, count=scale.latency_samples, per_second=5)
        wait_for_delivery(cursor, since=started)
        latency["paced"] = {
            **notification_latency(cursor, since=started, until=time.time(), request_ids=ids),
            "submissions": len(ids),
            "per_second": 5,
        }
        say(f"    paced (5 submissions/s, {latency['paced']['rows']} notifications): "
            f"p50 {_fmt(latency['paced']['p50_ms'])} ms, p95 {_fmt(latency['paced']['p95_ms'])} ms")  # fmt: skip

        if "notify_throughput" in wanted:
            rows = args.notify_rows or (5000 if scale.name == "full" else 1000)
            say(f"- notification throughput: one worker delivering {rows:,} pending e-mail rows")
            latency["throughput"] = rate = notification_throughput(stack, rows=rows)
            if "error" in rate:
                say(f"    could not be measured: {rate['error']}")
            else:
                say(f"    {_fmt(rate['per_second'])} delivered/s: {rate['rows']:,} rows in {rate['seconds']} s "
                    f"(handed to Celery in {rate['handed_over_s']} s), {rate['pending']} left pending")  # fmt: skip
        memory = {pid: round(rss_mb(pid), 1) for pid in stack.web_workers()}
        worker_memory = {}
        for entry in Path("/proc").iterdir():
            if entry.name.isdigit():
                try:
                    if f"bench-{os.getpid()}@" in (entry / "cmdline").read_text():
                        worker_memory[int(entry.name)] = round(rss_mb(int(entry.name)), 1)
                except OSError:
                    continue
        machine_info = machine(cursor)
        emails = stack.emails_received()
        machine_info["load_average_before"] = load_before
        machine_info.update(git_at_start)
    finally:
        stack.stop()

    misses = verdicts(results, floor_rps, {name: TARGETS[name] for name in ISSUE_7_NAMES})
    misses_19 = verdicts(results, floor_rps, TARGETS_19)
    other_queries, other_name = other_scale_queries(scale)
    say("")
    say(f"Reship benchmark — {scale.name} scale ({state['counts'].get('orders', 0):,} orders, "
        f"{state['counts'].get('reship requests', 0):,} requests), {machine_info['cores']} cores "
        f"{machine_info['cpu']}, {args.workers} gunicorn sync workers, wrk -t{args.threads} -c{args.connections} "
        f"-d{scale.duration_seconds}s")  # fmt: skip
    say(table(results, floor_rps, misses, misses_19, other_queries))
    if other_queries:
        say(f"queries: min-max per request; * = differs from {other_name}")
    paced = latency["paced"]
    notification_ok = paced["p95_ms"] <= NOTIFICATION_P95_MS and paced["not_sent"] == 0
    notification_19 = paced["p95_ms"] <= NOTIFICATION_P95_MS_19 and paced["not_sent"] == 0
    say(f"{'notification':<16} commit → delivered, paced: p50 {_fmt(paced['p50_ms'])} ms, p95 "
        f"{_fmt(paced['p95_ms'])} ms, p99 {_fmt(paced['p99_ms'])} ms over {paced['sent']} rows  "
        f"(issue 7: p95 ≤ {NOTIFICATION_P95_MS} ms {'PASS' if notification_ok else 'MISS'}; "
        f"issue 19: p95 ≤ {NOTIFICATION_P95_MS_19} ms {'PASS' if notification_19 else 'MISS'})")  # fmt: skip
    for key, label in (("under_write_load", "the submit/approve runs"), ("bulk_approve", "the bulk approvals")):
        if key not in latency:
            continue
        under = latency[key]
        drained = under["queue_drained_after_s"]
        drained_ok = not math.isnan(drained) and drained <= DRAIN_SECONDS_19
        say(f"{'':<16} during {label}: p50 {_fmt(under['p50_ms'])} ms, p95 {_fmt(under['p95_ms'])} ms over "
            f"{under['sent']} rows, {under['delivered_per_second']} delivered/s; queue drained {_fmt(drained)} s "
            f"after their end (issue 19: ≤ {DRAIN_SECONDS_19} s {'PASS' if drained_ok else 'MISS'})")  # fmt: skip
    if "throughput" in latency:
        rate = latency["throughput"]
        rate_ok = (rate["per_second"] or 0) >= NOTIFICATION_RATE_19 and rate["pending"] == 0
        say(f"{'':<16} one worker delivering {rate['rows']:,} pending e-mail rows: {_fmt(rate['per_second'])} "
            f"delivered/s, {rate['pending']} left pending (issue 19: ≥ {NOTIFICATION_RATE_19}/s "
            f"{'PASS' if rate_ok else 'MISS'})")  # fmt: skip
    memory_ok = all(value <= WORKER_RSS_MB for value in memory.values())
    say(f"{'web memory':<16} RSS after the run, per gunicorn worker (MB): "
        f"{', '.join(f'{v:.0f}' for v in memory.values())}  (target ≤ {WORKER_RSS_MB} MB) "
        f"{'PASS' if memory_ok else 'MISS'}")  # fmt: skip
    say(f"{'celery memory':<16} RSS per worker process (MB): {', '.join(f'{v:.0f}' for v in worker_memory.values())}")
    load_ok = state["load_seconds"] <= LOAD_SECONDS
    say(f"{'load':<16} {state['load_seconds']:.0f} s to build this database (target ≤ {LOAD_SECONDS} s at full scale)"
        f" {'PASS' if load_ok else 'MISS'}")  # fmt: skip
    for name, note in notes.items():
        say(f"note: {name}: {note}")

    RESULTS_DIR.mkdir(exist_ok=True)
    output = RESULTS_DIR / f"{stamp}-{scale.name}.json"
    output.write_text(
        json.dumps(
            {
                "scale": asdict(scale),
                "counts": state["counts"],
                "load_seconds": state["load_seconds"],
                "load_phases": state.get("load_phases", {}),
                "machine": machine_info,
                "server": {
                    "gunicorn_workers": args.workers,
                    "worker_class": "sync",
                    "wrk_threads": args.threads,
                    "wrk_connections": args.connections,
                    "settings": "reship.config.settings.production",
                },
                "runs_since_load_before_this": runs_before,
                "emails_received_by_sink": emails,
                "floor_rps": floor_rps,
                "scenarios": {
                    name: {
                        **result,
                        "description": descriptions[name],
                        "target": asdict(TARGETS[name]) if name in ISSUE_7_NAMES else None,
                        "misses": misses[name],
                        "target_19": asdict(TARGETS_19[name]) if name in TARGETS_19 else None,
                        "misses_19": misses_19[name],
                    }
                    for name, result in results.items()
                },  # fmt: skip
                "notifications": latency,
                "web_worker_rss_mb": list(memory.values()),
                "celery_worker_rss_mb": list(worker_memory.values()),
                "notes": notes,
            },
            indent=2,
            default=str,
        )
    )
    say(f"\nWrote {output.relative_to(REPO_ROOT)}")
    return 0


def _summary(result: dict) -> str:
    queries = result["queries_total"] / result["queries_counted"] if result["queries_counted"] else float("nan")
    text = "PREPARED REQUESTS RAN OUT (rate understated); " if result.get("exhausted_threads") else ""
    text += (
        f"{result['rps']:,.1f} req/s, p50 {result['p50_us'] / 1000:.1f} ms, p95 {result['p95_us'] / 1000:.1f} ms, "
        f"p99 {result['p99_us'] / 1000:.1f} ms, {queries:.1f} queries (max {result['queries_max']}), "
        f"{result['non_2xx']} non-2xx, wrk {result['wrk_cpu_percent_of_one_core']:.0f}% of a core"
    )
    waits = result.get("postgres_backends")
    if waits:
        text += "; active backends on average: " + ", ".join(f"{name} {value}" for name, value in waits.items())
    cpu = result.get("cpu_percent_of_one_core")
    if cpu:
        text += (
            f"; CPU (% of one core): web {cpu['web']:.0f}, postgres {cpu['postgres']:.0f}, celery {cpu['celery']:.0f}, "
            f"redis+smtp {cpu['redis+smtp']:.0f}, wrk {cpu['wrk']:.0f}, other {cpu['other']:.0f}"
        )
    if result["first_error"]:
        text += f"; first error: {result['first_error'][:200]}"
    return text


if __name__ == "__main__":
    sys.exit(main())

"""Reship as several nodes, for real: two gunicorn web nodes, two Celery workers and two beats, all
started here as processes under the production profile, sharing only one PostgreSQL database (made
for this test and dropped after), one Redis database and one S3 bucket (moto's server).

One request goes through alternating nodes — signed in on one, the session used on the other, an
evidence photo uploaded through one and downloaded through the other, every step of the workflow
on the node the last one did not use — and then:

- every notification row is sent, and every email reached the SMTP sink exactly once (counted by
  the Message-ID, which carries the row's delivery key) although both workers consumed the queue;
- every periodic job was sent by the one beat holding redbeat's lock (the other waited), never
  twice for one interval: the workers record each run's sender (the message's ``origin``) and its
  send time (beat sets ``expires`` to the send time plus the interval);
- stopped, the first beat hands over: the second takes the lock and goes on with the same schedule,
  still once per interval.

Who ran what is read from the messages (``tests/multinode/task_sink.py``, loaded into the workers),
not from log lines, whose format is the logging settings' business.
"""

from __future__ import annotations

import email
import json
import os
import re
import secrets
import signal
import socket
import socketserver
import subprocess
import sys
import threading
import time
import uuid
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import ExitStack
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from email import policy
from pathlib import Path
from typing import Any

import psycopg2
import pytest
import redis
import requests
from django.conf import settings
from django.db import connection

from tests.celery_support import redis_url_with_db, spawn, wait_until
from tests.live_support import REPO_ROOT, clean_environment, database_url
from tests.multinode.seed import MARKER
from tests.multinode.task_sink import SINK_ENV
from tests.storage_support import moto_endpoint, s3_client, storage_url  # noqa: F401 - a fixture

pytestmark = [pytest.mark.multinode, pytest.mark.postgres, pytest.mark.redis]

SWEEP_SECONDS = 2  # the sweeper's schedule here (RESHIP_NOTIFY_SWEEP_INTERVAL_SECONDS)
BEAT_MAX_INTERVAL = 1  # a waiting beat asks for the lock this often
BEAT_LOCK_TIMEOUT = 10
LOCK_KEY = "reship:beat:lock"  # CELERY_REDBEAT_LOCK_KEY
# A Redis database of this test's own, one per pytest-xdist process (tests/celery_support.py's idea,
# other numbers: its worker tests flush theirs, which would drop this test's lock and messages).
_REDIS_DBS = (6, 5, 4, 3)
REDIS_DB = _REDIS_DBS[int(os.environ.get("PYTEST_XDIST_WORKER", "gw0").removeprefix("gw") or 0) % len(_REDIS_DBS)]
START_SECONDS = 90  # for a process to be ready, on a loaded machine
DELIVERY_SECONDS = 60
# Beat's clock is read twice per send (due check, then the message's expiry): a few ms apart.
CLOCK_SLACK = timedelta(milliseconds=250)
PHOTO = (
    b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x02\x00\x00\x00\x90wS\xde"
    b"\x00\x00\x00\x0cIDATx\x9cc\xf8\xcf\xc0\x00\x00\x03\x01\x01\x00\xc9\xfe\x92\xef"
    b"\x00\x00\x00\x00IEND\xaeB`\x82"
)
SESSION_COOKIE = "__Host-sessionid"  # the production profile's cookie names
CSRF_COOKIE = "__Host-csrftoken"


# --- the processes --------------------------------------------------------------------------


@dataclass
class Process:
    name: str
    popen: subprocess.Popen
    log_path: Path

    def log(self, tail: int = 3000) -> str:
        return self.log_path.read_text(errors="replace")[-tail:] if self.log_path.exists() else ""

    def stop(self, timeout: float = 20) -> None:
        """SIGTERM to its whole process group (gunicorn's and Celery's children too), SIGKILL if it
        does not end in time. Safe to call twice."""
        if self.popen.poll() is None:
            self._signal(signal.SIGTERM)
            try:
                self.popen.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                pass
        self._signal(signal.SIGKILL)  # whatever of the group is left
        self.popen.wait(timeout=10)

    def _signal(self, signum: int) -> None:
        try:
            os.killpg(self.popen.pid, signum)  # start_new_session: the group id is its pid
        except ProcessLookupError:
            pass


def start(name: str, argv: list[str], *, env: dict[str, str], log_dir: Path, pass_fds: tuple[int, ...] = ()) -> Process:
    log_path = log_dir / f"{name}.log"
    popen = spawn(argv, env=env, log_path=log_path, mode="wb", pass_fds=pass_fds)
    return Process(name=name, popen=popen, log_path=log_path)


def manage(env: dict[str, str], *args: str) -> str:
    result = subprocess.run(  # noqa: S603 - our interpreter, fixed arguments
        [sys.executable, "manage.py", *args], cwd=REPO_ROOT, env=env, capture_output=True, text=True, timeout=300
    )
    assert result.returncode == 0, f"manage.py {args[0]} failed:\n{result.stdout[-3000:]}\n{result.stderr[-3000:]}"
    return result.stdout


def wait_for(what: str, predicate: Callable[[], object], *, timeout: float, logs: Callable[[], str]) -> None:
    if not wait_until(predicate, timeout=timeout, interval=0.2):
        pytest.fail(f"{what}: not within {timeout} s\n{logs()}")


# --- the sinks: mail and the workers' task runs ---------------------------------------------


class SmtpSink(socketserver.ThreadingTCPServer):
    """An SMTP server on 127.0.0.1 that accepts every message and keeps it, for both workers."""

    daemon_threads = True
    allow_reuse_address = True

    def __init__(self) -> None:
        super().__init__(("127.0.0.1", 0), _SmtpSession)
        self.messages: list[email.message.Message] = []
        self.lock = threading.Lock()

    @property
    def port(self) -> int:
        return self.server_address[1]

    def delivery_keys(self) -> Counter:
        """Messages received per notification delivery key (the Message-ID is ``<key@domain>``)."""
        with self.lock:
            ids = [str(message["Message-ID"]) for message in self.messages]
        return Counter(re.sub(r"^<([^@>]+)@.*$", r"\1", message_id.strip()) for message_id in ids)


class _SmtpSession(socketserver.StreamRequestHandler):
    server: SmtpSink

    def handle(self) -> None:
        self.wfile.write(b"220 multinode-sink ESMTP\r\n")
        data: list[bytes] | None = None
        while line := self.rfile.readline():
            if data is not None:
                if line in (b".\r\n", b".\n"):
                    message = email.message_from_bytes(b"".join(data), policy=policy.default)
                    with self.server.lock:
                        self.server.messages.append(message)
                    data = None
                    self.wfile.write(b"250 2.0.0 queued\r\n")
                else:
                    data.append(line[1:] if line.startswith(b"..") else line)
                continue
            command = line[:4].upper()
            if command in (b"EHLO", b"HELO"):
                self.wfile.write(b"250-multinode-sink\r\n250-8BITMIME\r\n250 SMTPUTF8\r\n")
            elif command == b"DATA":
                data = []
                self.wfile.write(b"354 end with <CRLF>.<CRLF>\r\n")
            elif command == b"QUIT":
                self.wfile.write(b"221 bye\r\n")
                return
            else:  # MAIL, RCPT, RSET, NOOP
                self.wfile.write(b"250 ok\r\n")


def task_runs(path: Path) -> list[dict[str, Any]]:
    if not path.exists():
        return []
    return [json.loads(line) for line in path.read_text().splitlines() if line.strip()]


def origin_pid(run: dict[str, Any]) -> int | None:
    """The sending process's id from Celery's ``origin`` header, ``gen<pid>@<host>``."""
    found = re.match(r"gen(\d+)@", run.get("origin") or "")
    return int(found.group(1)) if found else None


def sent_at(run: dict[str, Any], interval: float) -> datetime:
    """When beat sent a periodic job's message: its expiry less the schedule's interval."""
    return datetime.fromisoformat(run["expires"]) - timedelta(seconds=interval)


# --- the database ---------------------------------------------------------------------------


def _server_url() -> str:
    return database_url(connection.settings_dict).rpartition("/")[0]


def _postgres(server: str, *statements: str) -> None:
    admin = psycopg2.connect(f"{server}/postgres")
    admin.autocommit = True
    try:
        with admin.cursor() as cursor:
            for statement in statements:
                cursor.execute(statement)
    finally:
        admin.close()


def rows(url: str, sql: str) -> list[tuple]:
    with psycopg2.connect(url) as reading, reading.cursor() as cursor:
        cursor.execute(sql)
        answer = cursor.fetchall()
    reading.close()
    return answer


# --- the cluster ----------------------------------------------------------------------------


@dataclass
class Node:
    name: str
    port: int
    process: Process

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"


@dataclass
class Cluster:
    database_url: str
    broker: redis.Redis
    bucket: str
    s3: Any
    media_root: Path
    seed: dict[str, Any]
    mail: SmtpSink
    task_sink: Path
    nodes: list[Node] = field(default_factory=list)
    workers: list[Process] = field(default_factory=list)
    beats: list[Process] = field(default_factory=list)
    contended_since: float = 0.0  # both beats up from then on

    def logs(self) -> str:
        processes = [node.process for node in self.nodes] + self.workers + self.beats
        return "\n".join(f"--- {process.name} (exit {process.popen.poll()})\n{process.log()}" for process in processes)


@pytest.fixture
def cluster(moto_endpoint, tmp_path) -> Iterator[Cluster]:  # noqa: F811 - the fixture imported above
    """Everything the test runs on, torn down in reverse order whatever happens (ExitStack)."""
    with ExitStack() as teardown:
        server = _server_url()
        db_name = f"multinode_{uuid.uuid4().hex[:12]}"
        _postgres(server, f'CREATE DATABASE "{db_name}"')
        teardown.callback(_postgres, server, f'DROP DATABASE IF EXISTS "{db_name}" WITH (FORCE)')
        db_url = f"{server}/{db_name}"

        broker_url = redis_url_with_db(settings.REDIS_URL, REDIS_DB)
        broker = redis.Redis.from_url(broker_url, socket_connect_timeout=2)
        broker.flushdb()
        teardown.callback(broker.close)
        teardown.callback(broker.flushdb)

        bucket = f"multinode-{uuid.uuid4().hex[:12]}"
        s3 = s3_client(moto_endpoint)
        s3.create_bucket(Bucket=bucket)

        mail = SmtpSink()
        threading.Thread(target=mail.serve_forever, daemon=True).start()
        teardown.callback(mail.server_close)
        teardown.callback(mail.shutdown)

        media_root = tmp_path / "media-must-stay-empty"
        task_sink = tmp_path / "task-runs.jsonl"
        env = clean_environment(
            DJANGO_SETTINGS_MODULE="reship.config.settings.production",
            SECRET_KEY=secrets.token_urlsafe(50),
            ALLOWED_HOSTS="127.0.0.1",
            DATABASE_URL=db_url,
            REDIS_URL=broker_url,
            STORAGE_URL=storage_url(bucket, moto_endpoint),
            MEDIA_ROOT=str(media_root),
            STATIC_ROOT=str(tmp_path / "static"),
            EMAIL_HOST="127.0.0.1",
            EMAIL_PORT=str(mail.port),
            EMAIL_USE_TLS="false",
            SITE_URL="https://reship.example.com",
            RESHIP_NOTIFY_SWEEP_INTERVAL_SECONDS=str(SWEEP_SECONDS),
            RESHIP_BEAT_MAX_INTERVAL_SECONDS=str(BEAT_MAX_INTERVAL),
            RESHIP_BEAT_LOCK_TIMEOUT_SECONDS=str(BEAT_LOCK_TIMEOUT),
            PYTHONUNBUFFERED="1",
            **{SINK_ENV: str(task_sink)},
        )
        manage(env, "migrate", "--noinput")
        manage(env, "collectstatic", "--noinput")  # the production profile serves from its manifest
        output = manage(env, "shell", "-c", "from tests.multinode.seed import main; main()")
        seed = json.loads(output.split(MARKER, 1)[1].splitlines()[0])

        cluster = Cluster(
            database_url=db_url,
            broker=broker,
            bucket=bucket,
            s3=s3,
            media_root=media_root,
            seed=seed,
            mail=mail,
            task_sink=task_sink,
        )
        # Stopped before the database is dropped and Redis flushed (registered after them).
        teardown.callback(lambda: [process.stop() for process in cluster.beats + cluster.workers])
        teardown.callback(lambda: [node.process.stop() for node in cluster.nodes])

        for name in ("a", "b"):
            # Each node gets its listening socket from here (no race for a free port) and a metrics
            # folder of its own (two gunicorns on one machine would share the default one).
            listener = socket.create_server(("127.0.0.1", 0))
            teardown.callback(listener.close)
            listener.set_inheritable(True)
            node_env = {**env, "PROMETHEUS_MULTIPROC_DIR": str(tmp_path / f"prometheus-{name}")}
            argv = [sys.executable, "-m", "gunicorn", "reship.config.wsgi:application"]
            argv += ["--bind", f"fd://{listener.fileno()}", "--workers", "2", "--timeout", "60"]
            argv += ["--config", "python:reship.config.gunicorn"]
            process = start(f"web-{name}", argv, env=node_env, log_dir=tmp_path, pass_fds=(listener.fileno(),))
            cluster.nodes.append(Node(name=name, port=listener.getsockname()[1], process=process))
        for name in ("a", "b"):
            argv = [sys.executable, "-m", "celery", "-A", "reship", "worker", "-n", f"{name}@%h"]
            argv += ["-Q", "celery,webhooks", "--concurrency", "2", "--include", "tests.multinode.task_sink"]
            cluster.workers.append(start(f"worker-{name}", argv, env=env, log_dir=tmp_path))
        beat_argv = [sys.executable, "-m", "celery", "-A", "reship", "beat", "-l", "info"]
        cluster.beats.append(start("beat-1", beat_argv, env=env, log_dir=tmp_path))

        for node in cluster.nodes:
            wait_for(f"{node.name} ready", lambda node=node: _ready(node), timeout=START_SECONDS, logs=cluster.logs)

        def workers_ready() -> bool:
            hostnames = {run["hostname"] for run in task_runs(task_sink) if run["event"] == "ready"}
            return {hostname.split("@")[0] for hostname in hostnames} == {"a", "b"}

        wait_for("both workers ready", workers_ready, timeout=START_SECONDS, logs=cluster.logs)
        # The first beat holds the lock; the second, started now, can only wait for it.
        wait_for("the first beat's lock", lambda: broker.exists(LOCK_KEY), timeout=START_SECONDS, logs=cluster.logs)
        second = start("beat-2", beat_argv, env=env, log_dir=tmp_path)
        cluster.beats.append(second)
        # Celery's own words before a beat asks for the lock (whatever the log format around them).
        wait_for(
            "the second beat", lambda: "beat: Starting..." in second.log(), timeout=START_SECONDS, logs=cluster.logs
        )
        cluster.contended_since = time.time()
        yield cluster


def _ready(node: Node) -> bool:
    if node.process.popen.poll() is not None:
        return True  # it died: wait_for's predicate ends; the next request says so with its log
    try:
        return requests.get(f"{node.url}/readyz", timeout=5).status_code == 200
    except requests.RequestException:
        return False


# --- a person's browser-like HTTP client ----------------------------------------------------


class Person:
    """Cookies and the CSRF token of one person, sent to whichever node is asked, through what the
    production profile expects of its TLS-terminating proxy (X-Forwarded-Proto and -For)."""

    def __init__(self, cluster: Cluster, username: str, password: str) -> None:
        self.cluster = cluster
        self.username = username
        self.password = password
        self.cookies: dict[str, str] = {}

    def call(self, node: Node, method: str, path: str, *, expect: int = 200, **kwargs: Any) -> requests.Response:
        origin = f"https://127.0.0.1:{node.port}"
        headers = {"X-Forwarded-Proto": "https", "X-Forwarded-For": "203.0.113.7", "Origin": origin}
        headers["Referer"] = f"{origin}/"
        if CSRF_COOKIE in self.cookies:
            headers["X-CSRFToken"] = self.cookies[CSRF_COOKIE]
        response = requests.request(
            method,
            f"{node.url}{path}",
            headers=headers,
            cookies=self.cookies,
            allow_redirects=False,
            timeout=30,
            **kwargs,
        )
        # The cookies are Secure: kept here by hand, since this client speaks plain HTTP to the node.
        self.cookies.update(response.cookies.get_dict())
        if response.status_code != expect:
            pytest.fail(
                f"{method} {path} on node {node.name}: {response.status_code}, not {expect}\n"
                f"{response.text[:2000]}\n{self.cluster.logs()}"
            )
        return response

    def sign_in(self, node: Node) -> None:
        page = self.call(node, "GET", "/login/")
        token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.text).group(1)
        form = {"username": self.username, "password": self.password, "csrfmiddlewaretoken": token}
        self.call(node, "POST", "/login/", data=form, expect=302)
        assert SESSION_COOKIE in self.cookies

    def api(self, node: Node, method: str, path: str, *, expect: int = 200, **kwargs: Any) -> Any:
        return self.call(node, method, f"/api/v1/{path}", expect=expect, **kwargs).json()


# --- the test -------------------------------------------------------------------------------


def test_a_request_through_two_web_nodes_two_workers_and_two_beats(cluster):
    a, b = cluster.nodes
    seed = cluster.seed
    seller = Person(cluster, seed["seller"], seed["password"])
    partner = Person(cluster, seed["partner"], seed["password"])

    # A session made on one node is good on the other (sessions are in the shared database).
    seller.sign_in(a)
    assert seller.api(b, "GET", "me/")["user"]["username"] == "seller-ana"
    partner.sign_in(b)
    assert partner.api(a, "GET", "me/")["user"]["username"] == "partner-bo"

    # The seller files a request through B and adds a photo through A; the partner downloads it
    # through B, byte for byte, from the shared bucket (nothing on either node's disk).
    mug, _lid = seed["lines"]
    submitted = seller.api(
        b,
        "POST",
        "requests/",
        json={
            "order": seed["order"],
            "reason": "damaged",
            "description": "The mug arrived cracked down the side.",
            "lines": [{"order_line": mug, "quantity": 1, "resolution": "resend"}],
        },
        expect=201,
    )
    request_id = submitted["id"]
    [photo] = seller.api(
        a, "POST", f"requests/{request_id}/evidence/", files={"evidence": ("cracked.png", PHOTO)}, expect=201
    )
    download = partner.call(b, "GET", photo["download_url"])
    assert download.content == PHOTO
    assert download.headers["Content-Type"] == "image/png"
    stored = [item["Key"] for item in cluster.s3.list_objects_v2(Bucket=cluster.bucket).get("Contents", [])]
    assert len(stored) == 1
    assert cluster.s3.get_object(Bucket=cluster.bucket, Key=stored[0])["Body"].read() == PHOTO
    assert not cluster.media_root.exists()

    # Every later step on the node the previous one did not use.
    actions = f"requests/{request_id}"
    partner.api(
        a,
        "POST",
        f"{actions}/approve/",
        json={
            "quote_goods": "30.00",
            "quote_shipping": "8.00",
            "cost_bearer": "partner",
            "promised_date": "2030-01-10",
        },
    )
    [reship_line] = submitted["lines"]
    partner.api(
        b,
        "POST",
        f"{actions}/ship/",
        json={"items": [{"line": reship_line["id"]}], "carrier": "SF Express", "tracking_number": "SF000000000001"},
    )
    seller.api(a, "POST", f"{actions}/confirm-info-update/", json={})
    closed = seller.api(
        b, "POST", f"{actions}/close/", json={"rating_speed": 5, "rating_quality": 4, "rating_cooperation": 5}
    )
    assert closed["status"] == "closed"
    assert seller.api(a, "GET", f"{actions}/")["status"] == "closed"

    # Every notification row ends sent, each email at the sink exactly once, although both workers
    # took delivery tasks from the same queue.
    def notifications() -> list[tuple]:
        return rows(
            cluster.database_url,
            "SELECT channel, template, status, delivery_key::text, recipient_address FROM reship_notification",
        )

    wait_for(
        "every notification sent",
        lambda: {row[2] for row in notifications()} == {"sent"},
        timeout=DELIVERY_SECONDS,
        logs=lambda: f"{notifications()}\n{cluster.logs()}",
    )
    written = notifications()
    emails = {key: (template, address) for channel, template, _status, key, address in written if channel == "email"}
    assert sorted(emails.values()) == [
        ("customer_contacted", "partner-bo@example.com"),
        ("info_updated", "partner-bo@example.com"),
        ("lines_shipped", "buyer@example.com"),  # the shop's automatic message to its customer
        ("lines_shipped", "seller-ana@example.com"),
        ("request_approved", "seller-ana@example.com"),
        ("request_closed", "partner-bo@example.com"),
        ("request_received", "buyer@example.com"),
        ("request_submitted", "partner-bo@example.com"),
    ]
    received = cluster.mail.delivery_keys()
    assert set(received) == set(emails)
    assert set(received.values()) == {1}, f"an email went out more than once: {received}"
    deliveries = [run for run in task_runs(cluster.task_sink) if run.get("task") == "reship.deliver_notification"]
    assert {run["hostname"].split("@")[0] for run in deliveries} == {"a", "b"}, deliveries

    # --- beat: one sender, once per interval, and a hand-over when the first stops.
    first, second = cluster.beats
    periodic = {entry["task"]: float(entry["schedule"]) for entry in settings.CELERY_BEAT_SCHEDULE.values()}
    periodic["reship.sweep_notifications"] = SWEEP_SECONDS

    def periodic_runs() -> list[dict[str, Any]]:
        return [run for run in task_runs(cluster.task_sink) if run.get("task") in periodic]

    def sweeps_sent_by(beat: Process, *, after: float = 0.0) -> int:
        return sum(
            1
            for run in periodic_runs()
            if run["task"] == "reship.sweep_notifications"
            and origin_pid(run) == beat.popen.pid
            and sent_at(run, SWEEP_SECONDS).timestamp() > after
        )

    # Both beats up for at least four of the sweeper's intervals: the first sends, the second waits.
    wait_for(
        "four sweeps with both beats up",
        lambda: sweeps_sent_by(first, after=cluster.contended_since) >= 4,
        timeout=60,
        logs=cluster.logs,
    )
    assert second.popen.poll() is None, second.log()
    assert cluster.broker.exists(LOCK_KEY)
    contended = periodic_runs()
    assert {origin_pid(run) for run in contended} == {first.popen.pid}, "the waiting beat sent something"
    assert "Acquired lock" not in second.log()

    first.stop()  # a warm stop releases the lock
    wait_for(
        "three sweeps of the second beat",
        lambda: sweeps_sent_by(second) >= 3,
        timeout=60,
        logs=cluster.logs,
    )
    handed_over = periodic_runs()
    assert {origin_pid(run) for run in handed_over} == {first.popen.pid, second.popen.pid}
    first_sent = [sent_at(run, periodic[run["task"]]) for run in handed_over if origin_pid(run) == first.popen.pid]
    second_sent = [sent_at(run, periodic[run["task"]]) for run in handed_over if origin_pid(run) == second.popen.pid]
    assert max(first_sent) < min(second_sent), "both beats sent at once"

    # Once per schedule across both beats: the second read the last runs from Redis, so no job went
    # again sooner than its interval.
    for task, interval in periodic.items():
        sends = sorted(sent_at(run, interval) for run in handed_over if run["task"] == task)
        gaps = [later - earlier for earlier, later in zip(sends, sends[1:], strict=False)]
        assert all(gap >= timedelta(seconds=interval) - CLOCK_SLACK for gap in gaps), (task, gaps)
    sweeps = sorted(sent_at(run, SWEEP_SECONDS) for run in handed_over if run["task"] == "reship.sweep_notifications")
    span = (sweeps[-1] - sweeps[0]).total_seconds()
    # About one per interval over the run (a message a busy worker took too late expires: fewer, never more).
    assert span / SWEEP_SECONDS / 2 <= len(sweeps) <= span / SWEEP_SECONDS + 1, (len(sweeps), span)
    sys.stdout.write(f"\nsweeps sent: {len(sweeps)} over {span:.1f} s, one each {SWEEP_SECONDS} s\n")

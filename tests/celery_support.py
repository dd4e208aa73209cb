"""A real Celery worker for tests, and what it sends written down so a test can count it.

``worker_start`` runs ``celery -A reship worker`` as a child process (in its own process group, so
the whole worker can be killed at once) on the test database and a Redis database of its own, and
consumes one queue named for the test run. The test process publishes to that queue through
``celery_publishing_to``.

The worker's email and SMS/IM backends (``EMAIL_BACKEND`` and ``RESHIP_MESSAGING_BACKEND`` are read
from the environment) are the sinks below: each send appends a ``start`` line, then a ``sent``
line once the message is out, to the file named in ``RESHIP_TEST_SINK``. With
``RESHIP_TEST_SLOW_FIRST_SEND`` set, the first send of the run sleeps that many seconds between the
two, so a test knows when a delivery is in flight and can kill the worker right there.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

from django.core.mail.backends.base import BaseEmailBackend
from kombu import pools

REPO_ROOT = Path(__file__).resolve().parent.parent
SINK_ENV = "RESHIP_TEST_SINK"
SLOW_FIRST_SEND_ENV = "RESHIP_TEST_SLOW_FIRST_SEND"
# A Redis database the app never uses, flushed by each worker test: one per pytest-xdist process,
# so a test's flush never drops the messages of a worker test running beside it (db 14 is the
# benchmark's). A shared db lost a story's message to the other process's flush (CI, be3de36).
_WORKER_REDIS_DBS = (15, 13, 12, 11, 10, 9, 8, 7)
WORKER_REDIS_DB = _WORKER_REDIS_DBS[int(os.environ.get("PYTEST_XDIST_WORKER", "gw0").removeprefix("gw") or 0) % 8]
WORKER_READY_SECONDS = 30


# --- the sinks, loaded by the worker ---------------------------------------------------------


def _notification_being_sent():
    """The outbox row the channel is sending: a local of a caller (``EmailChannel.send`` or
    ``MessagingChannel.send``). The backends' interface carries no row id, and a test that counts
    deliveries per row needs it."""
    frame = sys._getframe(1)
    while frame is not None:
        candidate = frame.f_locals.get("notification")
        if candidate is not None and hasattr(candidate, "delivery_key"):
            return candidate
        frame = frame.f_back
    return None


def _record(event: str, **fields) -> None:
    path = os.environ.get(SINK_ENV)
    if not path:
        return
    line = json.dumps({"event": event, "pid": os.getpid(), "at": time.time(), **fields}) + "\n"
    # One write() of one short line to a file opened for appending: lines from two processes never
    # interleave, and a line written before a SIGKILL is kept (the kernel holds it, not Python).
    with open(path, "a", encoding="utf-8") as sink:
        sink.write(line)


def _slow_if_first_send() -> None:
    seconds = float(os.environ.get(SLOW_FIRST_SEND_ENV) or 0)
    path = os.environ.get(SINK_ENV)
    if not seconds or not path:
        return
    try:
        # Exactly one send per run gets the marker, even across worker processes.
        os.close(os.open(f"{path}.slow", os.O_CREAT | os.O_EXCL | os.O_WRONLY))
    except FileExistsError:
        return
    time.sleep(seconds)


def _send_through_sink(channel: str, to: str, extra: dict) -> None:
    notification = _notification_being_sent()
    fields = {
        "id": notification.pk if notification is not None else None,
        "channel": channel,
        "to": to,
        **extra,
    }
    _record("start", **fields)
    _slow_if_first_send()
    _record("sent", **fields)


class SinkMessagingBackend:
    """``RESHIP_MESSAGING_BACKEND`` for worker tests: SMS and IM messages go to the sink."""

    def send(self, *, channel: str, to: str, text: str) -> None:
        _send_through_sink(channel, to, {"text": text})


class SinkEmailBackend(BaseEmailBackend):
    """``EMAIL_BACKEND`` for worker tests: each email goes to the sink with its Message-ID."""

    def send_messages(self, email_messages) -> int:
        for message in email_messages:
            headers = message.extra_headers or {}
            _send_through_sink(
                "email",
                ",".join(message.recipients()),
                {"message_id": headers.get("Message-ID", ""), "subject": str(message.subject)},
            )
        return len(email_messages)


def sink_read(path: Path) -> list[dict]:
    if not path.exists():
        return []
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def sent_per_notification(path: Path) -> Counter:
    """How many times each row went out through email or SMS/IM, by notification id."""
    return Counter(entry["id"] for entry in sink_read(path) if entry["event"] == "sent")


# --- the worker process ---------------------------------------------------------------------


def redis_url_with_db(redis_url: str, db: int) -> str:
    """The same server as ``redis_url``, another database number."""
    parts = urlsplit(redis_url)
    return urlunsplit((parts.scheme, parts.netloc, f"/{db}", parts.query, parts.fragment))


def worker_environment(*, database_url: str, broker_url: str, sink: Path, slow_first_send: float = 0) -> dict:
    """This process's environment with the worker's database, broker and sinks in place."""
    env = {key: value for key, value in os.environ.items() if not key.startswith("CELERY_")}
    env.update(
        {
            "DJANGO_SETTINGS_MODULE": "reship.config.settings.base",
            "DATABASE_URL": database_url,
            "DB_CONN_MAX_AGE": "0",
            "REDIS_URL": broker_url,
            # Celery reads this one before its configuration: the worker cannot end up elsewhere.
            "CELERY_BROKER_URL": broker_url,
            "CELERY_TASK_ALWAYS_EAGER": "false",
            "EMAIL_BACKEND": "tests.celery_support.SinkEmailBackend",
            "RESHIP_MESSAGING_BACKEND": "tests.celery_support.SinkMessagingBackend",
            SINK_ENV: str(sink),
            SLOW_FIRST_SEND_ENV: str(slow_first_send),
            "PYTHONPATH": os.pathsep.join(filter(None, [str(REPO_ROOT), os.environ.get("PYTHONPATH")])),
            "PYTHONUNBUFFERED": "1",
        }
    )
    return env


@dataclass
class CeleryWorker:
    process: subprocess.Popen
    name: str
    log_path: Path

    @property
    def pid(self) -> int:
        return self.process.pid

    def log(self) -> str:
        return self.log_path.read_text(encoding="utf-8", errors="replace") if self.log_path.exists() else ""

    def kill(self) -> None:
        """SIGKILL every process of the worker (the main process and, with prefork, its children)."""
        self._signal_group(signal.SIGKILL)
        self.process.wait(timeout=10)

    def stop(self, timeout: float = 15) -> None:
        """Warm shutdown (SIGTERM); SIGKILL if it does not end in time. Safe to call twice."""
        if self.process.poll() is not None:
            self._signal_group(signal.SIGKILL)  # children a killed main process left behind
            return
        self._signal_group(signal.SIGTERM)
        try:
            self.process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            self._signal_group(signal.SIGKILL)
            self.process.wait(timeout=10)

    def _signal_group(self, signum: int) -> None:
        try:
            os.killpg(self.process.pid, signum)  # start_new_session: the group id is the main pid
        except ProcessLookupError:
            pass


def spawn(
    argv: list[str], *, env: dict[str, str], log_path: Path, mode: str = "ab", pass_fds: tuple[int, ...] = ()
) -> subprocess.Popen:
    """A child process of the tests' own (a worker, a web node, a beat): run from the repository,
    its output into ``log_path``, in a process group of its own (so a stop reaches its children)
    that dies with the test process."""
    with open(log_path, mode) as output:
        return subprocess.Popen(  # noqa: S603 - our interpreter, fixed arguments
            argv,
            cwd=REPO_ROOT,
            env=env,
            stdout=output,
            stderr=subprocess.STDOUT,
            start_new_session=True,
            preexec_fn=_die_with_parent,
            pass_fds=pass_fds,
        )


def _die_with_parent() -> None:
    """In the child, before exec: on Linux, SIGKILL it when the test process dies, so a test run
    that is killed leaves no worker holding a connection to the test database."""
    if sys.platform.startswith("linux"):
        import ctypes

        pr_set_pdeathsig = 1
        ctypes.CDLL(None, use_errno=True).prctl(pr_set_pdeathsig, signal.SIGKILL)


def worker_start(
    *,
    queue: str,
    env: dict,
    log_dir: Path,
    pool: str = "solo",
    concurrency: int = 1,
    name_suffix: str = "",
    ready_seconds: float = WORKER_READY_SECONDS,
) -> CeleryWorker:
    """Start ``celery -A reship worker`` on ``queue`` and return once it is consuming."""
    name = f"{queue}{name_suffix}"
    log_path = log_dir / f"{name}.log"
    argv = [
        sys.executable,
        "-m",
        "celery",
        "-A",
        "reship",
        "worker",
        f"--pool={pool}",
        f"--concurrency={concurrency}",
        "-Q",
        queue,
        "-n",
        f"{name}@%h",
        "--without-gossip",
        "--without-mingle",
        "--without-heartbeat",
        "--loglevel=INFO",
    ]
    process = spawn(argv, env=env, log_path=log_path)
    worker = CeleryWorker(process=process, name=name, log_path=log_path)
    ready = wait_until(lambda: " ready." in worker.log() or process.poll() is not None, timeout=ready_seconds)
    if not ready or process.poll() is not None:
        worker.stop()
        raise RuntimeError(f"The Celery worker did not start (exit code {process.poll()}):\n{worker.log()[-4000:]}")
    return worker


# --- the test process's side ----------------------------------------------------------------


def _connections_reset(app) -> None:
    """Close pooled broker connections so the next publish connects to the current broker_url.
    kombu keeps its pools in a registry keyed by the connection's address; a pool only closed
    would be found again (and refuse to give out connections) the next time that address is used."""
    pools.reset()
    app._pool = None
    amqp = app.__dict__.get("amqp")
    if amqp is not None:
        amqp._producer_pool = None


def broker_set(app, broker_url: str) -> None:
    app.conf.broker_url = broker_url
    _connections_reset(app)


@contextmanager
def celery_publishing_to(app, *, broker_url: str, queue: str) -> Iterator[None]:
    """This process publishes tasks to ``queue`` on ``broker_url`` (not eagerly), then goes back."""
    conf = app.conf
    saved_env = {key: os.environ.pop(key) for key in list(os.environ) if key.startswith("CELERY_BROKER")}
    saved = (conf.broker_url, conf.task_default_queue, conf.task_always_eager)
    conf.task_default_queue = queue
    conf.task_always_eager = False
    broker_set(app, broker_url)
    try:
        yield
    finally:
        conf.task_default_queue = saved[1]
        conf.task_always_eager = saved[2]
        broker_set(app, saved[0])
        os.environ.update(saved_env)


@contextmanager
def celery_eager(app) -> Iterator[None]:
    """Tasks run in this process while the block runs (to build a starting state quickly)."""
    saved = app.conf.task_always_eager
    app.conf.task_always_eager = True
    try:
        yield
    finally:
        app.conf.task_always_eager = saved


def wait_until(predicate: Callable[[], object], *, timeout: float, interval: float = 0.1) -> bool:
    deadline = time.monotonic() + timeout
    while True:
        if predicate():
            return True
        if time.monotonic() >= deadline:
            return False
        time.sleep(interval)

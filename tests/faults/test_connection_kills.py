"""Database connections killed under load: no 500, no Idempotency-Key left "in progress", no double
transition.

gunicorn (threads, DEBUG off, CONN_MAX_AGE on as deployed) serves the app on the test database.
Client threads make idempotent POSTs with Idempotency-Keys — a seller submitting requests, a
partner approving them and writing on their threads — while another thread runs
``pg_terminate_backend`` on every other connection to the database, again and again. A client
retries a failed call (a 503, a dropped connection, a 409 while its first attempt still runs) with
the same key until it is answered. Then: every call was answered as it should be, the 5xx seen were
all 503s in the JSON error body, no record is left unfinished, and each request moved once.

The figures (kills, failures, replays) are printed: ``pytest -s tests/faults/test_connection_kills.py``
with ``DATABASE_URL=postgres://…``.
"""

from __future__ import annotations

import random
import secrets
import threading
import time
from collections import Counter

import psycopg2
import pytest
import requests
from django.db import connection

from reship import workflow
from reship.choices import EventKind, RequestStatus
from reship.models import IdempotencyRecord, RequestMessage, ReshipEvent, ReshipRequest
from reship.services.api_keys import api_key_create
from tests.factories import OrderFactory, OrderLineFactory, PartnerMembershipFactory, SellerMembershipFactory
from tests.live_support import clean_environment, database_url, gunicorn_serve

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

# Enough work that the calls last several kill rounds: once the writes got faster (issue 19), 30 and 15
# were done within 4-6 rounds, and CI saw 8 kills against the 10 asked for.
REQUESTS = 60  # submitted beforehand, approved and written on under the kills
SUBMITS = 30  # orders the seller files a request for under the kills
CLIENTS = 4
# Between kill rounds: often enough that the kills land while the calls run, with gaps drawn at random
# up to KILL_GAP_MAX_SECONDS so that a call slower than one gap (a loaded 2-core machine: 0.3–0.7 s
# with six clients before issue 19, 0.05–0.3 s since) still finishes in a longer one. A fixed 0.2 s
# killed every such call every time.
KILL_EVERY_SECONDS = 0.2
KILL_GAP_MAX_SECONDS = 0.8
WALL_SECONDS = 60
KILL_SQL = (
    "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity "
    "WHERE datname = current_database() AND pid <> pg_backend_pid()"
)
# Most kills hit a connection mid-request (in a query or a transaction): an idle one, kept between
# requests, is replaced by the health check before use and costs nothing; every tenth kill is of all.
KILL_BUSY_SQL = KILL_SQL + " AND state <> 'idle'"
# The requests here are quick, so the window a kill must hit is widened where it matters: writing an
# Idempotency-Key's record takes 20 ms longer (a trigger), as a loaded database might. Before the
# record was written with the work, a kill there left a committed request's key "in progress".
SLOW_RECORD_SQL = """
CREATE OR REPLACE FUNCTION h5_slow_write() RETURNS trigger AS $$
BEGIN PERFORM pg_sleep(0.02); RETURN NEW; END $$ LANGUAGE plpgsql;
CREATE TRIGGER h5_slow_record BEFORE INSERT OR UPDATE ON {table} FOR EACH ROW EXECUTE FUNCTION h5_slow_write();
"""
FAST_RECORD_SQL = "DROP TRIGGER IF EXISTS h5_slow_record ON {table}; DROP FUNCTION IF EXISTS h5_slow_write();"


def _environment(tmp_path) -> dict[str, str]:
    return clean_environment(
        SECRET_KEY=secrets.token_urlsafe(45),
        DATABASE_URL=database_url(connection.settings_dict),
        DB_CONN_MAX_AGE="60",  # kept connections, as deployed: the ones the kills hit between requests
        MEDIA_ROOT=str(tmp_path / "media"),
        CELERY_BROKER_URL="memory://",
        EMAIL_BACKEND="django.core.mail.backends.locmem.EmailBackend",
        RESHIP_API_RATE="1000000/min",
        RESHIP_API_ANONYMOUS_RATE="1000000/min",
        RESHIP_IDEMPOTENCY_WAIT_SECONDS="2",
        LOG_LEVEL="ERROR",
    )


def _order_with_a_line(seller, partner):
    order = OrderFactory(seller=seller.seller_membership.seller, partner=partner.partner_membership.partner)
    return order, OrderLineFactory(order=order, quantity=1)


class Caller:
    """One API key's calls, each retried with its key until it is answered; counts what it met."""

    def __init__(self, url: str, raw_key: str, seen: Counter, lock: threading.Lock) -> None:
        self.url, self.seen, self.lock = url, seen, lock
        self.session = requests.Session()
        self.session.headers["Authorization"] = f"Api-Key {raw_key}"

    def post(self, path: str, body: dict, key: str) -> requests.Response:
        for _attempt in range(200):
            try:
                response = self.session.post(self.url + path, json=body, headers={"Idempotency-Key": key}, timeout=30)
            except requests.ConnectionError:
                self._count("dropped connection")
                time.sleep(0.02)
                continue
            if response.status_code >= 500:
                self._count(f"{response.status_code} {response.headers.get('Content-Type')}")
                if response.status_code == 503:
                    assert set(response.json()) == {"code", "message", "field_errors"}
                    assert response.headers["Retry-After"] == "2"
                time.sleep(0.02)
                continue
            if response.status_code == 409 and response.json()["code"] == "idempotent_request_in_progress":
                self._count("409 in progress")
                time.sleep(0.05)
                continue
            self._count("replayed" if response.headers.get("Idempotent-Replayed") else "ran")
            return response
        pytest.fail(f"{path} with key {key} was never answered")

    def _count(self, what: str) -> None:
        with self.lock:
            self.seen[what] += 1


def test_connection_kills_leave_no_key_in_progress_and_move_each_request_once(tmp_path):
    started = time.monotonic()
    seller = SellerMembershipFactory(user__language="en").user
    partner = PartnerMembershipFactory(user__language="en").user
    reships = []
    for _ in range(REQUESTS):
        order, line = _order_with_a_line(seller, partner)
        reships.append(
            workflow.reship_submit(
                actor=seller,
                order_id=order.pk,
                reason="damaged",
                description="Crushed.",
                lines=[workflow.LineRequest(line.pk, 1, "resend")],
            )
        )
    to_file = [_order_with_a_line(seller, partner) for _ in range(SUBMITS)]
    seller_key, partner_key = api_key_create(actor=seller, name="erp")[1], api_key_create(actor=partner, name="erp")[1]
    table = IdempotencyRecord._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(FAST_RECORD_SQL.format(table=table) + SLOW_RECORD_SQL.format(table=table))
    connection.close()  # the killer ends it anyway; the test reconnects to check the outcome

    environment = _environment(tmp_path)
    seen: Counter = Counter()
    lock = threading.Lock()
    answers: dict[str, int] = {}
    kills, rounds = [0], [0]
    stop = threading.Event()
    failures: list[BaseException] = []

    def killer() -> None:
        try:
            killing = psycopg2.connect(environment["DATABASE_URL"])
            killing.autocommit = True
            with killing.cursor() as cursor:
                while not stop.is_set():
                    rounds[0] += 1
                    cursor.execute(KILL_SQL if rounds[0] % 10 == 0 else KILL_BUSY_SQL)
                    kills[0] += cursor.fetchone()[0]
                    time.sleep(random.uniform(KILL_EVERY_SECONDS, KILL_GAP_MAX_SECONDS))
            killing.close()
        except BaseException as error:  # noqa: BLE001 - reported by the main thread
            failures.append(error)

    def partner_work(url: str, share: list[ReshipRequest]) -> None:
        caller = Caller(url, partner_key, seen, lock)
        try:
            for reship in share:
                approve = {"quote_goods": "30.00", "quote_shipping": "12.00", "cost_bearer": "carrier"}
                approved = caller.post(f"/api/v1/requests/{reship.pk}/approve/", approve, f"approve-{reship.pk}")
                written = caller.post(
                    f"/api/v1/requests/{reship.pk}/messages/", {"body": f"On its way #{reship.pk}"}, f"msg-{reship.pk}"
                )
                with lock:
                    answers[f"approve-{reship.pk}"] = approved.status_code
                    answers[f"msg-{reship.pk}"] = written.status_code
        except BaseException as error:  # noqa: BLE001 - reported by the main thread
            failures.append(error)

    def seller_work(url: str, share: list) -> None:
        caller = Caller(url, seller_key, seen, lock)
        try:
            for order, line in share:
                body = {
                    "order": order.pk,
                    "reason": "lost_in_transit",
                    "description": "Tracking stopped.",
                    "lines": [{"order_line": line.pk, "quantity": 1, "resolution": "resend"}],
                }
                filed = caller.post("/api/v1/requests/", body, f"file-{order.pk}")
                with lock:
                    answers[f"file-{order.pk}"] = filed.status_code
        except BaseException as error:  # noqa: BLE001 - reported by the main thread
            failures.append(error)

    log_path = tmp_path / "gunicorn.log"
    kill_thread = threading.Thread(target=killer)
    try:
        with gunicorn_serve(environment, log_path=log_path, workers=2, threads=4, timeout=60) as server:
            workers = [
                threading.Thread(target=partner_work, args=(server.url, reships[index::CLIENTS]))
                for index in range(CLIENTS)
            ]
            workers += [
                threading.Thread(target=seller_work, args=(server.url, to_file[index::2])) for index in range(2)
            ]
            try:
                kill_thread.start()
                for worker in workers:
                    worker.start()
                for worker in workers:
                    worker.join(timeout=WALL_SECONDS)
            finally:
                stop.set()
                kill_thread.join(timeout=10)
    finally:
        with connection.cursor() as cursor:
            cursor.execute(FAST_RECORD_SQL.format(table=table))
    elapsed = time.monotonic() - started
    print(  # noqa: T201 - the figures, with -s
        f"\nconnection kills: {kills[0]} backends terminated in {rounds[0]} rounds, {elapsed:.1f} s; "
        f"calls: {dict(seen)}"
    )

    assert failures == []
    assert not any(worker.is_alive() for worker in workers)
    # Every call answered as it should, once the retries were done.
    assert answers == {
        **{f"approve-{reship.pk}": 200 for reship in reships},
        **{f"msg-{reship.pk}": 201 for reship in reships},
        **{f"file-{order.pk}": 201 for order, _line in to_file},
    }
    # The faults happened, and the only server errors they caused were JSON 503s.
    assert kills[0] >= 10, (kills, rounds)
    assert sum(count for what, count in seen.items() if what[0] in "5d") > 0, seen
    assert {what for what in seen if what[0] == "5"} <= {"503 application/json"}, seen
    # Nothing left "in progress"; each key kept its one committed answer.
    assert IdempotencyRecord.objects.exclude(state=IdempotencyRecord.DONE).count() == 0
    assert IdempotencyRecord.objects.count() == len(answers)
    # Each request moved once: one approval, one message; each order filed once.
    assert set(ReshipRequest.objects.filter(pk__in=[r.pk for r in reships]).values_list("status", flat=True)) == {
        RequestStatus.APPROVED
    }
    assert ReshipEvent.objects.filter(kind=EventKind.APPROVED).count() == REQUESTS
    assert RequestMessage.objects.count() == REQUESTS
    for order, _line in to_file:
        assert ReshipRequest.objects.filter(order=order).count() == 1
    assert elapsed < WALL_SECONDS + 30, log_path.read_text()[-3000:]

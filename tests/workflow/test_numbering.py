"""Request numbers: RS-<year>-<six digits>, never repeated. On PostgreSQL from a sequence per year,
so a submission never waits for another one's commit; elsewhere from the counter row."""

import threading

import pytest
from django.db import connection, transaction

from reship.models import RequestNumberSequence
from reship.workflow.numbering import live_last_value, request_number_last, request_number_next, sequence_name
from tests.factories import ReshipRequestFactory


def _drop(year: int) -> None:
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(f"DROP SEQUENCE IF EXISTS {sequence_name(year)}")


@pytest.mark.django_db
def test_numbers_count_up_per_year_in_six_digits():
    _drop(1987)
    first = request_number_next(year=1987)
    second = request_number_next(year=1987)

    assert first == "RS-1987-000001"
    assert second == "RS-1987-000002"
    assert request_number_last(1987) == 2


@pytest.mark.postgres
@pytest.mark.django_db
def test_a_years_sequence_starts_after_every_number_handed_out_before():
    """The counter row (the old counter, or a data load's) and the requests themselves both count."""
    _drop(1988)
    _drop(1989)
    RequestNumberSequence.objects.create(year=1988, last_value=41)
    ReshipRequestFactory(number="RS-1988-000007")
    RequestNumberSequence.objects.create(year=1989, last_value=3)
    ReshipRequestFactory(number="RS-1989-000057")

    assert request_number_next(year=1988) == "RS-1988-000042"
    assert request_number_next(year=1989) == "RS-1989-000058"


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_a_submission_does_not_wait_for_another_ones_commit():
    """The first transaction holds its number and stays open while a second one takes a number and
    commits; the old counter row made the second wait for the first's commit (lock_timeout here)."""
    year = 1991
    _drop(year)
    try:
        assert request_number_next(year=year) == f"RS-{year}-000001"  # the sequence exists from here
        holding, release = threading.Event(), threading.Event()
        held = []

        def hold_a_number_open():
            try:
                with transaction.atomic():
                    held.append(request_number_next(year=year))
                    holding.set()
                    release.wait(10)
            finally:
                connection.close()

        holder = threading.Thread(target=hold_a_number_open)
        holder.start()
        assert holding.wait(5)
        try:
            with transaction.atomic():
                with connection.cursor() as cursor:
                    cursor.execute("SET LOCAL lock_timeout = '1s'")
                second = request_number_next(year=year)
        finally:
            release.set()
            holder.join()

        assert held == [f"RS-{year}-000002"]
        assert second == f"RS-{year}-000003"
    finally:
        _drop(year)


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_processes_creating_the_years_sequence_at_once_get_distinct_numbers():
    year = 1992
    _drop(year)
    barrier = threading.Barrier(4)
    numbers, errors = [], []

    def take():
        try:
            barrier.wait()
            with transaction.atomic():
                numbers.append(request_number_next(year=year))
        except Exception as error:  # noqa: BLE001 - the test asserts there are none
            errors.append(error)
        finally:
            connection.close()

    try:
        threads = [threading.Thread(target=take) for _ in range(4)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()

        assert errors == []
        assert sorted(numbers) == [f"RS-{year}-00000{n}" for n in range(1, 5)]
    finally:
        _drop(year)


@pytest.mark.django_db
def test_the_admin_reads_the_live_last_number_beside_the_counted_one(admin_client):
    _drop(1993)
    RequestNumberSequence.objects.create(year=1993, last_value=5)
    request_number_next(year=1993)

    row = RequestNumberSequence.objects.annotate(live=live_last_value()).get(year=1993)
    page = admin_client.get("/admin/reship/requestnumbersequence/", headers={"accept-language": "en"}).content.decode()

    assert row.live == 6
    if connection.vendor == "postgresql":  # the row stays where the sequence started
        assert row.last_value == 5
        assert "6 (from the PostgreSQL sequence; the counted number above is where it started)" in page
    else:
        assert row.last_value == 6

"""The demo's and the bench's carriers are rows of the carrier table and their numbers fit its
patterns, so every parcel they ship passes the same checks a partner's does."""

import random

import pytest

from orders.carriers import carrier_resolve, tracking_number_clean
from reship.dev.demo.tables import DOMESTIC_CARRIERS, OVERSEAS_CARRIERS, fill

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(("name", "pattern", "_transit"), DOMESTIC_CARRIERS + OVERSEAS_CARRIERS)
def test_each_demo_carrier_is_in_the_table_and_its_numbers_fit(name, pattern, _transit):
    carrier = carrier_resolve(name)
    rng = random.Random(15)

    for _ in range(20):
        number = fill(rng, pattern)
        assert tracking_number_clean(carrier, number) == number

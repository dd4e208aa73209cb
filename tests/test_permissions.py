"""Who may record and import orders (``reship.permissions.can_record_orders``)."""

import pytest
from django.contrib.auth.models import AnonymousUser

from reship import permissions
from tests.factories import UserFactory
from tests.workflow_states import make_parties

pytestmark = pytest.mark.django_db


def test_only_a_sellers_staff_record_orders():
    parties = make_parties()
    admin = UserFactory(is_staff=True)

    assert permissions.can_record_orders(parties.seller) is True
    assert permissions.can_record_orders(parties.partner) is False
    assert permissions.can_record_orders(admin) is False
    assert permissions.can_record_orders(AnonymousUser()) is False
    assert permissions.can_record_orders(None) is False

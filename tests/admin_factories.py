"""Factories the admin tests need that ``tests/factories.py`` does not have (yet).

These build raw rows, as the admin finds them; tests of behaviour build state through the workflow.
"""

from datetime import timedelta
from decimal import Decimal

import factory
from django.contrib.auth.models import Group
from django.utils import timezone

from reship.choices import (
    AuthorRole,
    CostBearer,
    NotificationChannel,
    NotificationStatus,
    Reason,
    RequestStatus,
    Resolution,
)
from reship.models import (
    AutoApprovalRule,
    Evidence,
    Notification,
    RequestMessage,
    RequestNumberSequence,
    RestockOrder,
    SurveyResponse,
)
from tests.factories import PartnerFactory, ReshipLineFactory, ReshipRequestFactory, UserFactory


class EvidenceFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Evidence

    request = factory.SubFactory(ReshipRequestFactory)
    file = factory.django.FileField(filename="parcel-label.jpg", data=b"\xff\xd8\xff\xe0 not really a photo")
    original_name = "parcel-label.jpg"
    content_type = "image/jpeg"
    size_bytes = 27
    uploaded_by = factory.SubFactory(UserFactory)


class GroupFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Group

    name = factory.Sequence(lambda n: f"Group {n}")


class NotificationFactory(factory.django.DjangoModelFactory):
    """An email about a request that was sent; pass ``status``, ``attempts``… for other states."""

    class Meta:
        model = Notification

    channel = NotificationChannel.EMAIL
    template = "request_approved"
    language = "en"
    recipient_address = factory.Sequence(lambda n: f"seller{n}@example.com")
    request = factory.SubFactory(ReshipRequestFactory)
    payload = factory.LazyAttribute(lambda row: {"request_number": row.request.number, "audience": "seller"})
    status = NotificationStatus.SENT
    attempts = 1
    sent_at = factory.LazyFunction(timezone.now)


class RestockOrderFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = RestockOrder

    request = factory.SubFactory(ReshipRequestFactory)
    line = factory.SubFactory(
        ReshipLineFactory, request=factory.SelfAttribute("..request"), resolution=Resolution.RESTOCK_RESEND
    )
    supplier = factory.SelfAttribute("line.order_line.product.supplier")
    quantity = 1
    created_by = factory.SubFactory(UserFactory)


class RequestMessageFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = RequestMessage

    request = factory.SubFactory(ReshipRequestFactory)
    author = factory.SubFactory(UserFactory)
    author_role = AuthorRole.PARTNER
    body = "Could you send a photo of the box?"


class SurveyResponseFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = SurveyResponse

    request = factory.SubFactory(
        ReshipRequestFactory,
        status=RequestStatus.CLOSED,
        closed_at=factory.LazyFunction(lambda: timezone.now() - timedelta(days=1)),
    )
    rating = 4
    comment = "The new parcel came quickly."


class AutoApprovalRuleFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = AutoApprovalRule
        skip_postgeneration_save = True

    partner = factory.SubFactory(PartnerFactory)
    name = factory.Sequence(lambda n: f"Small losses {n}")
    reasons = factory.LazyFunction(lambda: [Reason.LOST_IN_TRANSIT.value, Reason.DAMAGED.value])
    max_line_value = Decimal("100.00")
    cost_bearer = CostBearer.PARTNER
    quote_shipping = Decimal("12.00")
    promised_days = 3

    @factory.post_generation
    def sellers(self, create, extracted, **kwargs):
        if create and extracted:
            self.sellers.set(extracted)


class RequestNumberSequenceFactory(factory.django.DjangoModelFactory):
    """Years long past, so no row collides with the current year's, which every request number uses."""

    class Meta:
        model = RequestNumberSequence
        django_get_or_create = ("year",)

    year = factory.Sequence(lambda n: 1900 + n)
    last_value = 41

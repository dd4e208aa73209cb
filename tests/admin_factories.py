"""Factories the admin tests need that ``tests/factories.py`` does not have (yet)."""

import factory
from django.contrib.auth.models import Group

from reship.models import Evidence
from tests.factories import ReshipRequestFactory, UserFactory


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

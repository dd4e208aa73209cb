"""A choice field's label, as ``get_<field>_display`` gives it, without its cost per call.

Django's ``get_<field>_display`` rebuilds a dict of the field's whole choices on every call, making
each lazy label hashable (one ``gettext`` per choice): the request page called it about 80 times
(an event's kind and statuses, a line's reason and resolution…), some 40,000 ``gettext`` calls per
page. ``{{ event|display:"kind" }}`` looks the value up in a dict built once per field and language.
"""

from __future__ import annotations

from functools import cache
from typing import Any

from django import template
from django.db.models import Field, Model
from django.utils.encoding import force_str
from django.utils.translation import get_language

register = template.Library()


@cache
def _labels(field: Field[Any, Any], language: str | None) -> dict[Any, str]:
    """The field's labels in ``language`` (the active one when called, as the key says)."""
    return {value: force_str(label, strings_only=True) for value, label in field.flatchoices}


@register.filter
def display(instance: Model, field_name: str) -> Any:
    """The label of ``instance``'s value of the choice field ``field_name``, or the value itself
    when it is not one of the choices (as ``get_<field>_display``)."""
    field = instance._meta.get_field(field_name)
    if not isinstance(field, Field):
        raise TypeError(f"{field_name} is not a field of {type(instance).__name__}")
    value = getattr(instance, field.attname)
    return _labels(field, get_language()).get(value, force_str(value, strings_only=True))

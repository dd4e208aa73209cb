"""Signing in with a username and password, and loading the signed-in user on every request.

Every page asks which organisation the user works for (``roles.organisation_for``). Loading the
user with both memberships and their organisation joined makes that answer part of the one query
Django runs for the user anyway, instead of three more queries on every page.
"""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.contrib.auth.backends import ModelBackend

from reship.accounts.roles import ORGANISATION_JOINS


class OrganisationModelBackend(ModelBackend):
    def get_user(self, user_id):
        manager = get_user_model()._default_manager
        user = manager.select_related(*ORGANISATION_JOINS).filter(pk=user_id).first()
        return user if user is not None and self.user_can_authenticate(user) else None

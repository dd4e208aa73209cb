"""Signing in with a username and password, and loading the signed-in user on every request.

Every page asks which organisation the user works for (``roles.organisation_for``). Loading the
user with both memberships and their organisation joined makes that answer part of the one query
Django runs for the user anyway, instead of three more queries on every page.
"""

from __future__ import annotations

from axes.backends import AxesStandaloneBackend
from django.contrib.auth import get_user_model
from django.contrib.auth.backends import ModelBackend

from reship.accounts.roles import ORGANISATION_JOINS


class OrganisationModelBackend(ModelBackend):
    def get_user(self, user_id):
        manager = get_user_model()._default_manager
        user = manager.select_related(*ORGANISATION_JOINS).filter(pk=user_id).first()
        return user if user is not None and self.user_can_authenticate(user) else None


class SignInThrottleBackend(AxesStandaloneBackend):
    """django-axes' check, first among the backends: a locked-out account or address is refused
    before any password is compared (reship.accounts.sign_in counts the failures).

    A call without a request (a management command, the test client's ``login``) is not a sign-in
    from the network and has no address to count; it is left to the next backend instead of
    failing, as axes' own backend would."""

    def authenticate(self, request, username=None, password=None, **kwargs):
        if request is None:
            return None
        return super().authenticate(request, username=username, password=password, **kwargs)

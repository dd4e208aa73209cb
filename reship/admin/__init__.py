"""Admin for reship requests, their audit log, restock orders, thread messages, survey answers,
partners' auto-approval rules, the notification outbox, and settlement: statements (read-only) and
each pair's terms.

The admin shows everything but changes little: a request's state, its parties, its lines, its
quote and its timing belong to ``reship.workflow``, which checks rights, keeps the quantities
right and writes the audit event. So the request admin names the few fields an admin may correct
and shows every other field read-only — including fields added later, until someone decides
otherwise. Lines, restock orders, thread messages and the event log are read-only inlines; what
the workflow writes (events, restock orders, messages, survey answers, notifications) is
read-only everywhere. Failed notifications are the exception that proves the rule: an admin may
retry them, through ``notifications_retry``, never by editing the row; the health page
(``/admin/health/``, ``reship.admin.health``) shows what is stuck and retries the same way.
"""

from django.contrib import admin
from django.utils.translation import gettext_lazy as _

# Importing a module registers its admins with the site.
from reship.admin import api_keys, customers, notifications, requests, rules, settlement, waiting

__all__ = ["api_keys", "customers", "notifications", "requests", "rules", "settlement", "waiting"]

admin.site.site_header = _("Reship administration")
admin.site.site_title = _("Reship admin")
admin.site.index_title = _("Platform administration")

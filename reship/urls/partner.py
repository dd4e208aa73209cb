"""URLs of the dropship partner's pages (mounted at /partner/; the partner home is "partner-home")."""

from django.urls import path

from reship.views import partner as views

app_name = "partner"
urlpatterns = [
    path("queue/", views.queue, name="queue"),
    path("queue/approve/", views.bulk_approve, name="bulk-approve"),
    path("fulfilment/", views.fulfilment, name="fulfilment"),
    path("to-ship/", views.to_ship, name="to-ship"),
    path("settings/", views.settings_page, name="settings"),
    path("settings/webhook-secret/", views.webhook_secret, name="webhook-secret"),
    path("settings/rules/add/", views.rule_add, name="rule-add"),
    path("settings/rules/<int:rule_id>/edit/", views.rule_edit, name="rule-edit"),
    path("settings/rules/<int:rule_id>/delete/", views.rule_delete, name="rule-delete"),
    path("settings/rules/<int:rule_id>/toggle/", views.rule_toggle, name="rule-toggle"),
]

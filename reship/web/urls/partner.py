"""URLs of the dropship partner's pages (mounted at /partner/; the partner home is "partner-home")."""

from django.urls import path

from reship.web.views import partner as views
from reship.web.views import printing, tracking_import

app_name = "partner"
CSV, XLSX = {"file_format": "csv"}, {"file_format": "xlsx"}
urlpatterns = [
    path("queue/", views.queue, name="queue"),
    path("queue/approve/", views.bulk_approve, name="bulk-approve"),
    path("fulfilment/", views.fulfilment, name="fulfilment"),
    path("to-ship/", views.to_ship, name="to-ship"),
    path("to-ship/print/slips/", printing.print_slips, name="print-slips"),
    path("to-ship/print/pick-list/", printing.print_pick_list, name="print-pick-list"),
    path("tracking-import/", tracking_import.upload, name="tracking-import"),
    path(
        "tracking-import/to-ship.csv",
        tracking_import.to_ship_sheet,
        {"file_format": "csv"},
        name="tracking-import-sheet-csv",
    ),
    path(
        "tracking-import/to-ship.xlsx",
        tracking_import.to_ship_sheet,
        {"file_format": "xlsx"},
        name="tracking-import-sheet-xlsx",
    ),
    path("tracking-import/<int:job_id>/", tracking_import.result, name="tracking-import-result"),
    path("tracking-import/<int:job_id>/refused.csv", tracking_import.refused_download, name="tracking-import-refused"),
    path("settings/", views.settings_page, name="settings"),
    path("settings/webhook-secret/", views.webhook_secret, name="webhook-secret"),
    path("settings/rules/add/", views.rule_add, name="rule-add"),
    path("settings/rules/<int:rule_id>/edit/", views.rule_edit, name="rule-edit"),
    path("settings/rules/<int:rule_id>/delete/", views.rule_delete, name="rule-delete"),
    path("settings/rules/<int:rule_id>/toggle/", views.rule_toggle, name="rule-toggle"),
    path("settings/terms/<slug:kind>/<int:counterparty_id>/", views.terms_edit, name="terms-edit"),
]

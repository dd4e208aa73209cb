"""URLs of the seller's order pages."""

from django.urls import path

from reship.web.views import order_import as views_import
from reship.web.views import orders as views

app_name = "orders"
urlpatterns = [
    path("", views.order_list, name="list"),
    path("export.csv", views.export, {"file_format": "csv"}, name="export-csv"),
    path("export.xlsx", views.export, {"file_format": "xlsx"}, name="export-xlsx"),
    path("find/", views.find_by_tracking, name="find-by-tracking"),
    path("<int:pk>/", views.order_detail, name="detail"),
    path("<int:pk>/new-request/", views.new_request, name="new-request"),
    path("requests/<int:request_pk>/submitted/", views.request_submitted, name="request-submitted"),
    path("import/", views_import.import_start, name="import"),
    path("import/<int:pk>/", views_import.import_detail, name="import-detail"),
    path("import/<int:pk>/mapping/", views_import.import_mapping, name="import-mapping"),
    path("import/<int:pk>/progress/", views_import.import_progress, name="import-progress"),
    path("import/<int:pk>/refused.csv", views_import.import_refused, name="import-refused"),
    path("import/presets/<int:pk>/delete/", views_import.import_preset_delete, name="import-preset-delete"),
]

"""URLs of the evaluation dashboards and their exports (mounted at /dashboard/)."""

from django.urls import path

from reship.web.views import dashboard as views

app_name = "dashboard"
urlpatterns = [
    path("", views.dashboard, name="index"),
    path("export.csv", views.export_csv, name="export-csv"),
    path("export.xlsx", views.export_xlsx, name="export-xlsx"),
]

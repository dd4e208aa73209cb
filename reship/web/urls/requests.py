"""URLs of the request pages, the same for the seller's and the partner's staff."""

from django.urls import path

from reship.web.views import request_list
from reship.web.views import requests as views

app_name = "requests"
urlpatterns = [
    path("", request_list.request_list, name="list"),
    path("export.csv", request_list.export, {"file_format": "csv"}, name="export-csv"),
    path("export.xlsx", request_list.export, {"file_format": "xlsx"}, name="export-xlsx"),
    path("<int:pk>/", views.request_detail, name="detail"),
    path("<int:pk>/ship-to-views/", views.ship_to_reveals, name="ship-to-reveals"),
    path("<int:pk>/action/<slug:action>/", views.request_action, name="action"),
    path("<int:pk>/messages/", views.message_create, name="message"),
    path("<int:pk>/messages/<int:message_pk>/attachment/", views.message_attachment, name="attachment"),
    path("<int:pk>/communications/", views.communication_create, name="communication"),
    path("<int:pk>/evidence/<int:evidence_pk>/", views.evidence_download, name="evidence"),
]

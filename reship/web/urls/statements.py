"""Statements (对账单): the list, a statement's page and its actions, the print and the exports."""

from django.urls import path

from reship.web.views import statement_files, statements

app_name = "statements"

urlpatterns = [
    path("", statements.statement_list, name="list"),
    path("new/", statements.statement_new, name="new"),
    path("<int:pk>/", statements.statement_detail, name="detail"),
    path("<int:pk>/do/<slug:action>/", statements.statement_action, name="action"),
    path("<int:pk>/print/", statement_files.statement_print, name="print"),
    path("<int:pk>/export.csv", statement_files.statement_export_csv, name="export-csv"),
    path("<int:pk>/export.xlsx", statement_files.statement_export_xlsx, name="export-xlsx"),
]

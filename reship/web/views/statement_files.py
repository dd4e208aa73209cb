"""A statement's print (A4) and its CSV and XLSX exports (PENDING: the print helper builds them)."""

from django.http import HttpRequest, HttpResponse


def statement_print(request: HttpRequest, pk: int) -> HttpResponse:
    return HttpResponse("pending")


def statement_export_csv(request: HttpRequest, pk: int) -> HttpResponse:
    return HttpResponse("pending")


def statement_export_xlsx(request: HttpRequest, pk: int) -> HttpResponse:
    return HttpResponse("pending")

"""The customer's pages, no account needed: the shop's after-sale page (售后自助) with its logo and QR code,
and a request's tracking page. Each helper view module checks its own key or signed token."""

from django.urls import URLPattern, path  # noqa: F401

urlpatterns: list[URLPattern] = []

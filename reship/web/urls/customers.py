"""The customer's pages, no account needed: the shop's after-sale page (售后自助) with its logo and QR code,
and a request's tracking page. Each view module checks its own key or signed token."""

from django.urls import path

from reship.web.views import customer_report, customer_track, shop_public

urlpatterns = [
    path("c/<str:key>/", customer_report.lookup, name="customer-report"),
    path("c/<str:key>/order/<str:token>/", customer_report.report, name="customer-report-order"),
    path("c/<str:key>/logo/", shop_public.shop_logo, name="shop-logo"),
    path("c/<str:key>/qr.svg", shop_public.shop_report_qr, name="shop-report-qr"),
    path("t/<str:token>/", customer_track.track, name="customer-track"),
]

from django.conf import settings
from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path
from django.views.generic import RedirectView

from reship.admin import health as admin_health
from reship.api.docs import SchemaDocsView, SchemaView
from reship.config import health
from reship.config.csp import api_docs_policy
from reship.dev import bench as bench_views
from reship.web.views import account as account_views
from reship.web.views import csp as csp_views
from reship.web.views import home as views
from reship.web.views import public as public_views
from reship.web.views import statement_source

urlpatterns = [
    path("", views.home, name="home"),
    path("seller/", views.seller_home, name="seller-home"),
    path("partner/", views.partner_home, name="partner-home"),
    path("orders/", include("reship.web.urls.orders")),
    path("requests/", include("reship.web.urls.requests")),
    path("statements/", include("reship.web.urls.statements")),
    path("partner/", include("reship.web.urls.partner")),
    path("account/", include("reship.web.urls.account")),
    path("api/v1/", include("reship.api.urls")),
    path("api/schema/", SchemaView.as_view(), name="api-schema"),
    path("api/docs/", api_docs_policy(SchemaDocsView.as_view(url_name="api-schema")), name="api-docs"),
    # ReDoc was dropped: its bundle always loads its maker's logo from a CDN. Old links land on Swagger UI.
    path("api/redoc/", RedirectView.as_view(pattern_name="api-docs", permanent=True), name="api-redoc"),
    path("dashboard/", include("reship.web.urls.dashboard")),
    path("login/", account_views.LoginView.as_view(), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("i18n/", include("django.conf.urls.i18n")),
    path("restock/<str:token>/", public_views.restock_confirm, name="restock-confirm"),
    path("survey/<str:token>/", public_views.survey, name="survey"),
    path("statement/<str:token>/", statement_source.source_statement, name="source-statement"),
    path("", include("reship.web.urls.customers")),
    # Answered by reship.config.health.OpsEndpointsMiddleware before any other middleware (and /metrics);
    # routed too, for reverse() and for a stack without that middleware.
    path("healthz", health.healthz, name="healthz"),
    path("readyz", health.readyz, name="readyz"),
    # Where browsers report what the Content-Security-Policy blocked (settings.CSP_REPORT_PATH).
    path(settings.CSP_REPORT_PATH.lstrip("/"), csp_views.csp_report, name="csp-report"),
    # A 404 unless RESHIP_BENCH_FLOOR is on (the benchmark runner's own server).
    path("bench/floor/", bench_views.floor, name="bench-floor"),
    path("favicon.ico", RedirectView.as_view(url=settings.STATIC_URL + "favicon.svg", permanent=True)),
    # The platform's health for its admins (reship.admin.health), under the admin's login.
    path("admin/health/", admin_health.health_page, name="admin-health"),
    path("admin/", admin.site.urls),
]

# Uploaded files are never served from MEDIA_URL: evidence and attachments go out only through the
# views that check who is asking (requests:evidence, requests:attachment).

handler404 = "reship.web.views.errors.not_found"
# Under /api/ these answer the API's JSON error body (413, 500, 503 with Retry-After), not a page.
handler400 = "reship.config.handlers.bad_request"
handler500 = "reship.config.handlers.server_error"

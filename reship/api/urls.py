"""URLs of the JSON API, included at ``api/v1/`` by the root URLconf."""

from django.urls import path, re_path

from reship.api import evaluation

app_name = "api"
urlpatterns = [
    path("evaluation/", evaluation.EvaluationView.as_view(), name="evaluation"),
]

# Webhook endpoints (reship.api.webhooks).
from reship.api import webhooks  # noqa: E402

urlpatterns += [
    path("webhooks/", webhooks.WebhookEndpointListView.as_view(), name="webhooks"),
    path("webhooks/<str:webhook_id>/", webhooks.WebhookEndpointDetailView.as_view(), name="webhook"),
    path("webhooks/<str:webhook_id>/test/", webhooks.WebhookEndpointTestView.as_view(), name="webhook-test"),
]

# Orders and reship requests, with one endpoint per workflow action (reship.api.orders, .requests;
# requests.ACTION_VIEWS maps each action's slug to its named view, RequestApproveView and the rest).
# Ids are matched loosely and parsed by the views, so a malformed one is the API's JSON 404.
from reship.api import orders, requests  # noqa: E402

urlpatterns += [
    path("orders/", orders.OrderListView.as_view(), name="order-list"),
    re_path(r"^orders/(?P<pk>[^/]+)/$", orders.OrderDetailView.as_view(), name="order-detail"),
    path("requests/", requests.RequestListView.as_view(), name="request-list"),
    re_path(r"^requests/(?P<pk>[^/]+)/$", requests.RequestDetailView.as_view(), name="request-detail"),
    *(
        re_path(rf"^requests/(?P<pk>[^/]+)/{slug}/$", view.as_view(), name=f"request-{slug}")
        for slug, view in requests.ACTION_VIEWS.items()
    ),
]

# The thread, evidence, inbox, fulfilment reads, the caller, and API keys
# (reship.api.thread, .evidence, .inbox, .fulfilment, .me, .keys); ids parsed by the views, as above.
from reship.api import evidence, fulfilment, inbox, keys, me, thread  # noqa: E402

urlpatterns += [
    path("me/", me.MeView.as_view(), name="me"),
    path("keys/", keys.ApiKeyListCreateView.as_view(), name="keys"),
    re_path(r"^keys/(?P<key_id>[^/]+)/revoke/$", keys.ApiKeyRevokeView.as_view(), name="key-revoke"),
    re_path(
        r"^requests/(?P<request_id>[^/]+)/messages/$", thread.RequestMessagesView.as_view(), name="request-messages"
    ),
    re_path(
        r"^requests/(?P<request_id>[^/]+)/messages/(?P<pk>[^/]+)/attachment/$",
        thread.MessageAttachmentView.as_view(),
        name="request-message-attachment",
    ),
    re_path(
        r"^requests/(?P<request_id>[^/]+)/communications/$",
        thread.RequestCommunicationsView.as_view(),
        name="request-communications",
    ),
    re_path(
        r"^requests/(?P<request_id>[^/]+)/evidence/$", evidence.RequestEvidenceView.as_view(), name="request-evidence"
    ),
    re_path(
        r"^requests/(?P<request_id>[^/]+)/evidence/(?P<pk>[^/]+)/file/$",
        evidence.EvidenceFileView.as_view(),
        name="request-evidence-file",
    ),
    re_path(
        r"^requests/(?P<request_id>[^/]+)/shipments/$",
        fulfilment.RequestShipmentListView.as_view(),
        name="request-shipments",
    ),
    re_path(
        r"^orders/(?P<order_id>[^/]+)/shipments/$", fulfilment.OrderShipmentListView.as_view(), name="order-shipments"
    ),
    path("carriers/", fulfilment.CarrierListView.as_view(), name="carriers"),
    path("restock-orders/", fulfilment.RestockOrderListView.as_view(), name="restock-orders"),
    re_path(r"^restock-orders/(?P<pk>[^/]+)/$", fulfilment.RestockOrderDetailView.as_view(), name="restock-order"),
    path("inbox/", inbox.InboxListView.as_view(), name="inbox"),
    path("inbox/unread-count/", inbox.InboxUnreadCountView.as_view(), name="inbox-unread-count"),
    path("inbox/read-all/", inbox.InboxReadAllView.as_view(), name="inbox-read-all"),
    re_path(r"^inbox/(?P<notification_id>[^/]+)/read/$", inbox.InboxReadView.as_view(), name="inbox-read"),
]

# Settlement statements (reship.api.statements): reads through the selectors, each POST one function
# of the statement writer; ids parsed by the views, as above.
from reship.api import statements  # noqa: E402

urlpatterns += [
    path("statements/", statements.StatementListView.as_view(), name="statement-list"),
    re_path(r"^statements/(?P<pk>[^/]+)/$", statements.StatementDetailView.as_view(), name="statement-detail"),
    re_path(r"^statements/(?P<pk>[^/]+)/lines/$", statements.StatementLineListView.as_view(), name="statement-lines"),
    re_path(r"^statements/(?P<pk>[^/]+)/issue/$", statements.StatementIssueView.as_view(), name="statement-issue"),
    re_path(
        r"^statements/(?P<pk>[^/]+)/refresh/$", statements.StatementRefreshView.as_view(), name="statement-refresh"
    ),
    re_path(
        r"^statements/(?P<pk>[^/]+)/confirm/$", statements.StatementConfirmView.as_view(), name="statement-confirm"
    ),
    re_path(
        r"^statements/(?P<pk>[^/]+)/lines/(?P<line_id>[^/]+)/dispute/$",
        statements.StatementLineDisputeView.as_view(),
        name="statement-line-dispute",
    ),
    re_path(
        r"^statements/(?P<pk>[^/]+)/lines/(?P<line_id>[^/]+)/adjust/$",
        statements.StatementLineAdjustView.as_view(),
        name="statement-line-adjust",
    ),
    re_path(
        r"^statements/(?P<pk>[^/]+)/adjustments/$",
        statements.StatementAdjustmentView.as_view(),
        name="statement-adjustments",
    ),
    re_path(
        r"^statements/(?P<pk>[^/]+)/payments/$", statements.StatementPaymentView.as_view(), name="statement-payments"
    ),
]

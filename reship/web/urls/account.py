"""URLs of the account pages: profile, language, password change and reset, and the inbox."""

from django.urls import path

from reship.web.views import account, api_keys, inbox, shop_settings

app_name = "account"
urlpatterns = [
    path("profile/", account.profile, name="profile"),
    path("language/", account.language_switch, name="language"),
    path("password/", account.password_change, name="password-change"),
    path("password/done/", account.password_change_done, name="password-change-done"),
    path("password-reset/", account.password_reset, name="password-reset"),
    path("password-reset/sent/", account.password_reset_done, name="password-reset-done"),
    path("password-reset/<uidb64>/<token>/", account.password_reset_confirm, name="password-reset-confirm"),
    path("password-reset/done/", account.password_reset_complete, name="password-reset-complete"),
    path("inbox/", inbox.inbox, name="inbox"),
    path("inbox/badge/", inbox.inbox_badge, name="inbox-badge"),
    path("inbox/read-all/", inbox.inbox_read_all, name="inbox-read-all"),
    path("inbox/<int:notification_id>/read/", inbox.inbox_read, name="inbox-read"),
    path("api-keys/", api_keys.api_keys, name="api-keys"),
    path("api-keys/<int:key_id>/revoke/", api_keys.api_key_revoke_view, name="api-key-revoke"),
    path("shop/", shop_settings.shop_settings, name="shop-settings"),
    path("shop/messages/<str:event>/", shop_settings.shop_message, name="shop-message"),
    path("shop/messages/<str:event>/preview/", shop_settings.shop_message_preview, name="shop-message-preview"),
    path("shop/card/", shop_settings.shop_card, name="shop-card"),
]

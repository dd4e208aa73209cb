"""URLs of the account pages."""

app_name = "account"
urlpatterns: list = []

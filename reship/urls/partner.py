"""URLs of the partner pages."""

app_name = "partner"
urlpatterns: list = []

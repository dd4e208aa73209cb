"""URLs of the requests pages."""

app_name = "requests"
urlpatterns: list = []

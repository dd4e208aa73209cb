"""URLs of the seller's order pages."""

app_name = "orders"
urlpatterns: list = []

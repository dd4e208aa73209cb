"""URLs of the seller's order pages."""

from django.urls import path

from orders import views

app_name = "orders"
urlpatterns = [
    path("", views.order_list, name="list"),
    path("find/", views.find_by_tracking, name="find-by-tracking"),
    path("<int:pk>/", views.order_detail, name="detail"),
    path("<int:pk>/new-request/", views.new_request, name="new-request"),
    path("requests/<int:request_pk>/submitted/", views.request_submitted, name="request-submitted"),
]

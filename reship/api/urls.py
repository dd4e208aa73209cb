"""URLs of the JSON API, included at ``api/v1/`` by the root URLconf."""

from django.urls import path

from reship.api import evaluation

app_name = "api"
urlpatterns = [
    path("evaluation/", evaluation.EvaluationView.as_view(), name="evaluation"),
]

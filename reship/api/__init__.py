"""The JSON API (``/api/v1/``): session-authenticated, read through the same selectors and
evaluation functions as the pages, scoped to the signed-in user's organisation."""

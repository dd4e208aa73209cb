"""Dates as the app writes them everywhere (Y-m-d H:i, 24 hours), in both languages: Django's own
displays (the admin's change pages, ``|date`` without a format) follow these too, instead of
"Dec. 4, 2026, 9:17 a.m." or "2026年12月4日 09:17" beside the app's "2026-12-04 09:17"."""

DATE_FORMAT = "Y-m-d"
TIME_FORMAT = "H:i"
DATETIME_FORMAT = "Y-m-d H:i"
SHORT_DATE_FORMAT = "Y-m-d"
SHORT_DATETIME_FORMAT = "Y-m-d H:i"

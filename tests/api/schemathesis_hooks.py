"""Loaded by the Schemathesis run of ``test_schemathesis.py`` (``SCHEMATHESIS_HOOKS``): the dates and
times it generates are those the API takes, as the schema's descriptions say — days from 2000-01-01 to
2099-12-31 (``reship.core.bounds``), moments in those years with a UTC offset of at most 14 hours.

JSON Schema's ``date`` and ``date-time`` formats have no bounds to state this with, and Schemathesis
would otherwise send year 0001 and offsets of a day, which the API refuses by design with a 400 naming
the field (the FAQ's way: "Restrict a string format"). Every other value is generated from the schema
alone.
"""

from datetime import date, datetime, timedelta, timezone

import schemathesis
from hypothesis import strategies as st

EARLIEST, LATEST = date(2000, 1, 2), date(2099, 12, 30)  # a day inside the bounds in every time zone
OFFSETS = st.integers(min_value=-14 * 60, max_value=14 * 60).map(lambda minutes: timezone(timedelta(minutes=minutes)))

DAYS = st.dates(min_value=EARLIEST, max_value=LATEST)

schemathesis.openapi.format("date", DAYS.map(date.isoformat))
schemathesis.openapi.format("date-time", st.builds(datetime.combine, DAYS, st.times(), OFFSETS).map(datetime.isoformat))

"""Demo data for ``make run``: two sellers, two dropship partners, their sources, 300 orders and
150 reship requests in every status, with the users of the README's demo logins table. The
management command ``load_demo_data`` is a thin wrapper that prints what ``demo_data_load`` returns.

Parties, products and orders are written directly (they are not workflow rows). Every reship
request is driven through ``reship.workflow`` with back-dated moments, so its status, events,
lines, quotes, parcels and stage clock are the workflow's own; the notification rows those calls
write are marked delivered at their moments and their deliveries are queued, not run, so nothing
is sent and the console stays quiet (``requests`` says how, and why the inboxes start empty).

Modules: ``parties`` (organisations, users, logins), ``catalogue`` (products), ``orders``,
``tables`` (names, places, carriers and texts, shared with ``bench/``), ``plans`` (one request's
moves), ``requests`` (placing and replaying them), ``statements`` (last month's statement of each
pair, one line disputed), ``loading`` (the entry point and the counts).
"""

from reship.dev.demo.loading import SEED, DemoResult, demo_data_counts, demo_data_load
from reship.dev.demo.parties import (
    ADMIN_PASSWORD,
    ADMIN_USERNAME,
    STAFF_PASSWORD,
    DemoDataConflict,
    DemoLogin,
    demo_logins,
)

__all__ = [
    "ADMIN_PASSWORD",
    "ADMIN_USERNAME",
    "SEED",
    "STAFF_PASSWORD",
    "DemoDataConflict",
    "DemoLogin",
    "DemoResult",
    "demo_data_counts",
    "demo_data_load",
    "demo_logins",
]

"""``manage.py load_demo_data``: the demo sellers, partners, orders and reship requests, loaded once.

A thin wrapper around ``reship.dev.demo.demo_data_load``; it only prints. ``make run`` calls it on every
start, so a second run must change nothing and say so.
"""

import unicodedata
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from reship.dev.demo import SEED, DemoDataConflict, DemoResult, demo_data_load

COUNT_LABELS = [
    ("sellers", "sellers 卖家"),
    ("partners", "dropship partners 代发方"),
    ("partner_contacts", "partner contacts 联系人"),
    ("sources", "sources 货源方"),
    ("products", "products (SKUs)"),
    ("orders", "orders 订单"),
    ("order_lines", "order lines"),
    ("original_shipments", "original shipments"),
    ("reship_requests", "reship requests 补单"),
    ("reship_lines", "reship lines"),
    ("reship_shipments", "reship shipments 补寄"),
    ("restock_orders", "restock orders 补货"),
    ("events", "events"),
    ("thread_messages", "thread messages"),
    ("communication_records", "communication records"),
    ("survey_responses", "survey responses"),
]


def display_width(text: str) -> int:
    """Columns a terminal gives the text: Chinese characters take two."""
    return sum(2 if unicodedata.east_asian_width(char) in "WF" else 1 for char in text)


def pad(text: str, width: int) -> str:
    return text + " " * (width - display_width(text))


class Command(BaseCommand):
    help = "Load the demo data (users, sellers, partners, sources, orders, reship requests) unless it is there."

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            result = demo_data_load()
        except DemoDataConflict as error:
            raise CommandError(str(error)) from error
        if result.created:
            self._write_created(result)
        else:
            counts = result.counts
            self.stdout.write(
                self.style.WARNING(
                    f"Demo data already present ({counts['sellers']} sellers, {counts['orders']} orders, "
                    f"{counts['reship_requests']} reship requests); nothing created. 演示数据已存在，未做任何改动。"
                )
            )
        self._write_logins(result)

    def _write_created(self, result: DemoResult) -> None:
        self.stdout.write(
            self.style.SUCCESS(f"Demo data loaded in {result.seconds:.1f} s (seed {SEED}). 演示数据已加载：")
        )
        width = max(display_width(label) for _, label in COUNT_LABELS)
        for key, label in COUNT_LABELS:
            self.stdout.write(f"  {pad(label, width)}  {result.counts[key]:>5}")
        by_status = ", ".join(f"{status} {count}" for status, count in result.status_counts.items())
        self.stdout.write(f"  requests by status: {by_status}")

    def _write_logins(self, result: DemoResult) -> None:
        self.stdout.write("")
        self.stdout.write(self.style.MIGRATE_HEADING("Demo logins 演示账号 (once the server runs):"))
        rows = [("role", "username", "password", "URL", "organisation")]
        for login in result.logins:
            password = "(existing user: password unchanged)" if login.kept else login.password
            rows.append((login.role, login.username, password, login.url, login.organisation))
        widths = [max(display_width(row[column]) for row in rows) for column in range(len(rows[0]) - 1)]
        for row in rows:
            cells = [pad(cell, width) for cell, width in zip(row, widths, strict=False)]
            self.stdout.write("  " + "  ".join([*cells, row[-1]]).rstrip())

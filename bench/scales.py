"""The two scales the harness builds and runs, and where their databases and credentials live."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

REPO_ROOT = Path(__file__).resolve().parent.parent
STATE_DIR = REPO_ROOT / "var" / "bench"
RESULTS_DIR = Path(__file__).resolve().parent / "results"
DEFAULT_DATABASE_URL = "postgres://postgres@127.0.0.1:5432/reship_bench"


@dataclass(frozen=True)
class Scale:
    name: str
    sellers: int
    partners: int
    suppliers: int
    orders: int
    order_lines: int  # a target: lines per order are drawn so the total lands near it
    requests: int
    events: int  # a target, as above
    notifications: int  # kept: the newest rows up to this many (see bench.generate)
    # How long wrk warms up and then measures each scenario, in seconds.
    warmup_seconds: int
    duration_seconds: int
    # Notifications measured from commit to delivery, submitted one at a time at a steady pace.
    latency_samples: int


SCALES = {
    "full": Scale(
        name="full",
        sellers=100,
        partners=50,
        suppliers=500,
        orders=1_000_000,
        order_lines=2_500_000,
        requests=200_000,
        events=1_500_000,
        notifications=400_000,
        warmup_seconds=5,
        duration_seconds=20,
        latency_samples=150,
    ),
    "small": Scale(
        name="small",
        sellers=20,
        partners=10,
        suppliers=50,
        orders=10_000,
        order_lines=25_000,
        requests=2_000,
        events=15_000,
        notifications=4_000,
        warmup_seconds=2,
        duration_seconds=8,
        latency_samples=100,
    ),
}


def database_url(scale: Scale) -> str:
    """DATABASE_URL if set; else the local default, ``reship_bench`` (full) or ``reship_bench_small``."""
    url = os.environ.get("DATABASE_URL", "").strip()
    if url:
        return url
    if scale.name == "full":
        return DEFAULT_DATABASE_URL
    parts = urlsplit(DEFAULT_DATABASE_URL)
    return urlunsplit(parts._replace(path=f"{parts.path}_{scale.name}"))


def database_name(url: str) -> str:
    return urlsplit(url).path.lstrip("/")


def credentials_path(url: str) -> Path:
    """What the loader hands the runner: users, passwords, API keys, the biggest seller and partner."""
    return STATE_DIR / f"{database_name(url)}.json"

"""Loading a user's IANA time zone name without failing on a bad one."""

from __future__ import annotations

from zoneinfo import ZoneInfo, ZoneInfoNotFoundError


def time_zone_load(name: str) -> ZoneInfo | None:
    """The zone for an IANA name, or None if it is not one (``ZoneInfo`` caches loaded zones)."""
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError, OSError):
        return None

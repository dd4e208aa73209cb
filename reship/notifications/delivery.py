"""Placeholder until delivery lands: leaves rows pending."""


def notification_deliver(*, notification_id: int) -> str:
    return "pending"

"""Notifications: who is told what (``outbox``), and how each row is delivered (``delivery``)."""

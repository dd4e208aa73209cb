"""Reship: the project package (settings, urls, Celery app) and the reship-request domain."""

from reship.config.celery import app as celery_app

__all__ = ["celery_app"]

"""WSGI entry point: ``gunicorn reship.config.wsgi:application``."""

import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "reship.config.settings.base")

application = get_wsgi_application()

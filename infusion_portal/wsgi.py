"""WSGI entry point (gunicorn ``infusion_portal.wsgi:application``)."""

from __future__ import annotations

import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "infusion_portal.settings")

application = get_wsgi_application()

# syntax=docker/dockerfile:1

# Infusion Portal: one image for the web process (gunicorn, the default CMD), the Celery
# worker, Celery beat and the one-shot migrate job (see docker-compose.yml).

# ---- build stage: install the hashed, locked dependencies into a virtualenv ----
FROM python:3.13-slim AS build

ENV PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PYTHONDONTWRITEBYTECODE=1

RUN python -m venv /opt/venv
ENV PATH="/opt/venv/bin:${PATH}"

WORKDIR /app
# The lock file first, so code changes do not invalidate the dependency layer.
COPY requirements.lock ./
RUN pip install --no-cache-dir --require-hashes -r requirements.lock

# ---- messages stage: compile the translation catalogs (English and Spanish, issue 7) ----
# gettext's msgfmt is needed only here; the .mo files are copied into the runtime image.
FROM build AS messages
RUN apt-get update \
    && apt-get install -y --no-install-recommends gettext \
    && rm -rf /var/lib/apt/lists/*
COPY . .
RUN DJANGO_DEBUG=0 \
    DJANGO_SECRET_KEY=compilemessages-build-step-only-not-a-secret \
    DJANGO_ALLOWED_HOSTS=localhost \
    DATABASE_URL=sqlite:////tmp/compilemessages-unused.sqlite3 \
    REDIS_URL=redis://localhost:6379/0 \
    EMAIL_URL=consolemail:// \
    python manage.py compilemessages --ignore=node_modules

# ---- runtime stage ----
FROM python:3.13-slim AS runtime

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PATH="/opt/venv/bin:${PATH}"

# Unprivileged account the processes run as; the code and the virtualenv stay root-owned,
# so the application cannot rewrite itself.
RUN groupadd --system --gid 10001 app \
    && useradd --system --uid 10001 --gid app --create-home --home-dir /home/app \
       --shell /usr/sbin/nologin app

COPY --from=build /opt/venv /opt/venv

WORKDIR /app
COPY . .
COPY --from=messages /app/locale /app/locale

# Collect static files for whitenoise. The production storage
# (CompressedManifestStaticFilesStorage) writes the manifest that production needs, so this
# step runs with DJANGO_DEBUG=0 and build-only placeholders for the variables production
# settings require: collectstatic touches neither the database, Redis nor the mailer, and
# none of these values ends up in the image's environment.
RUN DJANGO_DEBUG=0 \
    DJANGO_SECRET_KEY=collectstatic-build-step-only-not-a-secret \
    DJANGO_ALLOWED_HOSTS=localhost \
    DATABASE_URL=sqlite:////tmp/collectstatic-unused.sqlite3 \
    REDIS_URL=redis://localhost:6379/0 \
    EMAIL_URL=consolemail:// \
    python manage.py collectstatic --noinput

USER app

EXPOSE 8000

# Django answers only to DJANGO_ALLOWED_HOSTS, so the probe sends the first allowed host as
# its Host header (a leading-dot wildcard loses its dot). /healthz is exempt from the HTTPS
# redirect; a 503 raises HTTPError and fails the check.
HEALTHCHECK --interval=30s --timeout=10s --start-period=30s --retries=3 \
    CMD ["python", "-c", "import os, sys, urllib.request as u; host = next((h.strip().lstrip('.') for h in os.environ.get('DJANGO_ALLOWED_HOSTS', '').split(',') if h.strip() not in ('', '*')), 'localhost'); sys.exit(0 if u.urlopen(u.Request('http://127.0.0.1:8000/healthz', headers={'Host': host}), timeout=5).status == 200 else 1)"]

CMD ["gunicorn", "infusion_portal.wsgi:application", "--bind", "0.0.0.0:8000", "--workers", "3", "--timeout", "60", "--access-logfile", "-"]

"""Settings for Infusion Portal, read from the environment (django-environ).

One module for every environment: production differences come from environment
variables. ``DJANGO_DEBUG=1`` (set by ``make run`` and ``make test`` only) lets missing
values fall back to a development secret, SQLite, the console mailer and in-process
tasks; without it a missing secret, database, broker, host list or mailer stops start-up.
"""

from __future__ import annotations

import os
from datetime import timedelta
from pathlib import Path
from typing import Any

import django_stubs_ext
import environ
from celery.schedules import crontab
from django.core.exceptions import ImproperlyConfigured
from django.utils.csp import CSP

# Lets classes such as ModelAdmin be subscripted for type checking at run time.
django_stubs_ext.monkeypatch()

BASE_DIR = Path(__file__).resolve().parent.parent

env = environ.Env()
if env.bool("DJANGO_READ_DOT_ENV_FILE", default=False):
    env.read_env(str(BASE_DIR / ".env"))

DEBUG: bool = env.bool("DJANGO_DEBUG", default=False)


def required(name: str, *, dev_default: str) -> str:
    """Return the variable, or ``dev_default`` in debug mode; otherwise refuse to start."""
    value = os.environ.get(name, "").strip()
    if value:
        return value
    if DEBUG:
        return dev_default
    raise ImproperlyConfigured(
        f"{name} is not set. Production settings need it in the environment "
        f"(see README.md, 'Environment variables'); for local development set DJANGO_DEBUG=1."
    )


# Core
SECRET_KEY = required(
    "DJANGO_SECRET_KEY",
    dev_default="django-insecure-development-only-key-never-use-this-in-production-0123456789",
)
ALLOWED_HOSTS: list[str] = [
    host.strip()
    for host in required(
        "DJANGO_ALLOWED_HOSTS", dev_default="127.0.0.1,localhost,[::1],testserver"
    ).split(",")
    if host.strip()
]
CSRF_TRUSTED_ORIGINS: list[str] = env.list("DJANGO_CSRF_TRUSTED_ORIGINS", default=[])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "rest_framework",
    "drf_spectacular",
    "django_htmx",
    "axes",
    # Second sign-in factor (issue 8): TOTP devices and single-use recovery codes.
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_static",
    # Our apps, in the order their imports may flow (see README, "Apps").
    "accounts",
    "patients",
    "inventory",
    "therapies",
    "scheduling",
    "content",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    # Sets request.user.otp_device from the session (None until the second factor).
    "django_otp.middleware.OTPMiddleware",
    "accounts.middleware.PortalLoginRequiredMiddleware",
    "accounts.middleware.SessionTimeoutMiddleware",
    # After the idle logoff: staff reach nothing but the MFA pages before the second factor.
    "accounts.mfa_middleware.SecondFactorRequiredMiddleware",
    "axes.middleware.AxesMiddleware",
    # After authentication: a patient's pages follow their preferred language (issue 7).
    "patients.middleware.PatientLanguageMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django.middleware.csp.ContentSecurityPolicyMiddleware",
    "accounts.middleware.PermissionsPolicyMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
]

ROOT_URLCONF = "infusion_portal.urls"
WSGI_APPLICATION = "infusion_portal.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.template.context_processors.csp",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "infusion_portal.context_processors.pharmacy",
                "accounts.context_processors.navigation",
            ],
        },
    },
]

# Database
DATABASES = {
    "default": env.db_url_config(
        required("DATABASE_URL", dev_default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}")
    )
}
DATABASES["default"]["CONN_MAX_AGE"] = env.int("DJANGO_CONN_MAX_AGE", default=60)
# Workers and web processes survive a database restart without serving stale connections.
DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# Cache and broker
REDIS_URL: str = required("REDIS_URL", dev_default="")
if REDIS_URL:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": "infusion-portal",
        }
    }
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

# Authentication
AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = [
    # Axes first, so a locked-out username+address is refused before the password is checked.
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
# ASVS 5.0 6.2.1/6.2.4/6.2.5: at least 12 characters, common passwords refused, no
# composition rules.
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 12},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "accounts-landing"
LOGOUT_REDIRECT_URL = "home"
PASSWORD_RESET_TIMEOUT = 60 * 60  # one hour: a reset link is a credential
# Reset mails per address, and reset requests per client address, in the window (issue 13
# item 7; accounts.password_reset). Over either, the answer is the same and no mail goes.
PASSWORD_RESET_MAILS_PER_ADDRESS = env.int("PASSWORD_RESET_MAILS_PER_ADDRESS", default=3)
PASSWORD_RESET_REQUESTS_PER_CLIENT = env.int("PASSWORD_RESET_REQUESTS_PER_CLIENT", default=10)
PASSWORD_RESET_THROTTLE_WINDOW = timedelta(
    minutes=env.int("PASSWORD_RESET_THROTTLE_MINUTES", default=60)
)
# A patient portal invitation link (issue 7) lets its holder set the password: it expires.
PATIENT_INVITATION_HOURS = env.int("PATIENT_INVITATION_HOURS", default=72)

# Failed logins (django-axes): lock the username from that address, not the account
# everywhere, so an attacker cannot lock a nurse out of her own laptop (ASVS 6.3.1).
AXES_FAILURE_LIMIT = env.int("AXES_FAILURE_LIMIT", default=5)
AXES_COOLOFF_TIME = timedelta(minutes=env.int("AXES_COOLOFF_MINUTES", default=15))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_USERNAME_CALLABLE = "accounts.lockout.attempted_email"
AXES_LOCKOUT_TEMPLATE = "registration/locked_out.html"
AXES_VERBOSE = False  # its log lines would carry the attempted email address

# Second factor (issue 8; ASVS 5.0 6.3.2, HIPAA 164.312(d)): every staff role and superuser
# passes a TOTP code (RFC 6238, 30 s, single-use) after the password. Only `make run` (the
# local demo) turns it off; production refuses to start without it.
STAFF_MFA_REQUIRED: bool = env.bool("STAFF_MFA_REQUIRED", default=True)
if not STAFF_MFA_REQUIRED and not DEBUG:
    raise ImproperlyConfigured(
        "STAFF_MFA_REQUIRED is off. Production settings require a second factor for staff "
        "(HIPAA 164.312(d), ASVS 6.3.2); unset it or set it to 1."
    )
# Wrong second-factor codes allowed per person in the window before the step is paused.
MFA_FAILURE_LIMIT = env.int("MFA_FAILURE_LIMIT", default=5)
MFA_FAILURE_WINDOW = timedelta(minutes=env.int("MFA_FAILURE_WINDOW_MINUTES", default=15))
# A change to one's second-factor devices needs a full authentication (password, and a
# code if one has a device) at most this long ago (ASVS 5.0 7.5.1; accounts.mfa.reauth).
MFA_REAUTHENTICATION = timedelta(minutes=env.int("MFA_REAUTHENTICATION_MINUTES", default=10))
# The code mailed before a first device (accounts.mfa.enrolment_codes): its lifetime (at
# most 10 minutes, ASVS 6.5.5), the wrong tries that kill it, and how many a person may be
# sent an hour.
MFA_ENROLMENT_CODE_LIFETIME = timedelta(
    minutes=min(env.int("MFA_ENROLMENT_CODE_MINUTES", default=10), 10)
)
MFA_ENROLMENT_CODE_ATTEMPTS = env.int("MFA_ENROLMENT_CODE_ATTEMPTS", default=3)
MFA_ENROLMENT_CODES_PER_HOUR = env.int("MFA_ENROLMENT_CODES_PER_HOUR", default=5)
# Our per-person pause replaces django-otp's per-device exponential delay, which would
# refuse a right code a second after a wrong one without saying why.
OTP_TOTP_THROTTLE_FACTOR = 0
OTP_STATIC_THROTTLE_FACTOR = 0
# The admin never shows a device's secret key or recovery codes (a lost phone: delete the
# device; the person enrols again at the next sign-in).
OTP_ADMIN_HIDE_SENSITIVE_DATA = True

# Sessions: staff idle logoff after 15 minutes (HIPAA 164.312(a)(2)(iii)), patients after
# 30; an absolute lifetime caps both. Enforced server-side by SessionTimeoutMiddleware.
STAFF_IDLE_TIMEOUT = timedelta(minutes=env.int("STAFF_IDLE_TIMEOUT_MINUTES", default=15))
# How long a break-glass grant to a chart outside one's care access lasts (patients.emergency).
BREAK_GLASS_DURATION = timedelta(hours=env.int("BREAK_GLASS_HOURS", default=4))
PATIENT_IDLE_TIMEOUT = timedelta(minutes=env.int("PATIENT_IDLE_TIMEOUT_MINUTES", default=30))
SESSION_ABSOLUTE_LIFETIME = timedelta(hours=env.int("SESSION_ABSOLUTE_LIFETIME_HOURS", default=12))
SESSION_COOKIE_AGE = int(SESSION_ABSOLUTE_LIFETIME.total_seconds())
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_HTTPONLY = True  # htmx gets the token from hx-headers, never from the cookie

# Internationalization
LANGUAGE_CODE = "en"
LANGUAGES = [("en", "English"), ("es", "Español")]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = env.str("TIME_ZONE", default="America/New_York")
USE_I18N = True
USE_TZ = True

# Static files
STATIC_URL = "static/"
# collectstatic (production image) writes here; development serves from the finders.
STATIC_ROOT = None if DEBUG else BASE_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES: dict[str, dict[str, Any]] = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "django.contrib.staticfiles.storage.StaticFilesStorage"
            if DEBUG
            else "whitenoise.storage.CompressedManifestStaticFilesStorage"
        )
    },
}
WHITENOISE_USE_FINDERS = DEBUG

# Email: EMAIL_URL (smtp://user:password@host:587/?tls=True) feeds Django 6.1's MAILERS.
_email = env.email_url_config(required("EMAIL_URL", dev_default="consolemail://"))
MAILERS: dict[str, dict[str, Any]] = {
    "default": {
        "BACKEND": _email["EMAIL_BACKEND"],
        "OPTIONS": {
            key: value
            for key, value in {
                "host": _email.get("EMAIL_HOST"),
                "port": _email.get("EMAIL_PORT"),
                "username": _email.get("EMAIL_HOST_USER"),
                "password": _email.get("EMAIL_HOST_PASSWORD"),
                "use_tls": _email.get("EMAIL_USE_TLS"),
                "use_ssl": _email.get("EMAIL_USE_SSL"),
            }.items()
            if value not in (None, "")
        },
    }
}
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default="Infusion Portal <no-reply@localhost>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL

# The pharmacy (shown on every page; never literals in templates)
PHARMACY_NAME = env.str("PHARMACY_NAME", default="Riverbend Infusion Pharmacy")
# The account name authenticator apps show next to the six-digit code.
OTP_TOTP_ISSUER = PHARMACY_NAME
PHARMACY_POSTAL_ADDRESS = env.str(
    "PHARMACY_POSTAL_ADDRESS", default="1200 Harbor Street, Suite 300, Baltimore, MD 21230"
)
PHARMACY_PHONE = env.str("PHARMACY_PHONE", default="+1 410 555 0142")

# Newsletter (issue 6)
# Absolute links in mail sent by jobs (no request to build them from), e.g. the RFC 8058
# unsubscribe URL, which mail clients only offer as one-click when it is HTTPS.
PORTAL_BASE_URL = required("PORTAL_BASE_URL", dev_default="http://127.0.0.1:8000").rstrip("/")
# A delivery claimed longer ago than this is taken as abandoned (its worker died) and may
# be claimed again. Keep it above CELERY_TASK_TIME_LIMIT, so a live claim is never stolen.
NEWSLETTER_CLAIM_STALE_MINUTES = env.int("NEWSLETTER_CLAIM_STALE_MINUTES", default=15)

# Patients
# Dosing uses the latest weight only when it is at most this old (domain reference §5B).
MEASUREMENT_MAX_AGE_DAYS = env.int("MEASUREMENT_MAX_AGE_DAYS", default=30)

# Therapies (dosing; domain reference §3A, §3B, §4B)
# Payers allow rounding to whole vials within ±10% of the ordered dose (§3B [R56][R57]);
# 0 turns rounding off (least waste only).
DOSE_ROUNDING_TOLERANCE_PERCENT = env.int("DOSE_ROUNDING_TOLERANCE_PERCENT", default=10)
# The "auto" weight basis uses adjusted weight when actual exceeds ideal by this much (§3A [R54]).
DOSE_AUTO_ADJUST_PERCENT_OVER_IDEAL = env.int("DOSE_AUTO_ADJUST_PERCENT_OVER_IDEAL", default=20)
# Labeled 2-day regimens give at most 1 g/kg a day (§3C [R10][R16]); more is flagged.
DOSE_MAX_DAILY_G_PER_KG = env.str("DOSE_MAX_DAILY_G_PER_KG", default="1")
# A gap longer than this since the last infusion means first-infusion precautions (§4B).
FIRST_INFUSION_GAP_DAYS = env.int("FIRST_INFUSION_GAP_DAYS", default=56)

# Security
SECURE_PROXY_SSL_HEADER = (
    ("HTTP_X_FORWARDED_PROTO", "https")
    if env.bool("DJANGO_SECURE_PROXY_SSL_HEADER", default=False)
    else None
)
SECURE_SSL_REDIRECT = env.bool("DJANGO_SECURE_SSL_REDIRECT", default=not DEBUG)
SECURE_REDIRECT_EXEMPT = [r"^healthz$"]  # probes talk plain HTTP inside the network
SECURE_HSTS_SECONDS = 0 if DEBUG else 31_536_000  # ASVS 3.4.1: at least a year
SECURE_HSTS_INCLUDE_SUBDOMAINS = not DEBUG
SECURE_HSTS_PRELOAD = not DEBUG
SESSION_COOKIE_SECURE = not DEBUG
CSRF_COOKIE_SECURE = not DEBUG
# The __Host- prefix pins cookies to this host and HTTPS (ASVS 3.3.3); browsers refuse it
# over plain HTTP, so development keeps the usual names.
SESSION_COOKIE_NAME = "sessionid" if DEBUG else "__Host-sessionid"
CSRF_COOKIE_NAME = "csrftoken" if DEBUG else "__Host-csrftoken"
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
# Content Security Policy on every response (ASVS 5.0 3.4.3, 3.4.6); scripts and styles
# come from our own static files, and the few inline ones carry the request's nonce.
SECURE_CSP: dict[str, list[str]] = {
    "default-src": [CSP.SELF],
    "script-src": [CSP.SELF, CSP.NONCE],
    "style-src": [CSP.SELF, CSP.NONCE],
    "img-src": [CSP.SELF, "data:"],
    "font-src": [CSP.SELF],
    "connect-src": [CSP.SELF],
    "object-src": [CSP.NONE],
    "base-uri": [CSP.NONE],
    "frame-ancestors": [CSP.NONE],
    "form-action": [CSP.SELF],
}
DATA_UPLOAD_MAX_MEMORY_SIZE = 2_621_440

# Inventory
# A lot received with fewer days than this before expiry needs a written override reason.
INVENTORY_SHORT_DATED_WINDOW_DAYS = env.int("INVENTORY_SHORT_DATED_WINDOW_DAYS", default=90)
# FEFO reserves only lots still in date this many days after the day they are needed.
INVENTORY_FEFO_MARGIN_DAYS = env.int("INVENTORY_FEFO_MARGIN_DAYS", default=7)
# A reservation's day may be at most this far ahead: 26 weeks, the furthest scheduling
# generates visits (scheduling.forms.GenerateForm), so every proposed visit can be reserved.
INVENTORY_RESERVATION_HORIZON_DAYS = env.int("INVENTORY_RESERVATION_HORIZON_DAYS", default=182)
# A receipt may be dated at most this many days before today (never after it). Shipments are
# entered when they are checked in; a fortnight covers a late entry after a long weekend or an
# outage. Older, the stock has sat unrecorded on the shelf and the date is likelier a typo (a
# wrong year) that would misdate the DSCSA transaction record.
INVENTORY_RECEIPT_MAX_AGE_DAYS = env.int("INVENTORY_RECEIPT_MAX_AGE_DAYS", default=14)
# No lot may expire later than this many months after its receipt date: the longest shelf
# life of any IG product in the domain reference (§1A/§1B) is 36 months at 2-8 °C (Gammagard
# Liquid, Gamunex-C, Panzyga; Bivigam, Asceniv and Cutaquig after FDA extensions [R1][R6][R16]
# [R18][R22][R29][R36]), counted from manufacture, which is before receipt. A later date is a
# misread carton (e.g. a two-digit year); raise it only when a label's shelf life grows.
INVENTORY_MAX_SHELF_LIFE_MONTHS = env.int("INVENTORY_MAX_SHELF_LIFE_MONTHS", default=36)

# Scheduling
# Minutes added to the dosing module's infusion time: setting up (line, premedication,
# baseline vitals) and observing afterwards (at least 20 minutes, domain reference §5D [R62]).
SCHEDULING_SETUP_MINUTES = env.int("SCHEDULING_SETUP_MINUTES", default=30)
SCHEDULING_OBSERVATION_MINUTES = env.int("SCHEDULING_OBSERVATION_MINUTES", default=30)
# Between two visits of one nurse at different places (driving between homes).
SCHEDULING_TRAVEL_BUFFER_MINUTES = env.int("SCHEDULING_TRAVEL_BUFFER_MINUTES", default=45)
# Local wall-clock start of generated visits, in the patient's time zone (HH:MM).
SCHEDULING_DEFAULT_START_TIME = env.str("SCHEDULING_DEFAULT_START_TIME", default="09:00")
# A confirmed visit's cold-chain delivery must have shipped this long before the visit;
# later it is a blocking conflict (issue 5 item 9).
SCHEDULING_DELIVERY_LEAD_HOURS = env.int("SCHEDULING_DELIVERY_LEAD_HOURS", default=24)

# Reminders and nurse digests (issue 5 item 11; scheduling.reminders)
# Hours before a confirmed visit at which patients are reminded, longest first.
REMINDER_OFFSETS_HOURS: list[int] = sorted(
    env.list("REMINDER_OFFSETS_HOURS", cast=int, default=[72, 24]), reverse=True
)
# The last reminder is not sent closer to the visit than this (e.g. held by quiet hours).
REMINDER_MIN_LEAD_HOURS = env.int("REMINDER_MIN_LEAD_HOURS", default=2)
# A claimed reminder not marked sent after this long belonged to a dead worker: send it
# again. Keep it above CELERY_TASK_TIME_LIMIT, so a live claim is never taken over.
REMINDER_CLAIM_STALE_MINUTES = env.int("REMINDER_CLAIM_STALE_MINUTES", default=15)
REMINDER_EVERY_MINUTES = env.int("REMINDER_EVERY_MINUTES", default=15)
# Local hour (pharmacy time zone) after which nurses get the list of the next day's visits.
NURSE_DIGEST_HOUR = env.int("NURSE_DIGEST_HOUR", default=18)

# SMS (scheduling.sms): a dotted backend path. Production names one explicitly; the HTTP
# provider then needs SMS_API_URL and SMS_API_KEY.
SMS_BACKEND = required("SMS_BACKEND", dev_default="scheduling.sms.ConsoleSmsBackend")
SMS_API_URL = env.str("SMS_API_URL", default="")
SMS_API_KEY = env.str("SMS_API_KEY", default="")
SMS_API_TIMEOUT_SECONDS = env.float("SMS_API_TIMEOUT_SECONDS", default=10.0)
SMS_SENDER = env.str("SMS_SENDER", default="")
if SMS_BACKEND == "scheduling.sms.HttpSmsBackend" and not (SMS_API_URL and SMS_API_KEY):
    raise ImproperlyConfigured(
        "SMS_BACKEND is the HTTP provider, but SMS_API_URL or SMS_API_KEY is not set."
    )

# DRF
REST_FRAMEWORK = {
    # Integrations send "Authorization: Bearer <token>" (accounts.api_tokens, issue 8 item 4);
    # with that header the token alone decides, never the session.
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "accounts.api_tokens.ApiTokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    # Default-deny: DRF's own default is AllowAny.
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    # JSON only: the browsable API's pages break the CSP (inline styles) and accessibility.
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "DEFAULT_PAGINATION_CLASS": "rest_framework.pagination.PageNumberPagination",
    "PAGE_SIZE": 50,
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "DEFAULT_THROTTLE_CLASSES": [
        "rest_framework.throttling.AnonRateThrottle",
        "rest_framework.throttling.UserRateThrottle",
        # Per API token (its prefix) and per client address, whoever is calling.
        "accounts.api_tokens.ApiTokenRateThrottle",
        "accounts.api_tokens.AddressRateThrottle",
    ],
    # Throttle by REMOTE_ADDR (set by the proxy, as for the audit log), never by a client's
    # own X-Forwarded-For header, which would let it pick a fresh key per request.
    "NUM_PROXIES": 0,
    "DEFAULT_THROTTLE_RATES": {
        "anon": env.str("API_THROTTLE_ANON", default="30/minute"),
        "user": env.str("API_THROTTLE_USER", default="600/minute"),
        "api_token": env.str("API_THROTTLE_TOKEN", default="300/minute"),
        "address": env.str("API_THROTTLE_ADDRESS", default="900/minute"),
    },
}
# Longest lifetime of an API token, in days (accounts.models.ApiToken.clean).
API_TOKEN_MAX_DAYS = env.int("API_TOKEN_MAX_DAYS", default=365)
SPECTACULAR_SETTINGS = {
    "TITLE": "Infusion Portal API",
    "DESCRIPTION": "REST API of the home-infusion pharmacy portal. Staff only.",
    "VERSION": "1",
    "SERVE_INCLUDE_SCHEMA": False,
    "SERVE_PERMISSIONS": ["accounts.permissions.IsStaffMember"],
    # One name for the site-of-care kinds (a patient's preference, a site's kind).
    "ENUM_NAME_OVERRIDES": {
        "SiteOfCareKindEnum": "patients.models.SiteOfCare",
        "USStateEnum": "patients.models.US_STATES",
    },
}

# Celery: without REDIS_URL (make run on a fresh machine) tasks run in process.
CELERY_BROKER_URL = REDIS_URL or "memory://"
CELERY_TASK_ALWAYS_EAGER = not REDIS_URL
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_TASK_SERIALIZER = "json"
CELERY_RESULT_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TASK_IGNORE_RESULT = True  # no task's result is read; jobs record outcomes in rows
CELERY_RESULT_BACKEND = None
CELERY_TASK_TIME_LIMIT = 5 * 60
CELERY_TASK_SOFT_TIME_LIMIT = 4 * 60
# Redelivery when a worker dies mid-task; every task is idempotent, so a repeat is safe.
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
# Above the longest task; we never use long ETAs (beat plus "due" queries drive sends).
CELERY_BROKER_TRANSPORT_OPTIONS = {"visibility_timeout": 60 * 60}
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_WORKER_HIJACK_ROOT_LOGGER = False
CELERY_TIMEZONE = TIME_ZONE
CELERY_BEAT_SCHEDULE: dict[str, dict[str, Any]] = {
    # Every night: delete expired sessions, so logged-off sessions leave no data behind.
    "clear-expired-sessions": {
        "task": "accounts.tasks.clear_expired_sessions_task",
        "schedule": crontab(hour=env.int("SESSION_CLEANUP_HOUR", default=3), minute=15),
    },
    # Every night: delete newsletter signups never confirmed within 30 days (issue 6).
    "purge-unconfirmed-newsletter-signups": {
        "task": "content.tasks.purge_unconfirmed_signups_task",
        "schedule": crontab(hour=4, minute=30),
    },
    # Every 5 minutes: start newsletter editions whose time has come and re-enqueue
    # deliveries left pending by a crashed or failed batch (issue 6). Expires before the
    # next run, so a backlog of stale runs never piles up behind a stopped worker.
    "send-due-newsletter-editions": {
        "task": "content.tasks.send_due_editions_task",
        "schedule": crontab(minute="*/5"),
        "options": {"expires": 4 * 60},
    },
    # Every morning: expire lots, email expiry (90/60/30 days) and reorder alerts (issue 3).
    "send-inventory-alerts": {
        "task": "inventory.tasks.send_inventory_alerts_task",
        "schedule": crontab(hour=6, minute=0),
    },
    # Every 15 minutes (REMINDER_EVERY_MINUTES): patient reminders due 72 h and 24 h before
    # confirmed visits, and nurses' evening digests (issue 5 item 11). Expires before the
    # next run, so stale runs never pile up behind a stopped worker.
    "send-due-reminders": {
        "task": "scheduling.tasks.send_due_reminders_task",
        "schedule": timedelta(minutes=REMINDER_EVERY_MINUTES),
        "options": {"expires": REMINDER_EVERY_MINUTES * 60 - 30},
    },
    "send-nurse-digests": {
        "task": "scheduling.tasks.send_nurse_digests_task",
        "schedule": timedelta(minutes=REMINDER_EVERY_MINUTES),
        "options": {"expires": REMINDER_EVERY_MINUTES * 60 - 30},
    },
}

# Logging: to stdout, with times in UTC; never patient data.
LOGGING: dict[str, Any] = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {
        "plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"},
    },
    # Every handler masks patient identifiers (accounts.logging; HIPAA minimum necessary).
    "filters": {"mask_phi": {"()": "accounts.logging.PHIMaskingFilter"}},
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "formatter": "plain",
            "filters": ["mask_phi"],
        },
    },
    "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", default="INFO")},
    "loggers": {
        "axes": {"level": "WARNING"},
        # Django's default handlers (mail_admins with the request's POST data, a DEBUG
        # console) would bypass the mask; its records go to the root handlers instead.
        "django": {"handlers": [], "level": "INFO", "propagate": True},
    },
}

"""Settings for the whole project, read from the environment (see .env.example)."""

import ipaddress
from datetime import timedelta
from email.utils import parseaddr
from pathlib import Path
from urllib.parse import urlsplit

import environ
from csp.constants import NONE, SELF
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent

env = environ.Env()
environ.Env.read_env(BASE_DIR / ".env", overwrite=False)

DEBUG = env.bool("DEBUG", default=False)

if DEBUG:
    SECRET_KEY = env("SECRET_KEY", default="django-insecure-development-only-key")
    ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["localhost", "127.0.0.1", "[::1]"])
else:
    # A production process must never fall back to a guessable key or accept any Host.
    try:
        SECRET_KEY = env("SECRET_KEY")
        ALLOWED_HOSTS = env.list("ALLOWED_HOSTS")
    except ImproperlyConfigured as missing:
        raise ImproperlyConfigured(
            f"{missing}. Production (DEBUG off) needs SECRET_KEY and ALLOWED_HOSTS; "
            "set DEBUG=true for local development."
        ) from None
    if not SECRET_KEY or not ALLOWED_HOSTS:
        raise ImproperlyConfigured(
            f"{'SECRET_KEY' if not SECRET_KEY else 'ALLOWED_HOSTS'} is empty. Production "
            "(DEBUG off) needs SECRET_KEY and ALLOWED_HOSTS; set DEBUG=true for local development."
        )

SITE_NAME = env("SITE_NAME", default="Phonebook")
# Where Twilio reaches this site; status callbacks, webhook signatures and the origin-bound
# line of code SMS are built from it. Production has no default: a guess (127.0.0.1) would
# send Twilio's callbacks nowhere and put the wrong host in every code.
PUBLIC_BASE_URL = env("PUBLIC_BASE_URL", default="http://127.0.0.1:8000" if DEBUG else "").rstrip(
    "/"
)
_public = urlsplit(PUBLIC_BASE_URL)
if not DEBUG and not (_public.scheme == "https" and _public.hostname):
    raise ImproperlyConfigured(
        "PUBLIC_BASE_URL must be the site's public https:// URL in production (DEBUG off), "
        "e.g. https://sms.example.com: Twilio's status callbacks and the codes we text are "
        "built from it."
    )
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django.forms",
    "csp",
    "django_htmx",
    "template_partials.apps.SimpleAppConfig",
    "phonenumber_field",
    "django_tasks",
    "django_tasks_db",
    "axes",
    "sms",
    "phones",
    "smstest",
    "dashboard",
    "insights",
    # django-ninja's templates and static files (the API docs page); the API itself is `api`.
    "ninja",
    "api",
]

MIDDLEWARE = [
    # First: times every request, all other middleware included (/metrics, insights page).
    "insights.middleware.RequestMetricsMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "api.middleware.MethodNotAllowedMiddleware",  # the API's 405 as JSON, like its other errors
    # How people first reach phone management (needs the session and the user).
    "insights.middleware.PhoneManagementEntryMiddleware",
    # Last, as django-axes asks: it turns a locked-out sign-in into its lockout page.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": False,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "dashboard.context_processors.site",
            ],
            "builtins": ["template_partials.templatetags.partials"],
            "loaders": [
                (
                    "template_partials.loader.Loader",
                    [
                        (
                            "django.template.loaders.cached.Loader",
                            [
                                "django.template.loaders.filesystem.Loader",
                                "django.template.loaders.app_directories.Loader",
                            ],
                        )
                    ],
                )
            ],
        },
    },
]

DATABASES = {"default": env.db("DATABASE_URL", default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}")}
# Each gunicorn thread and each worker keeps its database connection for this many seconds
# instead of opening one per request (0: one per request), and checks that it is still alive
# before reusing it: a restarted database or a dropped idle connection then costs one
# reconnection, not an error page. (runserver still closes it after every request.)
DATABASES["default"]["CONN_MAX_AGE"] = env.int("CONN_MAX_AGE", default=60)
DATABASES["default"]["CONN_HEALTH_CHECKS"] = env.bool("CONN_HEALTH_CHECKS", default=True)
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # `make run` writes from runserver and db_worker at once: a transaction takes SQLite's
    # write lock when it starts, and waits for it, instead of failing with "database is
    # locked" when it first writes.
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        {"transaction_mode": "IMMEDIATE", "timeout": 20}
    )
# Our templates/django/forms/field.html puts errors next to their field.
FORM_RENDERER = "django.forms.renderers.TemplatesSetting"
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
# django-axes first: it refuses a locked-out username or IP before a password is checked.
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "dashboard:home"
LOGOUT_REDIRECT_URL = "login"

LANGUAGE_CODE = "en-us"
TIME_ZONE = env("TIME_ZONE", default="UTC")
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "django.contrib.staticfiles.storage.StaticFilesStorage"
            if DEBUG
            else "whitenoise.storage.CompressedManifestStaticFilesStorage"
        )
    },
}

EMAIL_BACKEND = env(
    "EMAIL_BACKEND",
    default="django.core.mail.backends.console.EmailBackend"
    if DEBUG
    else "django.core.mail.backends.smtp.EmailBackend",
)
EMAIL_HOST = env("EMAIL_HOST", default="localhost")
EMAIL_PORT = env.int("EMAIL_PORT", default=25)
EMAIL_HOST_USER = env("EMAIL_HOST_USER", default="")
EMAIL_HOST_PASSWORD = env("EMAIL_HOST_PASSWORD", default="")
EMAIL_USE_TLS = env.bool("EMAIL_USE_TLS", default=False)
DEFAULT_FROM_EMAIL = env("DEFAULT_FROM_EMAIL", default="webmaster@localhost")
# Who gets staff alerts (a Twilio configuration error, a budget reached): "Name <address>"
# or plain addresses, comma-separated. Without any, the alerts are only logged at ERROR.
ADMINS = [parseaddr(admin) for admin in env.list("ADMINS", default=[])]
SERVER_EMAIL = env("SERVER_EMAIL", default=DEFAULT_FROM_EMAIL)

# Security: the production values are what `check --deploy` asks for.
BEHIND_TLS_PROXY = env.bool("BEHIND_TLS_PROXY", default=False)
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https") if BEHIND_TLS_PROXY else None
# How many proxies of ours stand in front (each appends to X-Forwarded-For). The per-IP
# limits read the client's address that many hops from the right; with 0 they read only
# REMOTE_ADDR, since a client can send any X-Forwarded-For it likes.
TRUSTED_PROXY_COUNT = env.int("TRUSTED_PROXY_COUNT", default=1 if BEHIND_TLS_PROXY else 0)
SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=not DEBUG)
# Load balancers probe /healthz over plain http: it answers there, never with a redirect.
SECURE_REDIRECT_EXEMPT = [r"^healthz$"]
SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=0 if DEBUG else 31536000)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env.bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", default=not DEBUG)
SECURE_HSTS_PRELOAD = env.bool("SECURE_HSTS_PRELOAD", default=not DEBUG)
SESSION_COOKIE_SECURE = not DEBUG
CSRF_COOKIE_SECURE = not DEBUG
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"

CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "object-src": [NONE],
        "base-uri": [NONE],
        "frame-ancestors": [NONE],
        "form-action": [SELF],
        "img-src": [SELF, "data:"],
    }
}

TASKS = {
    "default": {
        "BACKEND": env("TASKS_BACKEND", default="django_tasks_db.DatabaseBackend"),
        "QUEUES": ["default"],
    }
}

# Phone numbers
PHONENUMBER_DEFAULT_REGION = PHONE_DEFAULT_REGION = env("PHONE_DEFAULT_REGION", default="US")
PHONE_ALLOWED_REGIONS = env.list("PHONE_ALLOWED_REGIONS", default=["US", "CA", "GB"])
PHONES_MAX_PER_USER = env.int("PHONES_MAX_PER_USER", default=10)
VERIFICATION_CODE_TTL_SECONDS = env.int("VERIFICATION_CODE_TTL_SECONDS", default=600)
VERIFICATION_MAX_ATTEMPTS = env.int("VERIFICATION_MAX_ATTEMPTS", default=5)
VERIFICATION_MAX_FAILURES_PER_DAY = env.int("VERIFICATION_MAX_FAILURES_PER_DAY", default=20)
VERIFICATION_RESEND_COOLDOWN_SECONDS = env.int("VERIFICATION_RESEND_COOLDOWN_SECONDS", default=60)
VERIFICATION_MAX_CODES_PER_NUMBER_PER_HOUR = env.int(
    "VERIFICATION_MAX_CODES_PER_NUMBER_PER_HOUR", default=5
)
VERIFICATION_MAX_CODES_PER_USER_PER_DAY = env.int(
    "VERIFICATION_MAX_CODES_PER_USER_PER_DAY", default=10
)

# SMS sending: like EMAIL_BACKEND, one dotted path picks the sender.
TWILIO_ACCOUNT_SID = env("TWILIO_ACCOUNT_SID", default="")
TWILIO_AUTH_TOKEN = env("TWILIO_AUTH_TOKEN", default="")
TWILIO_FROM_NUMBER = env("TWILIO_FROM_NUMBER", default="")
TWILIO_MESSAGING_SERVICE_SID = env("TWILIO_MESSAGING_SERVICE_SID", default="")
TWILIO_API_BASE_URL = env("TWILIO_API_BASE_URL", default="https://api.twilio.com")
TWILIO_TIMEOUT_SECONDS = env.float("TWILIO_TIMEOUT_SECONDS", default=10.0)
SMS_SENDER = env(
    "SMS_SENDER",
    default="sms.senders.twilio.TwilioSender"
    if TWILIO_ACCOUNT_SID
    else "sms.senders.offline.OfflineSender",
)
# `check --deploy` warns (sms.W001) when production would run on the offline sender;
# a demo site can silence that here, like any other system check.
SILENCED_SYSTEM_CHECKS = env.list("SILENCED_SYSTEM_CHECKS", default=[])
if DATABASES["default"]["ENGINE"].endswith("sqlite3"):
    # SQLite builds indexes without the INCLUDE columns PostgreSQL reads index-only scans
    # from (sms.Message's history index); they still serve SQLite, which needs no more.
    SILENCED_SYSTEM_CHECKS.append("models.W040")
# Seconds between the offline sender's simulated status callbacks.
OFFLINE_SENDER_STEP_SECONDS = env.float("OFFLINE_SENDER_STEP_SECONDS", default=2.0)

# Abuse and cost controls (docs/security.md). Budgets count what is stored in the database,
# so they hold across processes and machines; segments, not messages, measure cost.
SMS_BUDGET_SEGMENTS_PER_HOUR = env.int("SMS_BUDGET_SEGMENTS_PER_HOUR", default=1000)
SMS_BUDGET_SEGMENTS_PER_COUNTRY_PER_HOUR = env.int(
    "SMS_BUDGET_SEGMENTS_PER_COUNTRY_PER_HOUR", default=500
)
# In development every request comes from 127.0.0.1: the per-IP limits are 50 times wider.
_PER_IP = 50 if DEBUG else 1
SMS_BUDGET_PER_IP_PER_HOUR = env.int("SMS_BUDGET_PER_IP_PER_HOUR", default=20 * _PER_IP)
CODE_REQUESTS_PER_IP_PER_HOUR = env.int("CODE_REQUESTS_PER_IP_PER_HOUR", default=10 * _PER_IP)
SIGNUPS_PER_IP_PER_HOUR = env.int("SIGNUPS_PER_IP_PER_HOUR", default=5 * _PER_IP)
PASSWORD_RESETS_PER_IP_PER_HOUR = env.int("PASSWORD_RESETS_PER_IP_PER_HOUR", default=5 * _PER_IP)
VERIFICATION_MAX_FAILURES_PER_ACCOUNT_PER_DAY = env.int(
    "VERIFICATION_MAX_FAILURES_PER_ACCOUNT_PER_DAY", default=10
)
# Sign-in throttling (django-axes, counted in its database tables): after this many failed
# sign-ins for one username, or from one IP address, further tries are refused for a while.
AXES_FAILURE_LIMIT = env.int("LOGIN_FAILURE_LIMIT", default=5)
AXES_COOLOFF_TIME = timedelta(minutes=env.int("LOGIN_COOLOFF_MINUTES", default=15))
AXES_LOCKOUT_PARAMETERS = ["username", "ip_address"]
AXES_LOCKOUT_TEMPLATE = "registration/locked_out.html"
AXES_RESET_ON_SUCCESS = True
# The pause runs from the last failure before it, not from every try during it: retrying
# cannot keep someone else's account locked.
AXES_RESET_COOL_OFF_ON_FAILURE_DURING_LOCKOUT = False
AXES_CLIENT_IP_CALLABLE = "sms.clients.client_ip"
AXES_VERBOSE = False

# /healthz (config/health.py) fails when the oldest task waiting in the queue has waited
# longer than this: no `manage.py db_worker` is running, or they cannot keep up. 0 turns
# that check off (the database is still checked).
HEALTHZ_MAX_TASK_AGE_SECONDS = env.int("HEALTHZ_MAX_TASK_AGE_SECONDS", default=300)

# SMS test quotas
SMS_TESTS_PER_USER_PER_10_MINUTES = env.int("SMS_TESTS_PER_USER_PER_10_MINUTES", default=5)
SMS_TESTS_PER_USER_PER_DAY = env.int("SMS_TESTS_PER_USER_PER_DAY", default=20)
SMS_TESTS_PER_NUMBER_PER_10_MINUTES = env.int("SMS_TESTS_PER_NUMBER_PER_10_MINUTES", default=3)

# Monitoring (docs/operations.md). /metrics answers only a Bearer METRICS_TOKEN and/or a
# client address in METRICS_ALLOWED_IPS (addresses or networks); with neither it is a 404.
# prometheus_client reads PROMETHEUS_MULTIPROC_DIR from the environment itself.
METRICS_TOKEN = env("METRICS_TOKEN", default="")
METRICS_ALLOWED_IPS = env.list("METRICS_ALLOWED_IPS", default=[])
for _network in METRICS_ALLOWED_IPS:
    try:
        ipaddress.ip_network(_network, strict=False)
    except ValueError:
        raise ImproperlyConfigured(f"METRICS_ALLOWED_IPS: {_network!r} is no address") from None
# Each web process adds its request timings to the insights page's table this often.
INSIGHTS_LATENCY_FLUSH_SECONDS = env.int("INSIGHTS_LATENCY_FLUSH_SECONDS", default=60)
# "text" (development) or "json": one JSON object per line, with the event's fields.
LOG_FORMAT = env("LOG_FORMAT", default="text")
if LOG_FORMAT not in ("text", "json"):
    raise ImproperlyConfigured(f"LOG_FORMAT must be text or json, not {LOG_FORMAT!r}")

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {
        "text": {"format": "%(levelname)s %(name)s: %(message)s"},
        "json": {
            "()": "pythonjsonlogger.json.JsonFormatter",
            "fmt": "%(levelname)s %(name)s %(message)s",
            "rename_fields": {"levelname": "level", "name": "logger"},
            "timestamp": "time",
        },
    },
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": LOG_FORMAT}},
    "root": {"handlers": ["console"], "level": env("LOG_LEVEL", default="INFO")},
    # The SDK logs every request and its headers at INFO.
    "loggers": {
        "twilio.http_client": {"level": "WARNING"},
        # django-axes logs every sign-in at INFO; lock-outs come at WARNING.
        "axes": {"level": "WARNING"},
    },
}

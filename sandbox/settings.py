"""Settings for the store-model sandbox: one file, every deploy-time choice from the environment.

Defaults serve one machine with nothing installed: a SQLite file under var/ and an embedded Redis
(started by `make run` / `manage.py run_sandbox`). DATABASE_URL and REDIS_URL point the web
process and every Celery worker at a shared PostgreSQL and Redis to scale out.
"""

import os
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(os.getenv("SANDBOX_VAR_DIR", BASE_DIR / "var"))

DEV_SECRET_KEY = "dev-only-insecure-key-do-not-use-in-production"  # noqa: S105


def envbool(name: str, default: str = "False") -> bool:
    value = os.getenv(name, default).strip().lower()
    if value in {"1", "true", "yes", "on"}:
        return True
    if value in {"0", "false", "no", "off", ""}:
        return False
    raise ImproperlyConfigured(f"{name}={value!r} is not a boolean (use true/false, 1/0).")


def envint(name: str, default: int, minimum: int | None = None) -> int:
    value = os.getenv(name)
    if value is None or value == "":
        return default
    try:
        number = int(value)
    except ValueError as exc:
        raise ImproperlyConfigured(f"{name}={value!r} is not a whole number.") from exc
    if minimum is not None and number < minimum:
        raise ImproperlyConfigured(f"{name}={value!r} is below the minimum, {minimum}.")
    return number


def envlist(name: str, default: str) -> list[str]:
    return [item.strip() for item in os.getenv(name, default).split(",") if item.strip()]


DEBUG = envbool("DEBUG", "True")
SECRET_KEY = os.getenv("SECRET_KEY", DEV_SECRET_KEY)
if not DEBUG and SECRET_KEY == DEV_SECRET_KEY:
    raise ImproperlyConfigured(
        "DEBUG is off but SECRET_KEY is the development key. Set SECRET_KEY to a long random "
        "value (e.g. python -c 'import secrets; print(secrets.token_urlsafe(50))')."
    )
ALLOWED_HOSTS = envlist("ALLOWED_HOSTS", "localhost,127.0.0.1,[::1],testserver")
CSRF_TRUSTED_ORIGINS = envlist("CSRF_TRUSTED_ORIGINS", "")
TIME_ZONE = os.getenv("TIME_ZONE", "UTC")
USE_TZ = True
LANGUAGE_CODE = "en"
USE_I18N = False

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django_htmx",
    "template_partials",
    "stores",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
]

ROOT_URLCONF = "sandbox.urls"
WSGI_APPLICATION = "sandbox.wsgi.application"
ASGI_APPLICATION = "sandbox.asgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    }
]

# --- Database -----------------------------------------------------------------------------------
# SQLite in WAL mode with a busy timeout and IMMEDIATE transactions lets the web process and the
# Celery workers on one machine share the file without "database is locked" errors.
# SQLITE_PATH lets a Celery worker started by a test open the test database file.
SQLITE_PATH = Path(os.getenv("SQLITE_PATH", "") or VAR_DIR / "sandbox.sqlite3")
DATABASE_URL = os.getenv("DATABASE_URL", "")
if DATABASE_URL:
    DATABASES = {"default": dj_database_url.parse(DATABASE_URL, conn_max_age=60)}
    if os.getenv("TEST_DB_NAME"):  # lets parallel test runs on one server keep apart
        DATABASES["default"]["TEST"] = {"NAME": os.environ["TEST_DB_NAME"]}
else:
    DATABASES = {
        "default": {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": SQLITE_PATH,
            "OPTIONS": {
                "timeout": 30,
                "transaction_mode": "IMMEDIATE",
                "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
            },
            # A file, not memory, so a Celery worker in another process sees the test database.
            "TEST": {"NAME": str(VAR_DIR / "test.sqlite3")},
        }
    }
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Redis and Celery ---------------------------------------------------------------------------
# Unset REDIS_URL means "the embedded Redis that run_sandbox starts on this port".
LOCAL_REDIS_PORT = envint("LOCAL_REDIS_PORT", 6390)
REDIS_URL = os.getenv("REDIS_URL", f"redis://127.0.0.1:{LOCAL_REDIS_PORT}/0")
REDIS_IS_LOCAL = "REDIS_URL" not in os.environ

CELERY_BROKER_URL = REDIS_URL
CELERY_RESULT_BACKEND = None
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
# A chunk that outlives this is redelivered; it must exceed the longest chunk (they take seconds).
CELERY_BROKER_TRANSPORT_OPTIONS = {"visibility_timeout": envint("CELERY_VISIBILITY_TIMEOUT", 600)}
LIVE_TICK_SECONDS = envint("LIVE_TICK_SECONDS", 5)
# Live mode multiplies each live store's traffic and ad budget (conversion and every rate stay
# the same) so a training room sees orders arrive every minute or so, not one an hour.
LIVE_TRAFFIC_SCALE = envint("LIVE_TRAFFIC_SCALE", 30)
# Automatic recovery from a dead worker: a worker refreshes the heartbeat of the chunk it writes
# every third of CHUNK_STALE_SECONDS; every RECOVERY_CHECK_SECONDS beat re-queues the chunks of
# running runs that have been silent longer than that (and have no message waiting in the queue).
CHUNK_STALE_SECONDS = envint("CHUNK_STALE_SECONDS", 45, minimum=3)
RECOVERY_CHECK_SECONDS = envint("RECOVERY_CHECK_SECONDS", 15, minimum=1)
CELERY_BEAT_SCHEDULE = {
    "live-tick": {"task": "stores.tasks.live_tick", "schedule": float(LIVE_TICK_SECONDS)},
    # Training sessions: their stores brought up to each session's accelerated clock.
    "classroom-tick": {
        "task": "stores.tasks.classroom_tick",
        "schedule": float(LIVE_TICK_SECONDS),
        "options": {"expires": float(LIVE_TICK_SECONDS)},
    },
    "requeue-stalled-chunks": {
        "task": "stores.tasks.requeue_stalled_chunks",
        "schedule": float(RECOVERY_CHECK_SECONDS),
        # A tick still queued behind a backlog of chunks is dropped: the next one will do.
        "options": {"expires": float(RECOVERY_CHECK_SECONDS)},
    },
}
CELERY_TIMEZONE = TIME_ZONE

# --- Static files -------------------------------------------------------------------------------
STATIC_URL = "static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = VAR_DIR / "staticfiles"
STATIC_ROOT.mkdir(parents=True, exist_ok=True)  # also creates VAR_DIR (SQLite file, beat, Redis)
WHITENOISE_USE_FINDERS = DEBUG
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"
        if DEBUG
        else "whitenoise.storage.CompressedManifestStaticFilesStorage"
    },
}

LOGIN_URL = "admin:login"
SESSION_COOKIE_AGE = 60 * 60 * 24 * 14

# --- Production hardening (DEBUG off) ----------------------------------------------------------
if not DEBUG:
    SECURE_SSL_REDIRECT = envbool("SECURE_SSL_REDIRECT", "True")
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_HSTS_SECONDS = envint("SECURE_HSTS_SECONDS", 60 * 60 * 24 * 30)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True
    SECURE_CONTENT_TYPE_NOSNIFF = True

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.getenv("LOG_LEVEL", "WARNING")},
}

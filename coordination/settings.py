"""Rakor settings, read from the environment only.

Two modes (CONTRACT.md):

* embedded default (``RAKOR_ENV`` unset or ``embedded``): SQLite under ``var/`` in WAL mode,
  the in-memory channel layer, a local-memory cache, a secret key generated once and kept
  under ``var/``, DEBUG off unless ``DEBUG=1`` (Rakor's own error pages), the site's address
  following ``RAKOR_HOST`` and ``RAKOR_PORT`` (which ``make run`` sets from ``HOST`` and
  ``PORT``), the worker's jobs running inside the daphne process;
* production (``RAKOR_ENV=production``): refuses to start without ``SECRET_KEY``,
  ``ALLOWED_HOSTS``, ``DATABASE_URL`` and ``REDIS_URL``; DEBUG off unless set; HSTS, secure
  cookies and an SSL redirect that can be switched off behind a TLS-terminating proxy.

``REDIS_URL`` switches the channel layer to channels_redis and the cache to Redis in either
mode. Nothing here has a development secret that production could inherit.
"""

from __future__ import annotations

import re
from datetime import timedelta
from pathlib import Path

import environ
from django.core.exceptions import ImproperlyConfigured

from coordination.platform import modes

BASE_DIR = Path(__file__).resolve().parent.parent

env = environ.Env()

RAKOR_ENV = env.str("RAKOR_ENV", default=modes.EMBEDDED).strip().lower()
if RAKOR_ENV not in (modes.EMBEDDED, modes.PRODUCTION):
    raise ImproperlyConfigured(
        f"RAKOR_ENV must be '{modes.EMBEDDED}' or '{modes.PRODUCTION}', not {RAKOR_ENV!r}."
    )
PRODUCTION = RAKOR_ENV == modes.PRODUCTION

if PRODUCTION:
    missing = [name for name in modes.PRODUCTION_REQUIRED if not env.str(name, default="")]
    if missing:
        raise ImproperlyConfigured(
            "RAKOR_ENV=production needs these environment variables: "
            + ", ".join(missing)
            + " (several processes must share one database and one channel layer)."
        )

VAR_DIR = Path(env.str("RAKOR_VAR_DIR", default=str(BASE_DIR / "var")))

# --- core -------------------------------------------------------------------------------

# Off in both modes unless DEBUG=1: Django's debug pages list every URL pattern and setting,
# and a new user of `make run` should meet Rakor's own error pages.
DEBUG = env.bool("DEBUG", default=False)

if PRODUCTION:
    SECRET_KEY = env.str("SECRET_KEY")
else:
    SECRET_KEY = env.str("SECRET_KEY", default="") or modes.embedded_secret_key(VAR_DIR)

# Where the embedded default's one daphne process listens (`make run` passes HOST and PORT).
RAKOR_HOST = env.str("RAKOR_HOST", default="127.0.0.1")
RAKOR_PORT = env.int("RAKOR_PORT", default=8000)

ALLOWED_HOSTS = env.list(
    "ALLOWED_HOSTS",
    default=[] if PRODUCTION else modes.embedded_allowed_hosts(RAKOR_HOST),
)
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])
# Browser WebSocket handshakes are accepted from the page's own origin (Origin equal to the
# Host the browser connected to, and that host allowed) and from these extra origins.
RAKOR_WS_ALLOWED_ORIGINS = env.list("RAKOR_WS_ALLOWED_ORIGINS", default=CSRF_TRUSTED_ORIGINS)

INSTALLED_APPS = [
    "daphne",
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "channels",
    "ninja",
    "axes",
    "csp",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_static",
    "coordination",
    "messaging",
    "meetings",
]

MIDDLEWARE = [
    "coordination.platform.http.ApiMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "coordination.organisation.middleware.LanguageMiddleware",
    "coordination.organisation.middleware.SecondFactorMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    # Last, as django-axes asks: it turns a lockout into the lockout page.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "coordination.urls"
WSGI_APPLICATION = None
ASGI_APPLICATION = "coordination.asgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "coordination.wiring.navigation.rakor",
            ],
        },
    },
]

# --- database ---------------------------------------------------------------------------

if env.str("DATABASE_URL", default=""):
    DATABASES = {"default": env.db("DATABASE_URL")}
else:
    DATABASES = {"default": modes.embedded_database(VAR_DIR)}
DATABASES["default"] = modes.tune_database(
    DATABASES["default"],
    pool_min=env.int("RAKOR_DB_POOL_MIN", default=2),
    pool_max=env.int("RAKOR_DB_POOL_MAX", default=20),
    var_dir=VAR_DIR,
)
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- channel layer and cache ------------------------------------------------------------

REDIS_URL = env.str("REDIS_URL", default="")

# Redis timeouts, set on purpose (docs/deploy/README.md). redis-py gives every connection a
# 5-second socket timeout by default, and the channel layer blocks in BZPOPMIN for 5 seconds
# (`brpop_timeout`): on a busy event loop (a connect burst) the answer was read after the
# client had given up, and sockets closed with 1011. The layer's reads wait well past the
# blocking pop; the cache's calls (rate limits, lockouts, presence) are short but share the
# same busy moments. Connecting fails fast: a Redis that does not answer is away.
RAKOR_REDIS_SOCKET_TIMEOUT = env.float("RAKOR_REDIS_SOCKET_TIMEOUT", default=30.0)
RAKOR_REDIS_CONNECT_TIMEOUT = env.float("RAKOR_REDIS_CONNECT_TIMEOUT", default=5.0)
# A socket whose channel layer stays unreachable this long closes with 4503 (the client
# reconnects and resumes); shorter failures are retried (coordination.platform.realtime).
RAKOR_LAYER_OUTAGE_SECONDS = env.float("RAKOR_LAYER_OUTAGE_SECONDS", default=10.0)

# Which channel layer carries the events on Redis: "core" (RedisChannelLayer: per-channel
# queues, capacity and expiry) or "pubsub" (RedisPubSubChannelLayer: Redis PUBLISH, no
# queues). docs/performance.md compares them; core is the default.
RAKOR_CHANNEL_LAYER = env.str("RAKOR_CHANNEL_LAYER", default="core")
if RAKOR_CHANNEL_LAYER not in ("core", "pubsub"):
    raise ImproperlyConfigured("RAKOR_CHANNEL_LAYER must be core or pubsub")

if REDIS_URL:
    CHANNEL_LAYERS = {
        "default": {
            "BACKEND": "channels_redis.core.RedisChannelLayer",
            "CONFIG": {
                "hosts": [
                    {
                        "address": REDIS_URL,
                        "socket_timeout": RAKOR_REDIS_SOCKET_TIMEOUT,
                        "socket_connect_timeout": RAKOR_REDIS_CONNECT_TIMEOUT,
                        "health_check_interval": 30,
                    }
                ],
                "prefix": env.str("RAKOR_CHANNEL_PREFIX", default="rakor"),
                "capacity": 1000,
                "expiry": 60,
                # Sockets renew their group memberships on each re-check (about a minute);
                # this only clears groups of processes that died without leaving them.
                "group_expiry": 2 * 24 * 60 * 60,
            },
        }
    }
    if RAKOR_CHANNEL_LAYER == "pubsub":
        CHANNEL_LAYERS["default"] = {
            "BACKEND": "channels_redis.pubsub.RedisPubSubChannelLayer",
            "CONFIG": {
                "hosts": CHANNEL_LAYERS["default"]["CONFIG"]["hosts"],
                "prefix": CHANNEL_LAYERS["default"]["CONFIG"]["prefix"],
            },
        }
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": env.str("RAKOR_CACHE_PREFIX", default="rakor"),
            "OPTIONS": {
                "socket_timeout": RAKOR_REDIS_SOCKET_TIMEOUT,
                "socket_connect_timeout": RAKOR_REDIS_CONNECT_TIMEOUT,
                "health_check_interval": 30,
            },
        }
    }
    # Calendar feeds' rendered events (meetings.feeds) share Redis: each meeting is rendered
    # once for every process.
    CACHES["feeds"] = CACHES["default"]
else:
    # The same capacity as on Redis: the default (100 a channel) is overrun when an official
    # in a hundred rooms connects and announces their presence to each, and the in-memory
    # layer then drops what does not fit, a message included.
    CHANNEL_LAYERS = {
        "default": {
            "BACKEND": "coordination.platform.layers.SweptInMemoryChannelLayer",
            "CONFIG": {"capacity": 1000, "expiry": 60},
        }
    }
    CACHES = {
        "default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"},
        # Calendar feeds' rendered events (meetings.feeds): one for each meeting.
        "feeds": {
            "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
            "LOCATION": "rakor-feeds",
            "TIMEOUT": 7 * 24 * 60 * 60,
            "OPTIONS": {"MAX_ENTRIES": 20_000},
        },
    }

# In the embedded default the in-memory channel layer reaches only its own process, so the
# worker's jobs run inside the daphne process. With Redis they belong to `run_worker`.
RAKOR_INPROCESS_JOBS = env.bool("RAKOR_INPROCESS_JOBS", default=not REDIS_URL)
RAKOR_WORKER_POLL_SECONDS = env.float("RAKOR_WORKER_POLL_SECONDS", default=1.0)

# --- authentication ---------------------------------------------------------------------

AUTH_USER_MODEL = "coordination.Official"
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 10},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "dashboard"
LOGOUT_REDIRECT_URL = "login"
PASSWORD_RESET_TIMEOUT = 60 * 60 * 24  # one day

# django-axes: lock a username from one address after repeated failures.
AXES_FAILURE_LIMIT = env.int("RAKOR_LOGIN_FAILURE_LIMIT", default=5)
AXES_COOLOFF_TIME = timedelta(minutes=env.int("RAKOR_LOGIN_COOLOFF_MINUTES", default=15))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_LOCKOUT_CALLABLE = "coordination.organisation.views.accounts.locked_out"
AXES_RESET_ON_SUCCESS = True
AXES_VERBOSE = False
# The client address is REMOTE_ADDR: behind nginx, daphne runs with --proxy-headers and puts
# X-Forwarded-For there (docs/deploy/), so a lockout never locks out the proxy itself.

# API tokens: last_used_at is written at most this often per token.
RAKOR_TOKEN_TOUCH_SECONDS = 60

# --- internationalisation ---------------------------------------------------------------

LANGUAGE_CODE = "id"
LANGUAGES = [("id", "Bahasa Indonesia"), ("en", "English")]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Asia/Jakarta"
USE_I18N = True
USE_TZ = True
LANGUAGE_COOKIE_NAME = "rakor_language"
LANGUAGE_COOKIE_AGE = 60 * 60 * 24 * 365

# --- static files -----------------------------------------------------------------------

STATIC_URL = "/static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = Path(env.str("STATIC_ROOT", default=str(BASE_DIR / "staticfiles")))
# Production serves what `collectstatic` wrote, under hashed names cached for a year. The
# embedded default serves static/ as it is, straight from the finders, so a fresh clone's
# `make run` needs no collectstatic, with DEBUG on or off.
STATIC_FROM_FINDERS = not PRODUCTION or DEBUG
if STATIC_FROM_FINDERS:
    # WhiteNoise reads the files from the finders, but expects the root to exist.
    STATIC_ROOT.mkdir(parents=True, exist_ok=True)
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"
        if STATIC_FROM_FINDERS
        else "coordination.platform.storage.StaticFilesStorage"
    },
}
MEDIA_ROOT = Path(env.str("MEDIA_ROOT", default=str(VAR_DIR / "media")))
MEDIA_URL = "/media/"
WHITENOISE_USE_FINDERS = STATIC_FROM_FINDERS
# Files answered at the site's root: /favicon.ico and /robots.txt.
WHITENOISE_ROOT = BASE_DIR / "static" / "root"

# --- mail -------------------------------------------------------------------------------

if env.str("EMAIL_URL", default=""):
    globals().update(env.email_url("EMAIL_URL"))
elif PRODUCTION:
    EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    EMAIL_HOST = "localhost"
    EMAIL_PORT = 25
else:
    # The embedded default keeps every mail as a file under var/mail/ to read by hand.
    EMAIL_BACKEND = "django.core.mail.backends.filebased.EmailBackend"
    EMAIL_FILE_PATH = VAR_DIR / "mail"
EMAIL_TIMEOUT = 20
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default="Rakor <rakor@localhost>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL
# The public address in mailed links and feeds; in production, by default https:// and the
# first allowed host; in the embedded default, where its daphne process listens.
RAKOR_SITE_URL = env.str(
    "RAKOR_SITE_URL",
    default=f"https://{ALLOWED_HOSTS[0].lstrip('.')}"
    if PRODUCTION
    else modes.embedded_site_url(RAKOR_HOST, RAKOR_PORT),
).rstrip("/")
# Invitations name this mailbox as ORGANIZER, so calendar clients send their replies (iTIP
# REPLY) to it; the site's mail server forwards it to `manage.py run_mail_inbox`.
RAKOR_SCHEDULING_MAILBOX = env.str(
    "RAKOR_SCHEDULING_MAILBOX",
    default=DEFAULT_FROM_EMAIL.rsplit("<", 1)[-1].strip(" >") or "rakor@localhost",
)
# Video meetings: "jitsi" (RAKOR_JITSI_URL, a self-hosted server in production) or "none".
RAKOR_JITSI_URL = env.str("RAKOR_JITSI_URL", default="https://meet.jit.si").rstrip("/")
# With both set, the join page hands each participant a JWT of their own for Jitsi's token
# authentication (prosody `app_id` / `app_secret`; docs/deploy/README.md): signed when they
# join, valid RAKOR_JITSI_JWT_MINUTES, moderator for the organiser and the chairs. The
# secret comes from the environment only.
RAKOR_JITSI_APP_ID = env.str("RAKOR_JITSI_APP_ID", default="")
RAKOR_JITSI_APP_SECRET = env.str("RAKOR_JITSI_APP_SECRET", default="")
if bool(RAKOR_JITSI_APP_ID) != bool(RAKOR_JITSI_APP_SECRET):
    raise ImproperlyConfigured(
        "Set RAKOR_JITSI_APP_ID and RAKOR_JITSI_APP_SECRET together (Jitsi token "
        "authentication), or neither."
    )
# The token's `aud`: prosody accepts any by default (`asap_accepted_audiences`).
RAKOR_JITSI_JWT_AUDIENCE = env.str("RAKOR_JITSI_JWT_AUDIENCE", default="jitsi")
RAKOR_JITSI_JWT_MINUTES = env.int("RAKOR_JITSI_JWT_MINUTES", default=10)
# The video room opens this long before a meeting's start and closes at its end.
RAKOR_VIDEO_JOIN_EARLY_MINUTES = env.int("RAKOR_VIDEO_JOIN_EARLY_MINUTES", default=15)
# While the mail server is away, mail waits this long before it is marked failed (as mail
# servers do); refusals for good (5xx) fail after the row's max_attempts.
RAKOR_MAIL_KEEP_TRYING_DAYS = env.int("RAKOR_MAIL_KEEP_TRYING_DAYS", default=5)
RAKOR_MEETING_MAX_HOURS = env.int("RAKOR_MEETING_MAX_HOURS", default=24)
# A recurring meeting has at most this many occurrences (COUNT) and runs this many years at
# most (UNTIL); a series without end is listed a year ahead of any range at a time.
RAKOR_RECURRENCE_MAX_COUNT = env.int("RAKOR_RECURRENCE_MAX_COUNT", default=520)
RAKOR_RECURRENCE_MAX_YEARS = env.int("RAKOR_RECURRENCE_MAX_YEARS", default=5)
# Agenda changes re-send the invitation (same SEQUENCE, fresh DTSTAMP) once, this many
# minutes after the first change, whatever else changed meanwhile.
RAKOR_AGENDA_RESEND_MINUTES = env.int("RAKOR_AGENDA_RESEND_MINUTES", default=5)
# Follow-up actions: a reminder this many days before the due date (in the owing agency's
# zone); on becoming overdue, the assignee is told and the coordinators above escalated to.
RAKOR_ACTION_REMINDER_DAYS = env.int("RAKOR_ACTION_REMINDER_DAYS", default=3)
# The decision log's head, anchored outside the database on a schedule: appended as a line
# "<entries> <sha256> <time>" to this file and/or mailed to this address, when it changed
# (`manage.py verify_decision_log` compares the log with the file's anchors). Empty: off.
RAKOR_DECISION_LOG_ANCHOR_FILE = env.str("RAKOR_DECISION_LOG_ANCHOR_FILE", default="")
RAKOR_DECISION_LOG_ANCHOR_EMAIL = env.str("RAKOR_DECISION_LOG_ANCHOR_EMAIL", default="")
RAKOR_DECISION_LOG_ANCHOR_MINUTES = env.int("RAKOR_DECISION_LOG_ANCHOR_MINUTES", default=60)
# The worker's full check of the decision log (rows, cached states and files; the pages
# check the chain itself on every view): how often.
RAKOR_DECISION_LOG_CHECK_MINUTES = env.int("RAKOR_DECISION_LOG_CHECK_MINUTES", default=15)
# The decisions page's check of the chain is kept this long for one head (0: every view).
RAKOR_DECISION_LOG_PAGE_CHECK_SECONDS = env.int("RAKOR_DECISION_LOG_PAGE_CHECK_SECONDS", default=60)
# One-click RSVP links in invitations stay valid this long after the meeting's end.
RAKOR_RSVP_LINK_DAYS = env.int("RAKOR_RSVP_LINK_DAYS", default=60)
# The scheduling assistant proposes no meeting during Friday prayers: this window of each
# participant's local time on Fridays ("HH:MM-HH:MM"; empty: no window).
RAKOR_FRIDAY_PRAYER = env.str("RAKOR_FRIDAY_PRAYER", default="11:30-13:00")
if not re.fullmatch(r"\s*(?:\d{1,2}:\d{2}\s*-\s*\d{1,2}:\d{2})?\s*", RAKOR_FRIDAY_PRAYER):
    raise ImproperlyConfigured("RAKOR_FRIDAY_PRAYER is a window HH:MM-HH:MM, or empty.")

# --- security ---------------------------------------------------------------------------

CSRF_FAILURE_VIEW = "coordination.wiring.errors.csrf_failure"
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_SAMESITE = "Lax"
SESSION_COOKIE_AGE = 60 * 60 * 12
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"

if PRODUCTION:
    SESSION_COOKIE_SECURE = env.bool("SESSION_COOKIE_SECURE", default=True)
    CSRF_COOKIE_SECURE = env.bool("CSRF_COOKIE_SECURE", default=True)
    LANGUAGE_COOKIE_SECURE = SESSION_COOKIE_SECURE
    SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=True)
    SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=60 * 60 * 24 * 365)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = env.bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", default=True)
    SECURE_HSTS_PRELOAD = env.bool("SECURE_HSTS_PRELOAD", default=True)
    # /healthz is probed over plain HTTP by load balancers and must not be redirected.
    SECURE_REDIRECT_EXEMPT = [r"^healthz$"]
# Behind nginx (docs/deploy/) TLS ends at the proxy, which says so in X-Forwarded-Proto.
if env.bool("RAKOR_BEHIND_TLS_PROXY", default=False):
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    USE_X_FORWARDED_HOST = env.bool("USE_X_FORWARDED_HOST", default=False)

# Content-Security-Policy (django-csp): scripts and styles from our own static files only,
# no inline code, never framed. Violations are reported to /csp-report and logged.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:"],
        "font-src": ["'self'"],
        "connect-src": ["'self'"],
        "frame-ancestors": ["'none'"],
        "form-action": ["'self'"],
        "base-uri": ["'none'"],
        "object-src": ["'none'"],
        "report-uri": ["/csp-report"],
    }
}

# Second factor (django-otp): TOTP apps, with recovery codes. Whether a role must use it is
# decided by administrators (RoleSecurityPolicy); anyone may turn it on for themselves.
OTP_TOTP_ISSUER = "Rakor"
OTP_TOTP_THROTTLE_FACTOR = 1
RAKOR_RECOVERY_CODES = 10

# --- real time --------------------------------------------------------------------------

RAKOR_WS_MAX_FRAME_BYTES = 256 * 1024
RAKOR_MESSAGE_MAX_CHARS = env.int("RAKOR_MESSAGE_MAX_CHARS", default=10_000)
# Messages an official may send per second, over every socket and the API together.
RAKOR_SEND_RATE_PER_SECOND = env.int("RAKOR_SEND_RATE_PER_SECOND", default=20)
# Presence is announced as it changes only in rooms of at most this many members; in larger
# ones the members present are listed when the room is joined (docs/protocol.md).
RAKOR_PRESENCE_LIVE_MAX_MEMBERS = env.int("RAKOR_PRESENCE_LIVE_MAX_MEMBERS", default=100)
RAKOR_ATTACHMENT_MAX_BYTES = env.int("RAKOR_ATTACHMENT_MAX_MB", default=25) * 1024 * 1024
RAKOR_ATTACHMENTS_PER_MESSAGE = 10
# No request body may be larger than the largest attachment and its form around it; checked
# before Django reads the body (coordination.asgi), so an oversized upload fills no disk.
RAKOR_MAX_REQUEST_BYTES = RAKOR_ATTACHMENT_MAX_BYTES + 1024 * 1024
FILE_UPLOAD_MAX_MEMORY_SIZE = 2_621_440

# --- logging ----------------------------------------------------------------------------

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {
        "plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"},
    },
    "handlers": {
        "console": {"class": "logging.StreamHandler", "formatter": "plain"},
    },
    "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", default="INFO")},
    "loggers": {
        "django.db.backends": {"level": "WARNING"},
        "axes": {"level": "WARNING"},
        "mail.log": {"level": "WARNING"},
    },
}

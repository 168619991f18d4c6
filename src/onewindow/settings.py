"""Settings for OneWindow, read from the environment (12-factor).

The embedded default needs no configuration at all: SQLite under ``var/``, a secret key and data keys
generated once and kept under ``var/``, the SMS outbox file, and an in-process task runner. A scale-out
deployment sets ``DATABASE_URL``, ``SECRET_KEY``, ``ONEWINDOW_DATA_KEYS``, ``ONEWINDOW_BLIND_INDEX_KEY``,
``ONEWINDOW_AUDIT_KEYS``, ``ALLOWED_HOSTS``, ``REDIS_URL`` and ``TASKS_BACKEND=database`` (see README).
"""

from __future__ import annotations

import os
import tempfile
from datetime import timedelta
from pathlib import Path
from typing import Any

import dj_database_url
from csp.constants import NONCE, NONE, SELF
from django.utils.translation import gettext_lazy as _

from onewindow.core.keys import load_or_create_keys

BASE_DIR = Path(__file__).resolve().parent
PROJECT_DIR = BASE_DIR.parent.parent
VAR_DIR = Path(os.environ.get("ONEWINDOW_VAR_DIR", PROJECT_DIR / "var"))


def env_bool(name: str, default: bool = False) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_list(name: str, default: str = "") -> list[str]:
    return [part.strip() for part in os.environ.get(name, default).split(",") if part.strip()]


DEBUG = env_bool("DEBUG", False)
TESTING = env_bool("ONEWINDOW_TESTING", False)

_keys = load_or_create_keys(VAR_DIR, os.environ)
SECRET_KEY = _keys.secret_key
# SM4 keys for personal data at rest: {key id: 16-byte key}; the current id encrypts, all ids decrypt,
# so keys can be rotated without re-encrypting everything at once.
DATA_ENCRYPTION_KEYS = _keys.data_keys
DATA_ENCRYPTION_KEY_ID = _keys.data_key_id
# Keyed SM3 (HMAC) for look-ups by an encrypted value, e.g. "is this ID number registered?".
BLIND_INDEX_KEY = _keys.blind_index_key
# HMAC-SM3 keys sealing the audit trail and its checkpoints ({key id: 32-byte key}); the current id
# seals, all ids verify. Not in the database, so whoever holds only the database cannot reseal it.
AUDIT_KEYS = _keys.audit_keys
AUDIT_KEY_ID = _keys.audit_key_id
# Where the key file is when the audit key was generated into it rather than given by the environment
# (a deploy check warns: whoever copies var/ could reseal the trail); empty otherwise.
AUDIT_KEYS_FILE = _keys.audit_keys_file
# Where the audit trail's head is anchored outside the database: a JSON Lines file (empty to skip it)
# and/or a witness reached over HTTP(S). Every process writes a checkpoint after commit once the head
# is EVERY_EVENTS events past the newest one or that one is EVERY_MINUTES old (0 events: only
# `manage.py audit_checkpoint` writes them).
AUDIT_CHECKPOINT_FILE = os.environ.get(
    "AUDIT_CHECKPOINT_FILE", str(VAR_DIR / "audit" / "checkpoints.jsonl")
)
AUDIT_CHECKPOINT_EVERY_EVENTS = int(os.environ.get("AUDIT_CHECKPOINT_EVERY_EVENTS", "100"))
AUDIT_CHECKPOINT_EVERY_MINUTES = float(os.environ.get("AUDIT_CHECKPOINT_EVERY_MINUTES", "10"))
AUDIT_WITNESS_URL = os.environ.get("AUDIT_WITNESS_URL", "")
AUDIT_WITNESS_TOKEN = os.environ.get("AUDIT_WITNESS_TOKEN", "")
AUDIT_WITNESS_TIMEOUT = float(os.environ.get("AUDIT_WITNESS_TIMEOUT", "5"))
# Audit events are sealed after commit (core.audit.seal); verify_audit fails when one is still
# unsealed this many seconds after it was recorded (the sealer stopped, or the event was put by hand).
AUDIT_SEAL_WITHIN_SECONDS = int(os.environ.get("AUDIT_SEAL_WITHIN_SECONDS", "300"))
# The sealer runs at most once per this many milliseconds per process, on a background thread, for
# every commit of the window (core.audit._Coalescer); 0: after each commit, in the committing thread
# (the tests' default, so a test reads its events sealed at once).
AUDIT_SEAL_COALESCE_MS = int(os.environ.get("AUDIT_SEAL_COALESCE_MS", "0" if TESTING else "200"))

ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", "127.0.0.1,localhost,[::1]") + (
    ["testserver"] if TESTING else []
)
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS")

INSTALLED_APPS = [
    "onewindow.core.admin_site.OneWindowAdminConfig",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "ninja",
    "csp",
    "django_tasks",
    "django_tasks_db",
    "axes",
    "onewindow.core",
    "onewindow.organizations",
    "onewindow.accounts",
    "onewindow.catalog",
    "onewindow.applications",
    "onewindow.workflow",
    "onewindow.notifications",
    "onewindow.licences",
    "onewindow.tickets",
    "onewindow.workbench",
    "onewindow.portal",
    "onewindow.demo",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    # Outside the page cache and the verification lane, so every answer carries the headers.
    "csp.middleware.CSPMiddleware",
    "onewindow.core.middleware.PermissionsPolicy",
    "onewindow.core.middleware.MaintenanceMode",
    "onewindow.portal.middleware.PublicPageCache",
    "onewindow.catalog.middleware.SearchLane",
    # Open311 (/open311/v2/): no session, CSRF or login to add; it answers its own errors.
    "onewindow.tickets.open311.Open311Lane",
    "onewindow.core.middleware.ApiErrorMiddleware",
    "onewindow.licences.middleware.VerificationLane",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "onewindow.core.middleware.PrivateAnswers",
    "django.contrib.messages.middleware.MessageMiddleware",
    "onewindow.workbench.middleware.TemporaryPasswordGuard",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "axes.middleware.AxesMiddleware",
    "onewindow.core.middleware.BodyLimitMiddleware",
    # Last: its view hook runs after the CSRF check has parsed a form, right before the view.
    "onewindow.core.middleware.InputGuard",
]

ROOT_URLCONF = "onewindow.urls"
CSRF_FAILURE_VIEW = "onewindow.core.views.csrf_failure"
WSGI_APPLICATION = "onewindow.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "onewindow.portal.context_processors.site",
                "onewindow.portal.context_processors.staff_navigation",
            ],
        },
    }
]

# --- Database -------------------------------------------------------------------------------------
VAR_DIR.mkdir(parents=True, exist_ok=True)
DATABASES = {
    "default": dj_database_url.parse(
        os.environ.get("DATABASE_URL", f"sqlite:///{VAR_DIR / 'onewindow.sqlite3'}"),
        conn_max_age=int(os.environ.get("CONN_MAX_AGE", "60")),
        conn_health_checks=True,
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    DATABASES["default"]["OPTIONS"] = {
        # Writers take the lock when the transaction starts, so two writers never deadlock on an upgrade
        # from a read lock; WAL lets readers go on while one writes.
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
        "init_command": (
            "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA foreign_keys=ON;"
            " PRAGMA busy_timeout=20000;"
        ),
    }
    if TESTING:
        # A file, as in production, not Django's in-memory default: there a connection meeting
        # another's lock fails at once ("database table is locked"), so the threaded race tests
        # could not run. One file per test process, so two local runs never share it.
        DATABASES["default"]["TEST"] = {
            "NAME": str(Path(tempfile.gettempdir()) / f"onewindow-test-{os.getpid()}.sqlite3")
        }
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Cache ----------------------------------------------------------------------------------------
# Search API answers are kept this long under the catalogue version (0: rank every request).
SEARCH_CACHE_SECONDS = int(os.environ.get("SEARCH_CACHE_SECONDS", "300"))

CACHES: dict[str, dict[str, Any]]
if os.environ.get("REDIS_URL"):
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": os.environ["REDIS_URL"],
        }
    }
else:
    # One process's memory: room for the remembered public pages and verification answers (about
    # 1 kB each) of a city's working day; Django's default of 300 entries evicts them in seconds.
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
            "OPTIONS": {"MAX_ENTRIES": 20_000},
        }
    }

# --- Background tasks (Django tasks API) ----------------------------------------------------------
# "immediate" runs a task in-process right after it is enqueued (embedded default); "database" stores
# it for `manage.py db_worker` processes (scale-out).
_TASK_BACKENDS = {
    "immediate": "django_tasks.backends.immediate.ImmediateBackend",
    "database": "django_tasks_db.DatabaseBackend",
}
TASKS = {"default": {"BACKEND": _TASK_BACKENDS[os.environ.get("TASKS_BACKEND", "immediate")]}}

# --- Identity -------------------------------------------------------------------------------------
AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "onewindow.accounts.backends.AccountBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {
        "NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator",
        # ``phone`` is the clear number accounts.services hands over; the row keeps it sealed.
        "OPTIONS": {"user_attributes": ("username", "name", "email", "phone")},
    },
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 8},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
if TESTING:  # hashing with PBKDF2 would dominate the suite's run time
    PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
LOGIN_URL = "portal:login"
LOGIN_REDIRECT_URL = "portal:my_space"
LOGOUT_REDIRECT_URL = "portal:home"

# Lockout after repeated failed password logins (django-axes, see accounts/lockout.py): an account
# is locked after AXES_FAILURE_LIMIT failures from one client address, so a stranger elsewhere cannot
# lock its owner out; an address is refused after LOGIN_FAILURES_PER_IP failures on any accounts.
AXES_FAILURE_LIMIT = int(os.environ.get("AXES_FAILURE_LIMIT", "5"))
AXES_COOLOFF_TIME = timedelta(minutes=int(os.environ.get("AXES_COOLOFF_MINUTES", "15")))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_HANDLER = "onewindow.accounts.lockout.AccountAndAddressHandler"
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_CALLABLE = "onewindow.accounts.lockout.lockout_response"
AXES_VERBOSE = False
# Axes' tables keep a blind index of the login name (a phone number for most people), never the name;
# successful logins are in the audit trail already, so axes' own access log (names in clear) is off.
AXES_USERNAME_CALLABLE = "onewindow.accounts.lockout.axes_username"
AXES_DISABLE_ACCESS_LOG = True
AXES_SENSITIVE_PARAMETERS = ["username", "ip_address", "phone", "sms_code"]
# Lifting a lock-out goes through services.unlock_account, which is audited; axes' admin pages would
# let anyone with the admin site delete attempts unrecorded.
AXES_ENABLE_ADMIN = False
# The same client address as the SMS-code limits (PROXY_COUNT trusted X-Forwarded-For hops); without
# it axes reads REMOTE_ADDR, the proxy's address, since django-ipware is not installed.
AXES_CLIENT_IP_CALLABLE = "onewindow.core.net.client_network"
AXES_IPWARE_PROXY_COUNT = int(os.environ.get("PROXY_COUNT", "0")) or None

ONEWINDOW: dict[str, Any] = {
    "SMS_BACKEND": os.environ.get(
        "SMS_BACKEND", "onewindow.notifications.sms.contrib.outbox.OutboxSmsBackend"
    ),
    "SMS_OUTBOX": Path(os.environ.get("SMS_OUTBOX", VAR_DIR / "outbox" / "sms.jsonl")),
    # The HTTP gateway adapter (onewindow.notifications.sms.contrib.http.HttpSmsBackend).
    "SMS_HTTP_URL": os.environ.get("SMS_HTTP_URL", ""),
    "SMS_HTTP_TOKEN": os.environ.get("SMS_HTTP_TOKEN", ""),
    "SMS_HTTP_SIGN_NAME": os.environ.get("SMS_HTTP_SIGN_NAME", "OneWindow"),
    "SMS_HTTP_TIMEOUT": float(os.environ.get("SMS_HTTP_TIMEOUT", "5")),
    # The market-registry verifier checking enterprise registrations (accounts.registry): the
    # city's own register by default; the market supervision department's service by setting.
    "MARKET_REGISTRY_BACKEND": os.environ.get(
        "MARKET_REGISTRY_BACKEND", "onewindow.accounts.registry.contrib.local.LocalRegistry"
    ),
    "MARKET_REGISTRY_URL": os.environ.get("MARKET_REGISTRY_URL", ""),
    "MARKET_REGISTRY_APP_KEY": os.environ.get("MARKET_REGISTRY_APP_KEY", ""),
    "MARKET_REGISTRY_APP_SECRET": os.environ.get("MARKET_REGISTRY_APP_SECRET", ""),
    "MARKET_REGISTRY_TIMEOUT": float(os.environ.get("MARKET_REGISTRY_TIMEOUT", "5")),
    # SMS one-time codes (统一身份认证).
    "SMS_CODE_TTL": timedelta(minutes=5),
    "SMS_CODE_MAX_TRIES": 5,
    "SMS_CODE_RESEND_AFTER": timedelta(seconds=60),
    "SMS_CODE_PER_PHONE_PER_HOUR": int(os.environ.get("SMS_CODE_PER_PHONE_PER_HOUR", "5")),
    "SMS_CODE_PER_IP_PER_HOUR": int(os.environ.get("SMS_CODE_PER_IP_PER_HOUR", "30")),
    # Staff accounts log in with a password, then an SMS code to the phone on file (also per account).
    "STAFF_SECOND_FACTOR": env_bool("STAFF_SECOND_FACTOR", False),
    # Failed password logins from one client address, on any accounts, within AXES_COOLOFF_TIME.
    "LOGIN_FAILURES_PER_IP": int(os.environ.get("LOGIN_FAILURES_PER_IP", "30")),
    # API bearer tokens.
    "API_TOKEN_TTL": timedelta(hours=int(os.environ.get("API_TOKEN_TTL_HOURS", "12"))),
    "SITE_NAME": os.environ.get("SITE_NAME", "青岚市政务服务网"),
    # 政府网站标识码 (《政府网站发展指引》, 国办发〔2017〕47号: ten digits, the region's code first;
    # the demo city's is made up) and the ICP filing number, both shown in every page's footer.
    "SITE_IDENTIFIER": os.environ.get("SITE_IDENTIFIER", "3799000001"),
    "ICP_NUMBER": os.environ.get("ICP_NUMBER", "青ICP备00000000号"),
    # Maintenance: every page and the API answer 503 with Retry-After (``/healthz`` stays up).
    "MAINTENANCE": env_bool("MAINTENANCE", False),
    # Applications.
    "APPLICATION_PREFIX": os.environ.get("APPLICATION_PREFIX", "QL"),
    "UPLOAD_TYPES": env_list(
        "UPLOAD_TYPES", "application/pdf,image/jpeg,image/png,application/ofd"
    ),
    "UPLOAD_MAX_FILE": int(os.environ.get("UPLOAD_MAX_FILE_MB", "10")) * 2**20,
    "UPLOAD_MAX_TOTAL": int(os.environ.get("UPLOAD_MAX_TOTAL_MB", "50")) * 2**20,
    # An OFD is a ZIP: what it may inflate to, in total and per entry over 1 MB, and its entries.
    "UPLOAD_OFD_MAX_UNCOMPRESSED": int(os.environ.get("UPLOAD_OFD_MAX_UNCOMPRESSED_MB", "100"))
    * 2**20,
    "UPLOAD_OFD_MAX_RATIO": 100,
    "UPLOAD_OFD_MAX_ENTRIES": 10000,
    # Drafts one person may keep open at once (each holds up to UPLOAD_MAX_TOTAL of files).
    "DRAFTS_MAX_OPEN": int(os.environ.get("DRAFTS_MAX_OPEN", "20")),
    "PROGRESS_CODE_PER_NUMBER_PER_HOUR": 5,
    # Licences: the address printed in QR codes when no request tells it (imports, tasks).
    "PUBLIC_URL": os.environ.get("PUBLIC_URL", "http://127.0.0.1:8000"),
    # Public licence verifications per client address and minute (0: no limit). Counted with the
    # cache: in the embedded default (LocMemCache) per worker process; with REDIS_URL, site-wide.
    "LICENCE_VERIFY_PER_MINUTE": int(os.environ.get("LICENCE_VERIFY_PER_MINUTE", "60")),
    # 12345 tickets (工单): the number's prefix; working days to handle a ticket of each kind where
    # its category says nothing (local practice: 咨询/求助 3, 投诉/举报 13); the working days after
    # dispatch in which a department may return a misrouted ticket (退单); the days after closing
    # in which an unsatisfied reporter may reopen it once; the window and the similarity (0-100)
    # in which the same phone's nearly same text is merged into the earlier ticket.
    "TICKET_PREFIX": os.environ.get("TICKET_PREFIX", "GD"),
    # The department whose clerks take calls, dispatch, approve extensions and make return visits.
    "HOTLINE_DEPARTMENT": os.environ.get("HOTLINE_DEPARTMENT", "hotline"),
    "TICKET_LIMITS": {"consult": 3, "help": 3, "complaint": 13, "report": 13, "suggestion": 10},
    "TICKET_RETURN_WORKDAYS": int(os.environ.get("TICKET_RETURN_WORKDAYS", "1")),
    "TICKET_REOPEN_DAYS": int(os.environ.get("TICKET_REOPEN_DAYS", "7")),
    "TICKET_DUPLICATE_MINUTES": int(os.environ.get("TICKET_DUPLICATE_MINUTES", "10")),
    "TICKET_DUPLICATE_SIMILARITY": int(os.environ.get("TICKET_DUPLICATE_SIMILARITY", "85")),
    # The city's Open311 jurisdiction_id: a request naming another is answered 404.
    "OPEN311_JURISDICTION": os.environ.get("OPEN311_JURISDICTION", "qinglan.gov.cn"),
    # The city's bounds (south, west, north, east in degrees): a ticket's location must lie inside.
    "CITY_BOUNDS": tuple(
        float(v) for v in os.environ.get("CITY_BOUNDS", "36.20,117.20,37.40,118.90").split(",")
    ),
}

# --- E-mail: SMTP when EMAIL_HOST is set, otherwise one file per message under var/outbox/email --
if os.environ.get("EMAIL_HOST"):
    EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    EMAIL_HOST = os.environ["EMAIL_HOST"]
    EMAIL_PORT = int(os.environ.get("EMAIL_PORT", "465"))
    EMAIL_HOST_USER = os.environ.get("EMAIL_HOST_USER", "")
    EMAIL_HOST_PASSWORD = os.environ.get("EMAIL_HOST_PASSWORD", "")
    EMAIL_USE_SSL = env_bool("EMAIL_USE_SSL", EMAIL_PORT == 465)
    EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", False)
else:
    EMAIL_BACKEND = "django.core.mail.backends.filebased.EmailBackend"
    EMAIL_FILE_PATH = VAR_DIR / "outbox" / "email"
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL", "noreply@onewindow.invalid")

# --- Internationalisation: Chinese first, English second ------------------------------------------
LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", _("简体中文")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True

# --- Static and media -----------------------------------------------------------------------------
STATIC_URL = "/static/"
STATIC_ROOT = VAR_DIR / "static"
MEDIA_URL = "/media/"
MEDIA_ROOT = VAR_DIR / "media"
# Uploaded materials: the file system under MEDIA_ROOT, or S3-compatible object storage with
# STORAGE_BACKEND=s3 (needs `pip install "django-storages[s3]==1.14.6"`, not a dependency).
_S3_OPTIONS = {
    "bucket_name": "AWS_STORAGE_BUCKET_NAME",
    "endpoint_url": "AWS_S3_ENDPOINT_URL",
    "region_name": "AWS_S3_REGION_NAME",
    "access_key": "AWS_ACCESS_KEY_ID",
    "secret_key": "AWS_SECRET_ACCESS_KEY",
}
if os.environ.get("STORAGE_BACKEND", "filesystem").strip().lower() == "s3":
    _default_storage: dict[str, Any] = {
        "BACKEND": "storages.backends.s3.S3Storage",
        "OPTIONS": {
            option: os.environ[name] for option, name in _S3_OPTIONS.items() if os.environ.get(name)
        },
    }
else:
    # No explicit location: FileSystemStorage follows MEDIA_ROOT (and test overrides of it).
    _default_storage = {"BACKEND": "django.core.files.storage.FileSystemStorage"}
STORAGES: dict[str, dict[str, Any]] = {
    "default": _default_storage,
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}

# --- Request limits -------------------------------------------------------------------------------
DATA_UPLOAD_MAX_MEMORY_SIZE = 2 * 1024 * 1024
# Bodies over these are refused with 413 before they are read (core.middleware.BodyLimitMiddleware):
# the largest material with room for the form around it; staff imports take files of 20 MB.
REQUEST_MAX_BODY = ONEWINDOW["UPLOAD_MAX_FILE"] + 2**20
REQUEST_MAX_BODY_PATHS = {"/admin/catalog/io/": 21 * 2**20, "/licences/manage/import/": 21 * 2**20}
DATA_UPLOAD_MAX_NUMBER_FIELDS = 1000

# --- Security ---------------------------------------------------------------------------------------
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_AGE = 60 * 60 * 8
SESSION_COOKIE_SECURE = env_bool("SECURE_COOKIES", not DEBUG and not TESTING)
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE
SESSION_COOKIE_SAMESITE = "Lax"
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
# HTTPS is terminated by the proxy in front of OneWindow; it sets HSTS and redirects.
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https") if env_bool("BEHIND_PROXY") else None
# Content-Security-Policy (django-csp): scripts, styles, images and frames from this site only; no
# inline script or style, no eval (htmx runs with allowEval and includeIndicatorStyles off, see
# portal/base.html). A script that must be inline carries the request's nonce
# (``<script nonce="{{ request.csp_nonce }}">``), which the header then names.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF, NONCE],
        "style-src": [SELF],
        "img-src": [SELF, "data:"],
        "font-src": [SELF],
        "connect-src": [SELF],
        "frame-src": [SELF],
        "frame-ancestors": [SELF],
        "form-action": [SELF],
        "base-uri": [NONE],
        "object-src": [NONE],
    }
}
# Powerful browser features no page of OneWindow uses, switched off for every page and any frame.
PERMISSIONS_POLICY: dict[str, list[str]] = {
    feature: []
    for feature in (
        "accelerometer",
        "autoplay",
        "camera",
        "display-capture",
        "geolocation",
        "gyroscope",
        "magnetometer",
        "microphone",
        "midi",
        "payment",
        "publickey-credentials-get",
        "screen-wake-lock",
        "serial",
        "usb",
        "xr-spatial-tracking",
    )
}
SILENCED_SYSTEM_CHECKS = [
    "security.W004",  # HSTS: set by the HTTPS proxy
    "security.W008",  # HTTPS redirect: done by the HTTPS proxy
]

# --- Logging: personal data never reaches a log line -----------------------------------------------
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"mask": {"()": "onewindow.core.logging.MaskPersonalData"}},
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {
        "console": {"class": "logging.StreamHandler", "filters": ["mask"], "formatter": "plain"}
    },
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "INFO")},
    # fontTools logs every step of subsetting a licence PDF's font at INFO.
    "loggers": {
        "django.server": {"level": "WARNING"},
        "axes": {"level": "WARNING"},
        "fontTools": {"level": "WARNING"},
        # One line per task run (every audit sealing, every event delivery) drowns the log; a
        # failed task still logs at ERROR.
        "django_tasks": {"level": "WARNING"},
    },
}

NINJA_PAGINATION_PER_PAGE = 20

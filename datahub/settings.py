"""The one settings module of the hub. Every value comes from the environment (see .env.example).

Defaults give a working single machine: SQLite and files under ``var/``, e-mail on the console,
Dutch. Production sets DATABASE_URL, DATAHUB_SECRET_KEY (or _FILE) and turns DEBUG off.
"""

from __future__ import annotations

import base64
import binascii
import contextlib
import hashlib
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

from datahub.env import env_bool, env_int, env_list, env_path, env_secret, env_str
from datahub.file_storage import file_storage

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = env_path("DATAHUB_VAR_DIR", BASE_DIR / "var")
VAR_DIR.mkdir(parents=True, exist_ok=True)
# Only the hub's own user may enter it: the SQLite database, the logs and the cache hold
# patient codes in the clear (the stored files are encrypted), and new files follow the umask.
with contextlib.suppress(OSError):  # (a directory of another owner: its owner decides)
    if VAR_DIR.stat().st_mode & 0o077:
        VAR_DIR.chmod(0o700)
(VAR_DIR / "static").mkdir(exist_ok=True)

DEBUG = env_bool("DATAHUB_DEBUG", False)
# Demo mode: the demo loader and `datahub demo-code` work only here (or with DEBUG).
DEMO = env_bool("DATAHUB_DEMO", False)

_INSECURE_KEY = "insecure-development-key-never-use-in-production"
SECRET_KEY = env_secret("DATAHUB_SECRET_KEY", _INSECURE_KEY) or _INSECURE_KEY
if not DEBUG and SECRET_KEY == _INSECURE_KEY:
    raise ImproperlyConfigured(
        "DATAHUB_SECRET_KEY (or DATAHUB_SECRET_KEY_FILE) must be set when DATAHUB_DEBUG is off"
    )

# Delivered files are encrypted at rest with this 256-bit key (base64). Without it, a development
# installation derives one from the secret key; production must set it (and keep it: files
# encrypted with a lost key cannot be read).
_file_key = env_secret("DATAHUB_FILE_KEY")
if _file_key is None and not DEBUG:
    raise ImproperlyConfigured("DATAHUB_FILE_KEY (or DATAHUB_FILE_KEY_FILE) must be set")
try:
    FILE_ENCRYPTION_KEY = (
        base64.b64decode(_file_key, validate=True)
        if _file_key
        else hashlib.sha256(b"datahub-file-key:" + SECRET_KEY.encode()).digest()
    )
except binascii.Error:
    FILE_ENCRYPTION_KEY = b""  # (not base64: refused below)
if len(FILE_ENCRYPTION_KEY) != 32:
    raise ImproperlyConfigured("DATAHUB_FILE_KEY must be 32 bytes, base64-encoded")

ALLOWED_HOSTS = env_list("DATAHUB_ALLOWED_HOSTS", ["127.0.0.1", "localhost"])
CSRF_TRUSTED_ORIGINS = env_list("DATAHUB_CSRF_TRUSTED_ORIGINS", [])
# The address people and systems reach the hub at: the links in e-mails (a password link among
# them) and in the API's answers. Production must say it; a default would mail links to 127.0.0.1.
_base_url = env_str("DATAHUB_BASE_URL", "")
if not DEBUG and not _base_url:
    raise ImproperlyConfigured(
        "DATAHUB_BASE_URL must be set when DATAHUB_DEBUG is off: the address people reach the "
        "hub at, for the links in e-mails (e.g. https://datahub.example.nl)"
    )
if _base_url and not _base_url.startswith(("https://", "http://")):
    raise ImproperlyConfigured(
        f"DATAHUB_BASE_URL must start with https:// (or http://), not {_base_url!r}"
    )
BASE_URL = (_base_url or "http://127.0.0.1:8000").rstrip("/")

INSTALLED_APPS = [
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    # Our apps come before allauth so that our templates replace its plain layout.
    "datahub.accounts",
    "datahub.institutions",
    "datahub.audit",
    "datahub.dictionaries",
    "datahub.deliveries",
    "datahub.schedule",
    "datahub.forwarding",
    "datahub.quality",
    "datahub.api",
    "datahub.portal",
    "datahub.demo",
    "allauth",
    "allauth.account",
    "allauth.mfa",
    "django_tasks",
    "django_tasks_db",
    "ninja",  # the API docs' Swagger UI from our own static files, not a CDN
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "datahub.portal.middleware.ContentSecurityPolicyMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "datahub.portal.middleware.LanguageMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "datahub.portal.middleware.RejectNulMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "allauth.account.middleware.AccountMiddleware",
    "datahub.accounts.middleware.RequireSecondFactorMiddleware",
    "datahub.institutions.middleware.CurrentInstitutionMiddleware",
    "datahub.api.middleware.JsonErrorsMiddleware",
]

ROOT_URLCONF = "datahub.urls"
WSGI_APPLICATION = "datahub.wsgi.application"

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
                "datahub.portal.context_processors.portal",
            ],
        },
    }
]

DATABASES = {
    "default": dj_database_url.parse(
        env_str("DATABASE_URL", f"sqlite:///{VAR_DIR / 'datahub.sqlite3'}"), conn_max_age=60
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # WAL and IMMEDIATE transactions let the web process and the embedded worker share the file.
    DATABASES["default"]["CONN_MAX_AGE"] = 0
    DATABASES["default"]["OPTIONS"] = {
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
    }
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

CACHES = {
    "default": {
        "BACKEND": "django.core.cache.backends.filebased.FileBasedCache",
        "LOCATION": str(VAR_DIR / "cache"),
    }
}

AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = ["allauth.account.auth_backends.AuthenticationBackend"]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 12},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "account_login"
LOGIN_REDIRECT_URL = "portal:home"
LOGOUT_REDIRECT_URL = "account_login"

# django-allauth: e-mail login, no self sign-up (accounts are made by a local administrator),
# TOTP with recovery codes as the second factor, enrolment enforced by our middleware.
ACCOUNT_ADAPTER = "datahub.accounts.adapter.AccountAdapter"
ACCOUNT_LOGIN_METHODS = {"email"}
ACCOUNT_SIGNUP_FIELDS = ["email*", "password1*", "password2*"]
ACCOUNT_USER_MODEL_USERNAME_FIELD = None
ACCOUNT_EMAIL_VERIFICATION = "none"
ACCOUNT_EMAIL_SUBJECT_PREFIX = "Datahub: "  # allauth would put the host name in brackets
ACCOUNT_UNIQUE_EMAIL = True
ACCOUNT_LOGOUT_ON_PASSWORD_CHANGE = False
ACCOUNT_SESSION_REMEMBER = False
ACCOUNT_PASSWORD_RESET_BY_CODE_ENABLED = False
# allauth mails an unknown address that asks for a new password, inviting it to sign up, which
# is closed: no mail (the page answers as for any address).
ACCOUNT_EMAIL_UNKNOWN_ACCOUNTS = False
# Brute-force protection: failed logins per address and per account (see docs/security.md).
ACCOUNT_RATE_LIMITS = {
    "login_failed": env_str("DATAHUB_LOGIN_RATE_LIMIT", "10/m/ip,5/5m/key"),
    "reset_password": "20/m/ip,5/m/key",
}
MFA_SUPPORTED_TYPES = ["totp", "recovery_codes"]
# Accounts are made by administrators, never by signing up, and a person sets his password
# through the link mailed to him: that proves the address. allauth's default (no second factor
# while an address is unverified) kept every invited person out, in a redirect loop.
MFA_ALLOW_UNVERIFIED_EMAIL = True
MFA_TOTP_ISSUER = env_str("DATAHUB_TOTP_ISSUER", "Datahub")
MFA_ADAPTER = "datahub.accounts.adapter.MFAAdapter"

SESSION_COOKIE_AGE = env_int("DATAHUB_SESSION_SECONDS", 8 * 3600, minimum=300)
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
SESSION_COOKIE_SECURE = not DEBUG
CSRF_COOKIE_SECURE = not DEBUG
SESSION_COOKIE_SAMESITE = "Lax"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_HSTS_SECONDS = 0 if DEBUG else env_int("DATAHUB_HSTS_SECONDS", 31536000, minimum=0)
# Behind a reverse proxy that terminates TLS: trust its X-Forwarded-Proto and X-Forwarded-For
# (waitress rewrites the client address only for requests from TRUSTED_PROXY), so the audit log
# and the per-address login limits see the real client.
BEHIND_PROXY = env_bool("DATAHUB_BEHIND_PROXY", False)
TRUSTED_PROXY = env_str("DATAHUB_TRUSTED_PROXY", "127.0.0.1")
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https") if BEHIND_PROXY else None
X_FRAME_OPTIONS = "DENY"

LANGUAGE_CODE = "nl"
LANGUAGES = [("nl", _("Dutch")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "datahub" / "locale"]
FORMAT_MODULE_PATH = ["datahub.formats"]
TIME_ZONE = env_str("DATAHUB_TIME_ZONE", "Europe/Amsterdam")
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = VAR_DIR / "static"
WHITENOISE_USE_FINDERS = True
MEDIA_ROOT = env_path("DATAHUB_FILES_DIR", VAR_DIR / "files")
# Delivered files and forwarded packages, all encrypted before they are stored: on local disk
# under DATAHUB_FILES_DIR, or in a bucket of S3-compatible object storage (datahub.file_storage).
STORAGES = {
    "default": file_storage(),
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}

# Forwarding: a pseudonym secret per processor (``code=secret,code=secret``). A development or demo
# installation derives one per processor from the secret key; production forwards nothing to a
# processor without its own secret.
_pseudonym_secrets = env_secret("DATAHUB_PSEUDONYM_SECRETS") or ""
PSEUDONYM_SECRETS = dict(
    item.strip().split("=", 1)
    for item in _pseudonym_secrets.replace("\n", ",").split(",")
    if "=" in item
)
# A short secret could be found by trying every guess against known patient codes.
_short = sorted(code for code, secret in PSEUDONYM_SECRETS.items() if len(secret.encode()) < 32)
if _short:
    raise ImproperlyConfigured(
        "DATAHUB_PSEUDONYM_SECRETS: the secret of "
        + ", ".join(_short)
        + " is shorter than 32 bytes (use e.g. `openssl rand -base64 32`)"
    )
PACKAGE_RETENTION_DAYS = env_int("DATAHUB_PACKAGE_RETENTION_DAYS", 30, minimum=1)

# Reminders: this many days before a deadline, and up to this many days after a missed one.
REMINDER_DAYS = env_int("DATAHUB_REMINDER_DAYS", 14, minimum=1)

# Deliveries.
MAX_UPLOAD_BYTES = env_int("DATAHUB_MAX_UPLOAD_BYTES", 1024**3, minimum=1024)
MAX_REQUEST_BYTES = MAX_UPLOAD_BYTES + 10 * 1024 * 1024
RAW_FILE_RETENTION_DAYS = env_int("DATAHUB_RAW_FILE_RETENTION_DAYS", 90, minimum=1)
# A delivery "In verwerking" whose worker has not been heard of for this long is processed again.
PROCESSING_STALE_SECONDS = env_int("DATAHUB_PROCESSING_STALE_SECONDS", 300, minimum=10)
# How often a working worker tells the database it is alive (at most; 0: after every chunk).
PROCESSING_HEARTBEAT_SECONDS = env_int("DATAHUB_PROCESSING_HEARTBEAT_SECONDS", 5, minimum=0)
FILE_UPLOAD_MAX_MEMORY_SIZE = 2 * 1024 * 1024  # larger uploads go to a temporary file
FILE_UPLOAD_HANDLERS = [
    "datahub.api.multipart.NoteInterruption",  # a body cut off inside its file: say so
    "django.core.files.uploadhandler.MemoryFileUploadHandler",
    "django.core.files.uploadhandler.TemporaryFileUploadHandler",
]
DATA_UPLOAD_MAX_MEMORY_SIZE = 10 * 1024 * 1024
FILE_UPLOAD_TEMP_DIR = str(VAR_DIR / "tmp")
(VAR_DIR / "tmp").mkdir(exist_ok=True)

TASKS = {
    "default": {
        "BACKEND": env_str("DATAHUB_TASKS_BACKEND", "django_tasks_db.DatabaseBackend"),
        "QUEUES": ["default"],
    }
}

EMAIL_BACKEND = env_str("DATAHUB_EMAIL_BACKEND", "django.core.mail.backends.console.EmailBackend")
if not DEBUG and EMAIL_BACKEND.endswith("console.EmailBackend"):
    # Invitations carry password-set links: on the console they would end up in the logs.
    raise ImproperlyConfigured(
        "DATAHUB_EMAIL_BACKEND must be a real mail backend when DATAHUB_DEBUG is off "
        "(e.g. django.core.mail.backends.smtp.EmailBackend)"
    )
EMAIL_HOST = env_str("DATAHUB_EMAIL_HOST", "localhost")
EMAIL_PORT = env_int("DATAHUB_EMAIL_PORT", 25, minimum=1)
EMAIL_HOST_USER = env_str("DATAHUB_EMAIL_USER", "")
EMAIL_HOST_PASSWORD = env_secret("DATAHUB_EMAIL_PASSWORD", "") or ""
EMAIL_USE_TLS = env_bool("DATAHUB_EMAIL_TLS", False)
# A mail server that stops answering must not hold a worker (and the e-mail's claim) for ever:
# a claim older than deliveries.notifications.CLAIM_MINUTES is taken for a stopped worker's.
EMAIL_TIMEOUT = 60
DEFAULT_FROM_EMAIL = env_str("DATAHUB_FROM_EMAIL", "")
if not DEBUG and not DEFAULT_FROM_EMAIL:
    # a sender at localhost is refused or filtered as spam by the hospitals' mail servers
    raise ImproperlyConfigured(
        "DATAHUB_FROM_EMAIL must be set when DATAHUB_DEBUG is off: the sender of the hub's "
        "e-mails (e.g. Datahub <datahub@datahub.example.nl>)"
    )
DEFAULT_FROM_EMAIL = DEFAULT_FROM_EMAIL or "Datahub <datahub@localhost>"

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "filters": {"denials": {"()": "datahub.log_filters.DenialsWithoutTraceback"}},
    "root": {"handlers": ["console"], "level": env_str("DATAHUB_LOG_LEVEL", "INFO")},
    "loggers": {
        "django.db.backends": {"level": "WARNING"},
        "django.request": {"filters": ["denials"]},
    },
}

"""Django settings for Workup.

Everything that differs between a laptop and a hospital deployment comes from environment
variables; the defaults are the embedded demo set-up (SQLite file and a SQLite-backed Celery
broker under ``var/``), so ``make run`` works on a machine with nothing but Python.
See docs/configuration.md for the full list.
"""

from datetime import timedelta
from pathlib import Path

import dj_database_url

from config.env import env_bool, env_int, env_list, env_str, private_dir, private_file, secret_key_from_file

BASE_DIR = Path(__file__).resolve().parent.parent
# The SQLite files, the secret key, the beat schedule and the demo logins live here: owner-only.
VAR_DIR = private_dir(Path(env_str("WORKUP_VAR_DIR", str(BASE_DIR / "var"))))

DEBUG = env_bool("DEBUG", default=False)

# Set SECRET_KEY in every multi-host deployment (all web processes must share it). Without it, a
# random key is made once and kept in WORKUP_VAR_DIR/secret-key (owner-only): never a built-in key.
SECRET_KEY = env_str("SECRET_KEY", "") or secret_key_from_file(VAR_DIR / "secret-key")

ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", default=["localhost", "127.0.0.1", "[::1]"])
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", default=[])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    # Login lockout shared by the web login, the admin login and the token endpoint.
    "axes",
    "rest_framework",
    "rest_framework.authtoken",
    "django_filters",
    "drf_spectacular",
    # Swagger UI's JavaScript and CSS served from our own static files: no CDN on a hospital network.
    "drf_spectacular_sidecar",
    "csp",
    "workup",
    "orders",
    "notifications",
    "django_prometheus",  # issue 13: request metrics (see "Operations" below)
    "ops",
    "simulation",  # issue 14: manage.py simulate (no models)
]

MIDDLEWARE = [
    # Issue 13: request metrics around everything, then a request id on every log line.
    "django_prometheus.middleware.PrometheusBeforeMiddleware",
    "ops.middleware.RequestIdMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "workup.security.headers.NoStoreMiddleware",
    # A database that went away mid-request: 503 with Retry-After (workup.security.database).
    "workup.security.database.DatabaseUnavailableMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    "workup.web.middleware.IdleSessionMiddleware",
    "django_prometheus.middleware.PrometheusAfterMiddleware",  # issue 13: pairs with Before
    # Last, as django-axes asks (and inside Prometheus's, whose metrics then count the lockout's 429):
    # turns a locked-out login into the lockout answer.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "config.urls"

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
                "workup.web.context.nav",
                "notifications.web.context.inbox",
            ],
        },
    },
]

WSGI_APPLICATION = "config.wsgi.application"

# --- Database -------------------------------------------------------------------------------
# DATABASE_URL, e.g. postgres://workup@db.hospital.local:5432/workup. Default: SQLite under var/.
DATABASES = {
    "default": dj_database_url.parse(
        env_str("DATABASE_URL", f"sqlite:///{VAR_DIR / 'workup.sqlite3'}"),
        conn_max_age=env_int("DATABASE_CONN_MAX_AGE", default=60),
    )
}
# A kept connection is checked before reuse, so that after a PostgreSQL restart the next request
# (or task) reconnects instead of failing on a dead socket.
DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # The web server, the worker and beat share one SQLite file in the demo set-up: WAL lets
    # readers run beside a writer, IMMEDIATE takes the write lock up front so that concurrent
    # transactions wait (timeout) instead of failing with "database is locked" mid-transaction.
    DATABASES["default"]["CONN_MAX_AGE"] = 0
    _sqlite_file = Path(str(DATABASES["default"]["NAME"]))
    if _sqlite_file.name not in ("", ":memory:") and _sqlite_file.parent.is_dir():
        private_file(_sqlite_file)  # patient data: owner-only from the start
    DATABASES["default"]["OPTIONS"] = {
        "timeout": 20,
        "transaction_mode": "IMMEDIATE",
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
    }

# CACHE_URL=redis://redis:6379/1 shares the cache (token throttle counts) across web processes.
CACHE_URL = env_str("CACHE_URL", "")
CACHES = {
    "default": (
        {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": CACHE_URL}
        if CACHE_URL
        else {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}
    )
}

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
AUTH_USER_MODEL = "workup.User"

# django-axes first: a locked-out username+address is refused before its password is checked.
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

# --- Time -----------------------------------------------------------------------------------
# Stored in UTC, shown in the hospital's zone.
USE_TZ = True
TIME_ZONE = env_str("TIME_ZONE", "Europe/Amsterdam")
LANGUAGE_CODE = "en-gb"
USE_I18N = True

# --- Static files -----------------------------------------------------------------------------
STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
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

# --- REST API ---------------------------------------------------------------------------------
# The API contract is docs/api.md; errors from services are mapped in workup.api.exceptions.
REST_FRAMEWORK = {
    # Token first: an anonymous request then gets 401 with "WWW-Authenticate: Token", not 403.
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "workup.api.authentication.ExpiringTokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    # JSON in, JSON out. The parser is DRF's, hardened so that no request body can cause a 500.
    "DEFAULT_PARSER_CLASSES": ["workup.api.parsers.JSONParser"],
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "DEFAULT_FILTER_BACKENDS": ["django_filters.rest_framework.DjangoFilterBackend"],
    "DEFAULT_PAGINATION_CLASS": "workup.api.pagination.PageNumberPagination",
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "EXCEPTION_HANDLER": "workup.api.exceptions.api_exception_handler",
    # POST /api/v1/auth/token/, counted per username and client IP (workup.api.throttling).
    # Triage attempts per user, API and web form together (workup.api.throttling.TriageThrottle).
    "DEFAULT_THROTTLE_RATES": {
        "token": env_str("API_TOKEN_THROTTLE_RATE", "10/min"),
        "triage": env_str("TRIAGE_THROTTLE_RATE", "30/hour"),
    },
    # Reverse proxies in front of the app that append to X-Forwarded-For. 0: use the socket's
    # address and ignore the header, which any client could otherwise forge to dodge throttling.
    "NUM_PROXIES": env_int("API_NUM_PROXIES", default=0),
    "TEST_REQUEST_DEFAULT_FORMAT": "json",
    # No OPTIONS self-description (it would list serializer internals to anyone): 405.
    "DEFAULT_METADATA_CLASS": None,
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Workup API",
    "DESCRIPTION": "Clinical workflow and task tracking for urgent neurological workups. "
    "Decision support only: nothing here is a diagnosis. Guide: docs/api.md.",
    "VERSION": "1",
    "SERVE_INCLUDE_SCHEMA": False,
    "COMPONENT_SPLIT_REQUEST": True,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    # drf-spectacular's own enum post-processing, then ours: the 404 of a page past the end.
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "workup.api.schema.document_invalid_page",
    ],
    "ENUM_NAME_OVERRIDES": {
        "WorkupStatusEnum": "workup.models.workup.WorkupStatus",
        "OrderStatusEnum": "orders.models.OrderStatus",
        "OrderCategoryEnum": "workup.models.pathway.OrderCategory",
        "AlertCategoryEnum": "workup.models.alert.AlertCategory",
        "AlertStatusEnum": "workup.models.alert.AlertStatus",
        # Alert groups share AlertStatusEnum: the same open / acknowledged / resolved.
        "CloseOutcomeEnum": "workup.models.workup.CloseOutcome",
        "HealthStatusEnum": ["ok", "unavailable"],
    },
}
# Idempotency-Key (API) and one-time form tokens (web): how long a key answers for its repeats.
IDEMPOTENCY_TTL_HOURS = env_int("IDEMPOTENCY_TTL_HOURS", default=24)
# API tokens stop working this long after they were made (workup.api.authentication).
API_TOKEN_TTL = timedelta(hours=env_int("API_TOKEN_TTL_HOURS", default=12))
# GET /healthz: how long the broker may take to answer before it counts as down.
HEALTHZ_BROKER_TIMEOUT_SECONDS = env_int("HEALTHZ_BROKER_TIMEOUT_SECONDS", default=2)

# --- Celery -----------------------------------------------------------------------------------
# Production: CELERY_BROKER_URL=redis://redis.hospital.local:6379/0.
# Default: the SQLAlchemy transport over a SQLite file, so the demo needs no broker server.
CELERY_BROKER_URL = env_str("CELERY_BROKER_URL", f"sqla+sqlite:///{VAR_DIR / 'celery-broker.sqlite'}")
CELERY_RESULT_BACKEND = env_str("CELERY_RESULT_BACKEND", "") or None
CELERY_TASK_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TIMEZONE = "UTC"
CELERY_ENABLE_UTC = True
CELERY_TASK_ALWAYS_EAGER = env_bool("CELERY_TASK_ALWAYS_EAGER", default=False)
CELERY_BEAT_SCHEDULE_FILENAME = str(VAR_DIR / "celerybeat-schedule")
# A task is acknowledged after it ran, and given back if its worker dies mid-way: a killed worker
# loses no escalation step (the token check makes the redelivery harmless).
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_DEFAULT_QUEUE = "default"
# Escalation steps, alert work and notification delivery get their own queue so that a backlog
# of routine work never delays a page. Workers consume both: `-Q critical,default`.
CELERY_TASK_ROUTES = {"notifications.tasks.*": {"queue": "critical"}}
CELERY_WORKER_CANCEL_LONG_RUNNING_TASKS_ON_CONNECTION_LOSS = True
# A request must never hang on a broker that is down: short connect timeouts; the publisher
# gives up after a few tries (notifications.dispatch) and the auditor re-sends from the database.
CELERY_BROKER_CONNECTION_TIMEOUT = 2
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_BROKER_CONNECTION_MAX_RETRIES = None  # the worker itself keeps reconnecting
CELERY_BROKER_TRANSPORT_OPTIONS = {}
if CELERY_BROKER_URL.startswith(("redis://", "rediss://")):
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        # Redis hands an unacknowledged message to another worker after this long. Timers are
        # only sent for steps due within ESCALATION_ARM_HORIZON_SECONDS, which is shorter, so a
        # waiting ETA message is not redelivered while it waits; if one is, the token check
        # makes it harmless.
        "visibility_timeout": env_int("CELERY_VISIBILITY_TIMEOUT_SECONDS", default=3600),
        # How often a worker looks for messages a dead worker left unacknowledged (kombu: every
        # interval × throttle seconds). The escalation auditor re-arms lost timers regardless.
        "unacked_restore_interval": env_int("CELERY_UNACKED_RESTORE_INTERVAL_SECONDS", default=10),
        "unacked_restore_throttle": env_int("CELERY_UNACKED_RESTORE_THROTTLE", default=10),
        "socket_connect_timeout": 2,
        "socket_timeout": 5,
        "max_retries": 2,
        "interval_start": 0,
        "interval_step": 0.2,
        "interval_max": 0.5,
    }

# --- Escalation and notifications --------------------------------------------------------------
# Timers are armed (sent to the broker with an ETA) only for steps due within this horizon; the
# auditor arms the rest as they come close. Must be shorter than the Redis visibility_timeout.
ESCALATION_ARM_HORIZON_SECONDS = env_int("ESCALATION_ARM_HORIZON_SECONDS", default=900)
# A timer or delivery this late is presumed lost (worker restart, broker outage) and re-sent.
ESCALATION_GRACE_SECONDS = env_int("ESCALATION_GRACE_SECONDS", default=60)
ESCALATION_AUDIT_INTERVAL_SECONDS = env_int("ESCALATION_AUDIT_INTERVAL_SECONDS", default=30)
NOTIFICATION_MAX_ATTEMPTS = env_int("NOTIFICATION_MAX_ATTEMPTS", default=5)
NOTIFICATION_WEBHOOK_TIMEOUT_SECONDS = env_int("NOTIFICATION_WEBHOOK_TIMEOUT_SECONDS", default=5)
# Links in notifications point here.
WORKUP_BASE_URL = env_str("WORKUP_BASE_URL", "http://127.0.0.1:8000").rstrip("/")
EMAIL_BACKEND = env_str("EMAIL_BACKEND", "django.core.mail.backends.console.EmailBackend")
EMAIL_HOST = env_str("EMAIL_HOST", "localhost")
EMAIL_PORT = env_int("EMAIL_PORT", default=25)
EMAIL_TIMEOUT = env_int("EMAIL_TIMEOUT_SECONDS", default=10)
DEFAULT_FROM_EMAIL = env_str("DEFAULT_FROM_EMAIL", "workup@localhost")

# The beat schedule lives here and nowhere else (see config/beat.py).
from config.beat import BEAT_SCHEDULE  # noqa: E402

CELERY_BEAT_SCHEDULE = BEAT_SCHEDULE

# --- Security for deployments ------------------------------------------------------------------
# Behind the hospital's TLS proxy: docs/configuration.md lists the production values, with which
# `manage.py check --deploy` has nothing to warn about (tests/security/test_deploy_settings.py).
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SECURE = env_bool("SECURE_COOKIES", default=not DEBUG)
CSRF_COOKIE_SECURE = env_bool("SECURE_COOKIES", default=not DEBUG)
SECURE_CONTENT_TYPE_NOSNIFF = True
X_FRAME_OPTIONS = "DENY"
# Plain-HTTP requests are redirected to HTTPS, except the load balancer's health probe and the
# Prometheus scrape (which may reach a web host directly, inside the hospital network).
SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", default=False)
SECURE_REDIRECT_EXEMPT = [r"^healthz$", r"^metrics$"]
# Strict-Transport-Security: browsers use HTTPS only, for this long (seconds; 0 = no header).
SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", default=0)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", default=False)
SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", default=False)
# Trust X-Forwarded-Proto: https from the TLS proxy. Only when a proxy that sets (and overwrites)
# the header is the only way in, or any client could claim to be on HTTPS.
SECURE_PROXY_SSL_HEADER = (
    ("HTTP_X_FORWARDED_PROTO", "https") if env_bool("SECURE_PROXY_SSL_HEADER", default=False) else None
)

# --- Login lockout (django-axes, workup.security.lockout) ------------------------------------
# LOGIN_FAILURE_LIMIT failures for one username from one client address lock that pair for
# LOGIN_LOCKOUT_MINUTES, on the web login, the admin login and the token endpoint alike. Failures
# live in the database (shared by every web process); a success resets the count; an admin
# unlocks early by deleting the access attempt in the admin.
AXES_FAILURE_LIMIT = env_int("LOGIN_FAILURE_LIMIT", default=5)
AXES_COOLOFF_TIME = timedelta(minutes=env_int("LOGIN_LOCKOUT_MINUTES", default=15))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
# Attempts during the lock do not extend it: locked for exactly the cool-off after the last failure.
AXES_RESET_COOL_OFF_ON_FAILURE_DURING_LOCKOUT = False
AXES_CLIENT_IP_CALLABLE = "workup.security.lockout.client_ip"
AXES_LOCKOUT_CALLABLE = "workup.security.lockout.lockout_response"
AXES_HTTP_RESPONSE_CODE = 429
# The log names the username and address that were locked (what an admin needs to unlock and to
# spot an attack); passwords are always masked by axes, in the log and in the stored attempt.
AXES_SENSITIVE_PARAMETERS: list[str] = []

# Flash messages ("Workup opened for <name>") are kept in the session, on the server: the default
# cookie storage would put patient names in a cookie on the ward workstation.
MESSAGE_STORAGE = "django.contrib.messages.storage.session.SessionStorage"

# --- Web UI (issue 6) ---------------------------------------------------------------------------
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "web:board"
LOGOUT_REDIRECT_URL = "login"
# Shared ward workstations: a session ends after this many idle minutes. What a person does
# renews it; the htmx polling of the board and the alert banner does not (workup.web.middleware),
# or a screen left open would never be signed out.
SESSION_COOKIE_AGE = env_int("SESSION_IDLE_MINUTES", default=30) * 60
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
# Strict Content-Security-Policy (django-csp): every script and style is a static file of ours,
# so no inline script, inline event handler or inline style attribute can run. Swagger UI and
# the Django admin are third-party pages with inline code of their own and are left out.
CONTENT_SECURITY_POLICY = {
    "EXCLUDE_URL_PREFIXES": ["/api/docs/", "/admin/"],
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:"],
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
    },
}


# --- Operations (issue 13): metrics and structured logs -------------------------------------------
# docs/deployment.md ("Watching it") and docs/configuration.md. GET /metrics answers a request
# that carries "Authorization: Bearer $METRICS_TOKEN" or comes from METRICS_ALLOWED_NETWORKS
# (CIDRs, e.g. 10.1.2.0/24 for the Prometheus host). Neither set: 403 for everyone. Do not list
# the address of a reverse proxy in front of the app: every request would come from it.
METRICS_TOKEN = env_str("METRICS_TOKEN", "")
METRICS_ALLOWED_NETWORKS = env_list("METRICS_ALLOWED_NETWORKS", default=[])
# JSON lines (default; one object per line with request_id or task_id) or console (readable).
LOG_FORMAT = env_str("LOG_FORMAT", "json")
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"structured": {"()": "ops.logging.formatter", "log_format": LOG_FORMAT}},
    "filters": {
        "redact_queries": {"()": "workup.security.logfilter.RedactQueryStrings"},
        # A 403 is one line (who, what, why), not a traceback (workup.web.logging).
        "forbidden_one_line": {"()": "workup.web.logging.ForbiddenOneLine"},
    },
    "handlers": {
        "console": {"class": "logging.StreamHandler", "formatter": "structured", "filters": ["forbidden_one_line"]}
    },
    "root": {"handlers": ["console"], "level": env_str("LOG_LEVEL", "INFO")},
    "loggers": {
        # With DEBUG=true Django logs every SQL query with its parameters, which include patient
        # names and MRNs: never below INFO, whatever LOG_LEVEL says.
        "django.db.backends": {"level": "INFO"},
        # The development server's access log: no query strings (?mrn=...) on disk (issue 11).
        "django.server": {"handlers": ["console"], "level": "INFO", "propagate": False, "filters": ["redact_queries"]},
    },
}
# Celery logs through LOGGING (ops.celery_logging) instead of replacing the root logger.
CELERY_WORKER_HIJACK_ROOT_LOGGER = False

"""The bare baseline: Django with no apps, no middleware, no database, one view. Every figure
`make bench` prints is divided by this one, measured in the same run on the same server."""

SECRET_KEY = "bench-baseline-not-secret"  # noqa: S105
DEBUG = False
ALLOWED_HOSTS = ["*"]
ROOT_URLCONF = "baseline.urls"
INSTALLED_APPS: list[str] = []
MIDDLEWARE: list[str] = []
DATABASES: dict[str, dict[str, str]] = {}
USE_TZ = True

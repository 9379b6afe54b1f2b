"""Test settings: the production settings module, with what tests need made explicit here.

Everything else is exactly what ``datahub.settings`` reads from the environment, so the suite runs
the same configuration on SQLite (default) and on PostgreSQL (``DATABASE_URL``).
"""

import os
import tempfile

os.environ.setdefault("DATAHUB_SECRET_KEY", "tests-only-secret-key-with-enough-length-0123456789")
os.environ.setdefault("DATAHUB_FILE_KEY", "dGVzdHMtb25seS1maWxlLWtleS0zMi1ieXRlcyEhISE=")
os.environ.setdefault("DATAHUB_BASE_URL", "http://127.0.0.1:8000")
os.environ.setdefault("DATAHUB_FROM_EMAIL", "Datahub <datahub@localhost>")
os.environ.setdefault("DATAHUB_EMAIL_BACKEND", "django.core.mail.backends.locmem.EmailBackend")
os.environ.setdefault("DATAHUB_VAR_DIR", tempfile.mkdtemp(prefix="datahub-tests-"))
# xdist workers inherit the directory chosen above by the controlling process: each gets its
# own below it, or one worker's retention purge (time moved a year ahead) deletes the files
# another worker's test is still reading (which its own test database does not record).
if _worker := os.environ.get("PYTEST_XDIST_WORKER"):
    _own = os.path.join(os.environ["DATAHUB_VAR_DIR"], _worker)
    os.makedirs(_own, exist_ok=True)
    os.environ["DATAHUB_VAR_DIR"] = _own

from datahub.settings import *  # noqa: F403

# A cheap hasher: the suite creates many accounts.
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"

# Tasks run at once (after the transaction commits) so a test sees a delivery's result; the
# worker's own behaviour (claiming, a killed worker) is tested with the real database backend.
TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}

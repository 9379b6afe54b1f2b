"""Where the hub keeps its files: the ``default`` entry of Django's ``STORAGES``, from the
environment.

Every file the hub stores (a delivered file, a forwarded package) is encrypted before it reaches
the storage (``datahub.deliveries.files``) and is only ever reached through Django's storage API,
so the storage sees ciphertext and any backend of that API serves:

* ``DATAHUB_FILE_STORAGE=local`` (the default): files on local disk under ``DATAHUB_FILES_DIR``;
* ``DATAHUB_FILE_STORAGE=s3``: a bucket of S3-compatible object storage (AWS S3, MinIO, Ceph,
  ...) through django-storages, for several web and worker machines that share the files.
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ImproperlyConfigured

from datahub.env import env_secret, env_str

#: A file read back from S3 is spooled to a temporary file beyond this, not held in memory.
S3_MEMORY_BYTES = 16 * 2**20


def file_storage() -> dict[str, Any]:
    """The storage of the hub's files, as ``STORAGES["default"]``."""
    kind = env_str("DATAHUB_FILE_STORAGE", "local")
    if kind == "local":
        return {"BACKEND": "django.core.files.storage.FileSystemStorage"}
    if kind != "s3":
        raise ImproperlyConfigured("DATAHUB_FILE_STORAGE must be local or s3")
    bucket = env_str("DATAHUB_S3_BUCKET", "")
    if not bucket:
        raise ImproperlyConfigured("DATAHUB_S3_BUCKET must be set when DATAHUB_FILE_STORAGE is s3")
    return {
        "BACKEND": "storages.backends.s3.S3Storage",
        "OPTIONS": {
            "bucket_name": bucket,
            "location": env_str("DATAHUB_S3_PREFIX", "").strip("/"),
            "endpoint_url": env_str("DATAHUB_S3_ENDPOINT_URL", "") or None,
            "region_name": env_str("DATAHUB_S3_REGION", "") or None,
            "addressing_style": env_str("DATAHUB_S3_ADDRESSING_STYLE", "") or None,
            # without them, boto3's own chain: the AWS_* variables, an instance or pod role
            "access_key": env_secret("DATAHUB_S3_ACCESS_KEY_ID"),
            "secret_key": env_secret("DATAHUB_S3_SECRET_ACCESS_KEY"),
            # a name is never written twice: a second file of the same name gets another name
            "file_overwrite": False,
            # no ACL: the bucket's own policy decides (buckets that enforce ownership refuse any)
            "default_acl": None,
            "max_memory_size": S3_MEMORY_BYTES,
        },
    }

"""Private storage for prescription files: a storage that can give no URL.

Django's ``FileSystemStorage`` falls back to ``MEDIA_URL`` when it has no
``base_url``, and django-storages' S3 backend hands out pre-signed links: either
would let a file leave by a path that skips the access check and the access log.
Here ``url()`` refuses; files are only served by ``prescriptions:file``.
"""

from __future__ import annotations

from django.core.files.storage import FileSystemStorage


class PrivateFileHasNoURL(RuntimeError):
    """A prescription file was asked for a direct URL."""


def _refuse(name: str):
    raise PrivateFileHasNoURL(
        "Prescription files have no direct URL; serve them through the prescriptions:file view, "
        "which checks who is asking and logs the access."
    )


class PrivateFileSystemStorage(FileSystemStorage):
    def url(self, name):
        _refuse(name)


try:  # django-storages[s3] (boto3) is installed with rxshop; S3 is chosen by settings
    from storages.backends.s3 import S3Storage
except ImportError:  # pragma: no cover - without boto3 only the local storage is usable
    S3Storage = None
else:

    class PrivateS3Storage(S3Storage):
        def url(self, name, parameters=None, expire=None, http_method=None):
            _refuse(name)

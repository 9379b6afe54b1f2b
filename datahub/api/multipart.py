"""What Django's multipart parser does not say: that the body ended inside a file.

Django keeps a file only once the part after it (or the closing boundary) is reached; a body
that ends inside the file part (cut off before its closing boundary) leaves no file at all, as
if none had been sent. The parser does tell its upload handlers (``upload_interrupted``): this
handler, first of them, notes it on the request, so that the API can say that the request was
incomplete instead of that no file was sent.
"""

from __future__ import annotations

from typing import Any

from django.core.files.uploadhandler import FileUploadHandler
from django.http import HttpRequest


class NoteInterruption(FileUploadHandler):
    """Passes every chunk on to the next handlers; notes an interrupted file on the request."""

    def receive_data_chunk(self, raw_data: bytes, start: int) -> bytes:
        return raw_data

    def file_complete(self, file_size: int) -> Any:
        return None  # the next handlers make the file

    def upload_interrupted(self) -> None:
        if self.request is not None:
            self.request.upload_interrupted = True  # type: ignore[attr-defined]


def interrupted(request: HttpRequest) -> bool:
    """Whether the body of ``request`` (parsed) ended inside a file part."""
    return bool(getattr(request, "upload_interrupted", False))

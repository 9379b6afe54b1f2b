"""Delivered files, encrypted at rest with a streaming AEAD (AES-256-GCM in 1 MiB chunks).

Layout of a stored file: ``MAGIC`` (6 bytes) · nonce prefix (8 bytes) · chunks. Each chunk is
AES-GCM of at most ``CHUNK`` plaintext bytes with nonce = prefix ‖ chunk number (4 bytes) and the
associated data = header ‖ chunk number ‖ final flag, so chunks cannot be reordered, dropped or
the file truncated without decryption failing.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import hashlib
import io
import os
import struct
import tempfile
import uuid
from collections.abc import Iterable, Iterator
from typing import IO, BinaryIO, cast

from botocore.exceptions import BotoCoreError, ClientError
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from django.conf import settings
from django.core.files import File
from django.core.files.storage import default_storage
from django.utils import timezone

from datahub.deliveries.models import MAX_NAME, StoredFile

MAGIC = b"DHENC1"
CHUNK = 1024 * 1024
TAG = 16


class FileIntegrityError(Exception):
    """A stored file does not decrypt: tampered with, truncated, or the wrong key."""


def _aad(header: bytes, number: int, final: bool) -> bytes:
    return header + struct.pack(">I?", number, final)


def _nonce(prefix: bytes, number: int) -> bytes:
    return prefix + struct.pack(">I", number)


def encrypt_chunks(chunks: Iterable[bytes], key: bytes) -> Iterator[bytes]:
    """Yield the encrypted form of the plaintext ``chunks`` (any sizes)."""
    aes = AESGCM(key)
    prefix = os.urandom(8)
    header = MAGIC + prefix
    yield header
    number = 0
    pending = b""
    for piece in chunks:
        pending += piece
        while len(pending) > CHUNK:  # keep one chunk back: only the last one is final
            block, pending = pending[:CHUNK], pending[CHUNK:]
            yield aes.encrypt(_nonce(prefix, number), block, _aad(header, number, False))
            number += 1
    yield aes.encrypt(_nonce(prefix, number), pending, _aad(header, number, True))


class DecryptingReader(io.RawIOBase):
    """A readable stream of the plaintext of an encrypted file object."""

    def __init__(self, source: BinaryIO, key: bytes) -> None:
        self._source = source
        self._aes = AESGCM(key)
        header = source.read(len(MAGIC) + 8)
        if len(header) != len(MAGIC) + 8 or not header.startswith(MAGIC):
            raise FileIntegrityError("not an encrypted Datahub file")
        self._header = header
        self._prefix = header[len(MAGIC) :]
        self._number = 0
        self._buffer = b""
        self._next = source.read(CHUNK + TAG)
        self._done = False

    def readable(self) -> bool:
        return True

    def readinto(self, target: bytearray | memoryview) -> int:  # type: ignore[override]
        while not self._buffer and not self._done:
            self._decrypt_next()
        size = min(len(target), len(self._buffer))
        target[:size] = self._buffer[:size]
        self._buffer = self._buffer[size:]
        return size

    def _decrypt_next(self) -> None:
        current, self._next = self._next, self._source.read(CHUNK + TAG)
        final = not self._next
        try:
            self._buffer = self._aes.decrypt(
                _nonce(self._prefix, self._number), current, _aad(self._header, self._number, final)
            )
        except Exception as exc:
            raise FileIntegrityError("the stored file does not decrypt") from exc
        self._number += 1
        self._done = final

    def close(self) -> None:
        self._source.close()
        super().close()


#: Failures of the storage itself, not of a file: a full or failing disk, and object storage
#: (``DATAHUB_FILE_STORAGE=s3``) out of reach or refusing.
STORAGE_OUTAGES = (OSError, BotoCoreError, ClientError)


def file_key() -> bytes:
    return bytes(settings.FILE_ENCRYPTION_KEY)


def store(
    chunks: Iterable[bytes], original_name: str, *, today: dt.date | None = None
) -> StoredFile:
    """Encrypt ``chunks`` into the default storage and return the file's row.

    The plaintext is never held whole in memory: it is encrypted chunk by chunk into a temporary
    file, which the storage then takes over.
    """
    today = today or timezone.localdate()
    digest = hashlib.sha256()
    size = 0

    def counted() -> Iterator[bytes]:
        nonlocal size
        for piece in chunks:
            digest.update(piece)
            size += len(piece)
            yield piece

    with tempfile.TemporaryFile() as encrypted:
        for block in encrypt_chunks(counted(), file_key()):
            encrypted.write(block)
        encrypted.seek(0)
        return save_encrypted(
            encrypted, original_name, size=size, sha256=digest.hexdigest(), today=today
        )


def storage_name_for(today: dt.date) -> str:
    """A new name in storage for a delivered file (one folder per month)."""
    return f"deliveries/{today:%Y/%m}/{uuid.uuid4().hex}.enc"


def save_encrypted(
    encrypted: IO[bytes], original_name: str, *, size: int, sha256: str, today: dt.date
) -> StoredFile:
    """Put an encrypted file into storage and record it; when the record cannot be written
    (a locked database), the bytes are removed again, so no patient data is left unaccounted
    for (and ``retention.purge_unrecorded_files`` sweeps what a killed process left)."""
    name = storage_name_for(today)
    try:
        stored_name = default_storage.save(name, File(encrypted))
    except BaseException:
        with contextlib.suppress(Exception):  # the part a full disk (or a stop) left behind
            default_storage.delete(name)
        raise
    try:
        return StoredFile.objects.create(
            storage_name=stored_name,
            original_name=original_name[:MAX_NAME],
            size=size,
            sha256=sha256,
            retain_until=today + dt.timedelta(days=settings.RAW_FILE_RETENTION_DAYS),
        )
    except BaseException:
        default_storage.delete(stored_name)
        raise


def open_plaintext(stored: StoredFile) -> io.BufferedReader:
    """A stream of the delivered bytes (raises FileIntegrityError if tampered with)."""
    if stored.deleted_at is not None:
        raise FileNotFoundError(f"{stored.original_name} was deleted after its retention period")
    source = cast(BinaryIO, default_storage.open(stored.storage_name, "rb"))
    return io.BufferedReader(DecryptingReader(source, file_key()))


def delete(stored: StoredFile) -> None:
    """Delete the file's bytes; the row (name, size, checksum) stays for the report."""
    default_storage.delete(stored.storage_name)
    StoredFile.objects.filter(pk=stored.pk).update(deleted_at=timezone.now())

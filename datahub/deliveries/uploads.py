"""Resumable uploads: a large file arrives in chunks of whole megabytes, each encrypted on arrival.

The browser asks for a session (name and size), sends chunks at the offset the session expects
(after a broken connection it asks where to go on), and finally submits the delivery's fields
with the session id. Each chunk is written as the encrypted blocks of the stored-file format, so
the plaintext never lies on disk; the block that ends the file is the final block.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import hashlib
import io
import logging
import os
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from django.conf import settings
from django.db import models, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from datahub.deliveries import files
from datahub.deliveries.models import MAX_NAME, StoredFile, UploadSession
from datahub.institutions.models import Institution
from datahub.sizes import size_text

logger = logging.getLogger(__name__)

#: Chunks are whole multiples of the encryption block, except the file's last one.
CHUNK_BYTES = 8 * files.CHUNK
SESSION_HOURS = 24
#: Unfinished uploads a person keeps: starting another drops his least recently used one.
SESSIONS_PER_PERSON = 5
#: Unfinished uploads of an institution may announce at most this many maximum-size files.
INSTITUTION_FILES = 10


class UploadError(Exception):
    """A refused chunk or session; ``str()`` is the user's message."""


class UploadStorageFailed(UploadError):
    """The hub's disk failed while a session was started or a chunk written: nothing of it is
    kept (a started session is not), and the person can try again in a few minutes."""

    def __init__(self) -> None:
        super().__init__(storage_failed_message())


class UploadLost(UploadError):
    """The session's part file is gone (removed from the disk): the session is dropped and the
    file must be chosen again."""

    def __init__(self) -> None:
        super().__init__(
            _("This upload was lost on the hub's side. Choose the file again to start anew.")
        )


def storage_failed_message() -> str:
    """What a person or system is told when the hub's storage failed while taking a file in."""
    return _(
        "The hub could not store the file just now; nothing was delivered. Try again in a few "
        "minutes; if it keeps failing, contact the DHD Servicedesk."
    )


def _part_path(session: UploadSession) -> Path:
    return Path(settings.VAR_DIR) / "uploads" / f"{session.pk}.part"


def too_large() -> str:
    """The message for a file larger than ``MAX_UPLOAD_BYTES`` (also the intake's and API's)."""
    return _("The file is larger than the maximum of %(size)s.") % {
        "size": size_text(settings.MAX_UPLOAD_BYTES)
    }


def start(*, institution: Institution, user: Any, file_name: str, size: int) -> UploadSession:
    if "\x00" in file_name:
        raise UploadError(_("The file name holds a character that is not allowed (NUL)."))
    if size <= 0:
        raise UploadError(_("The file is empty."))
    if size > settings.MAX_UPLOAD_BYTES:
        raise UploadError(too_large())
    _make_room(institution, user, size)
    session = UploadSession(
        id=uuid.uuid4(),
        institution=institution,
        user=user,
        file_name=file_name[:MAX_NAME],
        size=size,
        nonce_prefix=os.urandom(8),
    )
    part = _part_path(session)
    try:
        with transaction.atomic():  # no session without its part file, nor a part without one
            session.save(force_insert=True)
            part.parent.mkdir(exist_ok=True)
            part.write_bytes(files.MAGIC + bytes(session.nonce_prefix))
    except BaseException as failure:  # the session's row was not committed: nor is its part
        with contextlib.suppress(OSError):
            part.unlink(missing_ok=True)
        if not isinstance(failure, OSError):
            raise
        logger.exception("an upload could not be started: the uploads folder cannot be written")
        raise UploadStorageFailed from None
    return session


def _make_room(institution: Institution, user: Any, size: int) -> None:
    """Bound what unfinished uploads may hold on the server's disk (each may grow to its
    announced size, and nothing else removes it for a day): a person's oldest beyond
    :data:`SESSIONS_PER_PERSON` are dropped, and an institution's together announce at most
    :data:`INSTITUTION_FILES` files of the maximum size."""
    sessions = UploadSession.objects.for_institution(institution)
    for old in sessions.filter(user=user).order_by("-updated_at")[SESSIONS_PER_PERSON - 1 :]:
        forget(old)
    announced = sessions.aggregate(total=models.Sum("size"))["total"] or 0
    if announced + size > INSTITUTION_FILES * settings.MAX_UPLOAD_BYTES:
        raise UploadError(
            _(
                "Your institution has too many unfinished uploads. Finish or abandon them "
                "(an upload without progress is removed after a day), then try again."
            )
        )


def find(institution: Institution, user: Any, session_id: str) -> UploadSession | None:
    """The caller's own session (another institution's or person's id is not found)."""
    try:
        key = uuid.UUID(str(session_id))
    except ValueError:
        return None
    return UploadSession.objects.for_institution(institution).filter(pk=key, user=user).first()


def append(session: UploadSession, offset: int, data: bytes) -> int:
    """Add the chunk at ``offset``; returns the number of bytes received so far.

    The session row is locked while the chunk is written, and each block is written at its own
    place in the file, so a chunk sent twice (a retry, a double click, a second tab) can neither
    be counted twice nor leave stray bytes behind.
    """
    end = offset + len(data)
    if not data or end > session.size:
        raise UploadError(_("The chunk does not fit the announced file size."))
    if end < session.size and len(data) % files.CHUNK:
        raise UploadError(_("A chunk must be a whole number of megabytes."))
    try:
        with transaction.atomic():
            locked = (
                UploadSession.objects.for_institution(session.institution)
                .select_for_update()
                .get(pk=session.pk)
            )
            if offset != locked.received:
                session.received = locked.received
                raise UploadError(_("Expected the chunk at byte %(n)s.") % {"n": locked.received})
            _write_chunk(session, offset, data)
            locked.received = end
            locked.save(update_fields=["received", "updated_at"])
    except FileNotFoundError:
        if not _part_path(session).parent.is_dir():  # the disk itself is gone (not mounted)
            logger.exception("a chunk of upload %s could not be written", session.pk)
            raise UploadStorageFailed from None
        forget(session)  # its part was removed: the session cannot go on
        raise UploadLost from None
    except OSError:  # the disk failed: nothing counted, the same chunk can be sent again
        logger.exception("a chunk of upload %s could not be written", session.pk)
        raise UploadStorageFailed from None
    session.received = end
    return end


def _write_chunk(session: UploadSession, offset: int, data: bytes) -> None:
    """Each block at its own place in the part file (a block written again replaces itself)."""
    with _part_path(session).open("r+b") as part:
        part.seek(len(files.MAGIC) + 8 + (offset // files.CHUNK) * (files.CHUNK + files.TAG))
        for block in _encrypted_blocks(session, offset, data, final_at=session.size):
            part.write(block)
        part.truncate()


def _encrypted_blocks(
    session: UploadSession, offset: int, data: bytes, final_at: int
) -> Iterator[bytes]:
    aes = AESGCM(files.file_key())
    prefix = bytes(session.nonce_prefix)
    header = files.MAGIC + prefix
    for start in range(0, len(data), files.CHUNK):
        block = data[start : start + files.CHUNK]
        number = (offset + start) // files.CHUNK
        final = offset + start + len(block) == final_at
        yield aes.encrypt(files._nonce(prefix, number), block, files._aad(header, number, final))


def finish(session: UploadSession) -> StoredFile:
    """Copy the complete, encrypted file into storage (the session stays until ``forget``)."""
    if not session.complete:
        raise UploadError(_("The upload is not complete yet."))
    path = _part_path(session)
    try:
        with path.open("rb") as encrypted:
            digest = _plaintext_digest(encrypted)
    except files.FileIntegrityError:
        raise UploadError(_("The upload is damaged; please deliver the file again.")) from None
    with path.open("rb") as encrypted:
        stored = files.save_encrypted(
            encrypted,
            session.file_name,
            size=session.size,
            sha256=digest,
            today=timezone.localdate(),
        )
    return stored


def head(session: UploadSession, size: int = 64) -> bytes:
    """The first ``size`` bytes of a complete upload (empty if it cannot be read: ``finish``
    then says why)."""
    try:
        with _part_path(session).open("rb") as encrypted:
            reader = files.DecryptingReader(encrypted, files.file_key())
            with io.BufferedReader(reader) as buffered:  # (reads until ``size`` or the end)
                return buffered.read(size)
    except (OSError, files.FileIntegrityError):
        return b""


def forget(session: UploadSession) -> None:
    """Delete a session and its part: once its file has been taken in (a refused delivery
    keeps it, so the person can correct the fields without sending the file again), or when
    it is abandoned or crowded out."""
    _part_path(session).unlink(missing_ok=True)
    UploadSession.objects.for_institution(session.institution_id).filter(pk=session.pk).delete()


def _plaintext_digest(encrypted: Any) -> str:
    """SHA-256 of the plaintext, which also proves the whole file decrypts."""
    digest = hashlib.sha256()
    with files.DecryptingReader(encrypted, files.file_key()) as reader:
        while block := reader.read(files.CHUNK):
            digest.update(block)
    return digest.hexdigest()


def discard_stale(now: dt.datetime | None = None) -> int:
    """Delete sessions (and their parts) that received nothing for a day: abandoned uploads
    (an upload still receiving chunks stays, however long ago it started)."""
    cutoff = (now or timezone.now()) - dt.timedelta(hours=SESSION_HOURS)
    stale = UploadSession.objects.unscoped().filter(updated_at__lt=cutoff)
    count = 0
    for session in stale:
        forget(session)
        count += 1
    return count

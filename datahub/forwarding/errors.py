"""The domain errors of forwarding; ``str()`` is the message for the person or processor."""

from __future__ import annotations


class ForwardingError(Exception):
    """A refused change or request; nothing was changed."""


class PackageNotFound(ForwardingError):
    """No package with this id for this processor (another processor's, or none at all)."""


class PackageWithdrawn(ForwardingError):
    """The package exists for this processor but may no longer be fetched."""


class AuthorisationRevoked(PackageWithdrawn):
    """The institution revoked the authorisation the package was made under, or the hub's
    operator withdrew the processor's registration for its registry."""


class FilesUnavailable(ForwardingError):
    """The hub's storage could not be read just now (a failing disk, object storage out of
    reach): nothing was fetched or noted; try again later (the API answers 503)."""


class FileUnreadable(ForwardingError):
    """The package's stored file does not decrypt or is gone: the hub's fault, not to be tried
    again (the API answers 500); nothing was fetched or noted."""

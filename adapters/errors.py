"""Every failure an adapter raises, in one hierarchy.

``ClientError`` subclasses are the caller's doing (the gateway turns them into ``UserError``s);
``UpstreamError`` subclasses are outside the caller's control (the gateway turns them into
GraphQL errors carrying ``code``, ``vendor`` and ``upstream_status``). Messages may quote the
vendor's own words but never a credential or an internal URL.
"""

from __future__ import annotations

from dataclasses import dataclass

from adapters.model import Vendor


@dataclass(frozen=True, slots=True)
class FieldError:
    """One problem the vendor (or the adapter) found with a field, by path into the order."""

    path: tuple[str, ...]
    message: str
    code: str | None = None


class VendorError(Exception):
    code = "VENDOR_ERROR"
    # Set by an adapter on the failure of a write: what a retry of it (same idempotency key)
    # needs to know that a read cannot show, e.g. the order's version before the write was
    # sent. Opaque outside the adapter, which gets it back as the retry's ``earlier``.
    resume_note: str | None = None
    # Set where it is certain the call this failure ended never reached the vendor.
    sent_nothing: bool = False
    # Set on the error a batched read raises when some of its ids were read: one entry per id
    # asked, in order, holding what was read (``None`` for an unknown id) or that id's error.
    partial_answers: list[object] | None = None

    def __init__(
        self,
        message: str,
        *,
        vendor: Vendor | None = None,
        upstream_status: int | None = None,
        substatus: str | None = None,
        vendor_messages: tuple[str, ...] = (),
    ) -> None:
        super().__init__(message)
        self.message = message
        self.vendor = vendor
        self.upstream_status = upstream_status
        self.substatus = substatus
        self.vendor_messages = vendor_messages


# The caller's doing: returned to clients as UserErrors.


class ClientError(VendorError):
    code = "CLIENT_ERROR"


class NotFound(ClientError):
    code = "NOT_FOUND"


class OrderNotFound(NotFound):
    code = "ORDER_NOT_FOUND"


class ContactNotFound(NotFound):
    code = "CONTACT_NOT_FOUND"


class JobNotFound(NotFound):
    code = "JOB_NOT_FOUND"


class AlreadyExists(ClientError):
    code = "ORDER_ALREADY_EXISTS"


class ValidationFailed(ClientError):
    code = "VALIDATION_FAILED"

    def __init__(
        self, message: str, *, field_errors: tuple[FieldError, ...] = (), **kwargs: object
    ) -> None:
        super().__init__(message, **kwargs)  # type: ignore[arg-type]
        self.field_errors = field_errors


class UnsupportedByVendor(ClientError):
    code = "UNSUPPORTED_BY_VENDOR"


class VersionConflict(ClientError):
    """The versionTag given is not the order's current one (Engage answers 404 for this)."""

    code = "VERSION_CONFLICT"


class NoContact(ClientError):
    """The order has no resolved contact, so the vendor refuses the action (Engage 422)."""

    code = "NO_CONTACT"


class AmbiguousContact(ClientError):
    code = "MULTIPLE_MATCHES"


# Outside the caller's control: returned to clients as GraphQL errors.


class UpstreamError(VendorError):
    code = "UPSTREAM_ERROR"


class Unauthorized(UpstreamError):
    """The gateway's own credentials were refused: a configuration problem, not the client's."""

    code = "VENDOR_UNAUTHORIZED"


class RateLimited(UpstreamError):
    code = "RATE_LIMITED"

    def __init__(self, message: str, *, retry_after: float | None = None, **kwargs: object) -> None:
        super().__init__(message, **kwargs)  # type: ignore[arg-type]
        self.retry_after = retry_after


class VendorUnavailable(UpstreamError):
    code = "VENDOR_UNAVAILABLE"


class CircuitOpen(VendorUnavailable):
    """Failing fast: the vendor failed repeatedly and the breaker has not probed it back yet."""

    code = "CIRCUIT_OPEN"


class UpstreamTimeout(UpstreamError):
    code = "UPSTREAM_TIMEOUT"


class BadVendorResponse(UpstreamError):
    """The vendor answered something the adapter cannot read (garbage, wrong shape)."""

    code = "BAD_VENDOR_RESPONSE"


class VersionTagUnavailable(UpstreamError):
    """The latest change never produced a versionTag within the adapter's bounded wait."""

    code = "VERSION_TAG_UNAVAILABLE"


WRITE_OUTCOME_ADVICE = (
    "Read the order to see whether it landed, or send the same mutation again with the same"
    " idempotencyKey: the retry recognises a write of its own that landed and does not write"
    " it twice."
)


class WriteOutcomeUnknown(UpstreamError):
    """A write was sent, the answer was lost, and a read could not tell whether it landed."""

    code = "WRITE_OUTCOME_UNKNOWN"

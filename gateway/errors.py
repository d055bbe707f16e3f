"""How failures reach clients.

Two channels, as the public contract promises:

* the client's own doing (an adapter ``ClientError``, or input the gateway rejects before calling a
  vendor) becomes ``UserError`` data in a mutation payload, keeping the vendor's own words;
* anything outside the client's control (``UpstreamError``) and malformed query arguments become
  GraphQL errors whose ``extensions`` carry ``code``, ``vendor`` and ``upstreamStatus``.

``is_public_error`` tells the server's error masking which errors are safe to show verbatim.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from graphql import GraphQLError
from strawberry.exceptions import MissingQueryError
from strawberry.schema.exceptions import CannotGetOperationTypeError, InvalidOperationTypeError

from adapters.errors import ClientError, RateLimited, UpstreamError, ValidationFailed
from adapters.model import Vendor
from gateway.public_text import public_message


@dataclass(frozen=True, slots=True)
class UserErrorInfo:
    """A client-caused failure, ready to become a GraphQL ``UserError``."""

    code: str
    message: str
    field: tuple[str, ...] | None = None
    # The vendor's own code for the same failure (Engage errorCode, ExpertSender substatus).
    vendor_code: str | None = None


# --- failures of the gateway's own parts (start-up, settings, state, input decoding) ---


class SettingsError(ValueError):
    """One environment variable holds a value the gateway cannot use."""

    def __init__(self, variable: str, problem: str) -> None:
        super().__init__(f"{variable}: {problem}")
        self.variable = variable
        self.problem = problem


class CommandError(Exception):
    """Stops the command with a one-line message and exit status 2."""


class RedisUnreachable(RuntimeError):
    """Redis did not answer at start-up; the message is one line without the password."""


class InvalidGlobalId(ValueError):
    """The string is not an id this gateway issued."""

    def __init__(self, raw: str, reason: str) -> None:
        super().__init__(f"Invalid global id {raw!r}: {reason}")
        self.raw = raw
        self.reason = reason


class InvalidLogCursor(ValueError):
    """An ``after`` cursor this log did not issue."""


class SubscriberOverflow(Exception):
    """The subscriber fell too far behind and was dropped instead of buffering without bound."""


class InvalidRecord(ValueError):
    """Stored bytes that are not a record this gateway writes."""


class BodyTooLarge(Exception):
    """Raised from ``receive`` once a streamed body passes the limit; the middleware answers 413
    (the app in between must let it through)."""


class IdempotencyKeyReused(Exception):
    """The key was first used with a different input."""

    code = "IDEMPOTENCY_KEY_REUSED"

    def __init__(self, key: str) -> None:
        super().__init__(
            f"Idempotency key {key!r} was already used with a different input; "
            "use a new key for a different request"
        )
        self.key = key


class StartupError(RuntimeError):
    """The gateway cannot start; the message says why in one line."""


class GatewayError(Exception):
    """A failure shown to clients as a GraphQL error; its message is safe to show verbatim."""

    code = "BAD_REQUEST"

    def __init__(
        self,
        message: str,
        *,
        code: str | None = None,
        vendor: Vendor | None = None,
        upstream_status: int | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        if code is not None:
            self.code = code
        self.vendor = vendor
        self.upstream_status = upstream_status

    @property
    def extensions(self) -> dict[str, Any]:
        # graphql-core copies an original error's ``extensions`` onto the located error.
        extensions: dict[str, Any] = {"code": self.code}
        if self.vendor is not None:
            extensions["vendor"] = self.vendor.value
        if self.upstream_status is not None:
            extensions["upstreamStatus"] = self.upstream_status
        return extensions


class BadUserInput(GatewayError):
    code = "BAD_USER_INPUT"


class InvalidId(GatewayError):
    code = "INVALID_ID"


class UnsupportedByVendorError(GatewayError):
    code = "UNSUPPORTED_BY_VENDOR"


class VendorNotConfigured(GatewayError):
    code = "VENDOR_NOT_CONFIGURED"


class StateStoreUnavailable(GatewayError):
    """The store several gateway processes share (Redis) cannot be reached; the operation did
    not happen and can be retried once the store is back."""

    code = "STATE_STORE_UNAVAILABLE"


class UpstreamFailure(GatewayError):
    """A vendor failure outside the client's control; ``retry_after_s``: when trying again
    makes sense (a rate limit), shown as ``extensions.retryAfter``."""

    code = "UPSTREAM_ERROR"
    retry_after_s: float | None = None

    @property
    def extensions(self) -> dict[str, Any]:
        extensions = super().extensions
        if self.retry_after_s is not None:
            extensions["retryAfter"] = self.retry_after_s
        return extensions


def upstream_failure(exc: UpstreamError) -> UpstreamFailure:
    failure = UpstreamFailure(
        public_message(exc.message),
        code=exc.code,
        vendor=exc.vendor,
        upstream_status=exc.upstream_status,
    )
    if isinstance(exc, RateLimited) and exc.retry_after is not None:
        failure.retry_after_s = exc.retry_after
    return failure


# A request the client got wrong, which Strawberry turns into an error of the operation when it
# arrives over a stream (WebSocket, SSE): an unknown operation name, a missing query, an
# operation type the transport does not allow.
PUBLIC_ORIGINALS = (
    GatewayError,
    GraphQLError,
    CannotGetOperationTypeError,
    InvalidOperationTypeError,
    MissingQueryError,
)


def is_public_error(error: GraphQLError) -> bool:
    """True for errors whose message may reach a client unmasked.

    Parse and validation errors (no original error) and ``GatewayError``s are public; anything
    else is a bug or an unexpected failure and must be masked.
    """
    original = error.original_error
    return original is None or isinstance(original, PUBLIC_ORIGINALS)


_CAMEL_BOUNDARY = re.compile(r"_([a-z0-9])")


def to_camel(name: str) -> str:
    return _CAMEL_BOUNDARY.sub(lambda match: match.group(1).upper(), name)


def input_path(base: Sequence[str], path: Sequence[str]) -> tuple[str, ...]:
    """A GraphQL input path (``["input","order","lines","0","sku"]``) for a model field path."""
    if path and path[0] == "input":
        return tuple(path)
    return (*base, *(to_camel(str(part)) for part in path))


def user_errors_from(
    exc: ClientError, *, base_path: Sequence[str] = ("input",)
) -> list[UserErrorInfo]:
    """The ``UserError``s for a vendor's refusal, keeping the vendor's own messages."""
    # One vocabulary: the code says what kind of mistake it is, whichever vendor found it;
    # the vendor's own code travels beside it.
    if isinstance(exc, ValidationFailed) and exc.field_errors:
        return [
            UserErrorInfo(
                code=exc.code,
                message=field_error.message,
                field=input_path(base_path, field_error.path) if field_error.path else None,
                vendor_code=field_error.code or exc.substatus,
            )
            for field_error in exc.field_errors
        ]
    errors = [UserErrorInfo(code=exc.code, message=exc.message, vendor_code=exc.substatus)]
    errors.extend(
        UserErrorInfo(code=exc.code, message=message, vendor_code=exc.substatus)
        for message in exc.vendor_messages
        if message and message not in exc.message
    )
    return errors

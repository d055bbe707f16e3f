"""The gateway's error vocabulary, in one hierarchy, and how failures reach clients.

Two channels, as the public contract promises:

* the client's own doing (an adapter ``ClientError``, or input the gateway rejects before calling a
  vendor) becomes ``UserError`` data in a mutation payload, keeping the vendor's own words;
* anything outside the client's control (``UpstreamError``) and malformed query arguments become
  GraphQL errors whose ``extensions`` carry ``code``, ``vendor`` and ``upstreamStatus``.

Every exception the gateway raises on purpose is a ``GatewayException``; its ``code`` is the
``extensions.code`` a client is shown when the failure reaches one (None: it never does)::

    GatewayException
    ├── GatewayError                  a GraphQL error, its message safe to show verbatim
    │   ├── BadUserInput, InvalidId, VendorNotConfigured
    │   ├── StateStoreUnavailable, UpstreamFailure
    │   ├── Unauthenticated, Forbidden, ClientRateLimited, TrustedDocumentRequired
    │   └── VendorCallLimitReached, PersistedQueryError
    ├── refused before any operation runs, as an HTTP status with a GraphQL-shaped body:
    │   CredentialRefused (401), CredentialUncheckable (503), BodyTooLarge (413),
    │   BodyTimedOut (408); and WebSocketRejected (the socket closes with 4403 and its reason)
    ├── IdempotencyKeyReused          a ``UserError`` of the mutation
    ├── turned into one of the above where they are caught: InvalidGlobalId, InvalidLogCursor,
    │   BudgetExceeded, NonFiniteNumber; met by a client only as a masked INTERNAL error:
    │   InvalidRecord, SubscriberOverflow
    └── stopping start-up with one line: SettingsError, CommandError, RedisUnreachable,
        StartupError (AccessSetupError), ApiKeyFileError, ManifestError

Vendor failures are ``adapters.errors.VendorError``s (the adapters know nothing of the gateway);
``user_errors_from`` and ``upstream_failure`` turn them into the two channels above.
``is_public_error`` tells the server's error masking which errors are safe to show verbatim.
"""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from graphql import GraphQLError
from strawberry.exceptions import ConnectionRejectionError, MissingQueryError
from strawberry.schema.exceptions import CannotGetOperationTypeError, InvalidOperationTypeError
from strawberry.types import ExecutionResult

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


class GatewayException(Exception):
    """Root of every exception the gateway raises on purpose."""

    # The ``extensions.code`` a client is shown when this failure reaches one.
    code: str | None = None


# --- stopping start-up or a command with one line ---


class SettingsError(GatewayException, ValueError):
    """One environment variable holds a value the gateway cannot use."""

    def __init__(self, variable: str, problem: str) -> None:
        super().__init__(f"{variable}: {problem}")
        self.variable = variable
        self.problem = problem


class CommandError(GatewayException):
    """Stops the command with a one-line message and exit status 2."""


class RedisUnreachable(GatewayException, RuntimeError):
    """Redis did not answer at start-up; the message is one line without the password."""


class StartupError(GatewayException, RuntimeError):
    """The gateway cannot start; the message says why in one line."""


class AccessSetupError(StartupError):
    """Access control cannot start; the message says why in one line."""


class ApiKeyFileError(GatewayException, ValueError):
    """The API key file cannot be used; the message names the line."""


class ManifestError(GatewayException, ValueError):
    """The trusted-documents manifest cannot be used; the message says where."""


# --- caught inside the gateway and turned into an answer where they are caught ---


class InvalidGlobalId(GatewayException, ValueError):
    """The string is not an id this gateway issued (shown as ``InvalidId``)."""

    def __init__(self, raw: str, reason: str) -> None:
        super().__init__(f"Invalid global id {raw!r}: {reason}")
        self.raw = raw
        self.reason = reason


class NonFiniteNumber(GatewayException, json.JSONDecodeError):
    """A request holds NaN, Infinity or a number beyond the range of a double: JSON cannot
    carry it, and a vendor would be sent null in its place."""

    def __init__(self, problem: str) -> None:
        super().__init__(problem, "", 0)


class InvalidLogCursor(GatewayException, ValueError):
    """An ``after`` cursor this log did not issue."""


class SubscriberOverflow(GatewayException):
    """The subscriber fell too far behind and was dropped instead of buffering without bound."""


class InvalidRecord(GatewayException, ValueError):
    """Stored bytes that are not a record this gateway writes."""


class BudgetExceeded(GatewayException):
    """Checking a document took longer than its time budget; the request is refused with a
    validation error saying so."""


class IdempotencyKeyReused(GatewayException):
    """The key was first used with a different input."""

    code = "IDEMPOTENCY_KEY_REUSED"

    def __init__(self, key: str) -> None:
        super().__init__(
            f"Idempotency key {key!r} was already used with a different input; "
            "use a new key for a different request"
        )
        self.key = key


# --- refused before any operation runs ---


class BodyTooLarge(GatewayException):
    """Raised from ``receive`` once a streamed body passes the limit; the middleware answers 413
    (the app in between must let it through)."""

    code = "PAYLOAD_TOO_LARGE"


class BodyTimedOut(GatewayException):
    """Raised from ``receive`` when the next part of the body did not arrive in time; the
    middleware answers 408."""

    code = "REQUEST_TIMEOUT"


class CredentialRefused(GatewayException):
    """A missing or bad credential: HTTP 401 (``reason`` is safe to show)."""

    code = "UNAUTHENTICATED"

    def __init__(self, reason: str, *, missing: bool = False) -> None:
        super().__init__(reason)
        self.reason = reason
        self.missing = missing


class CredentialUncheckable(GatewayException):
    """The credential cannot be checked now (the JWKS cannot be fetched): HTTP 503."""

    code = "AUTHENTICATION_UNAVAILABLE"


# A WebSocket close reason must fit in a control frame: at most 123 bytes of UTF-8.
MAX_CLOSE_REASON_BYTES = 123


class WebSocketRejected(GatewayException, ConnectionRejectionError):
    """Raised by a WebSocket authenticator to refuse a connection; ``reason`` is shown to the
    client (``gateway.http.ws_hooks`` says how each protocol shows it)."""

    def __init__(self, reason: str) -> None:
        self.reason = fit_close_reason(reason)
        super().__init__({"message": self.reason})


def fit_close_reason(reason: str) -> str:
    """``reason`` cut (with an ellipsis) to fit a WebSocket close frame."""
    encoded = reason.encode()
    if len(encoded) <= MAX_CLOSE_REASON_BYTES:
        return reason
    return encoded[: MAX_CLOSE_REASON_BYTES - 3].decode(errors="ignore") + "..."


# --- GraphQL errors ---


class GatewayError(GatewayException):
    """A failure shown to clients as a GraphQL error; its message is safe to show verbatim."""

    code = "BAD_REQUEST"
    # Set where it is certain that the vendor call this failure ended was never made (a write
    # refused by the client's share, say): its retry need not wonder whether it landed.
    sent_nothing: bool = False

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

    def as_graphql_error(self) -> GraphQLError:
        """This failure as a request error (no path, no original error)."""
        return GraphQLError(self.message, extensions=self.extensions)


class BadUserInput(GatewayError):
    code = "BAD_USER_INPUT"


class InvalidId(GatewayError):
    code = "INVALID_ID"


class VendorNotConfigured(GatewayError):
    code = "VENDOR_NOT_CONFIGURED"


class StateStoreUnavailable(GatewayError):
    """The store several gateway processes share (Redis) cannot be reached; the operation did
    not happen and can be retried once the store is back."""

    code = "STATE_STORE_UNAVAILABLE"


class UpstreamFailure(GatewayError):
    """A vendor failure outside the client's control; ``retry_after_s``: when trying again
    makes sense (a rate limit), shown as ``extensions.retryAfter``. ``resume_note``: the
    adapter's note for a retry of the write that failed (never shown to the client)."""

    code = "UPSTREAM_ERROR"
    retry_after_s: float | None = None
    resume_note: str | None = None

    @property
    def extensions(self) -> dict[str, Any]:
        extensions = super().extensions
        if self.retry_after_s is not None:
            extensions["retryAfter"] = self.retry_after_s
        return extensions


class Unauthenticated(GatewayError):
    code = "UNAUTHENTICATED"


class Forbidden(GatewayError):
    code = "FORBIDDEN"

    def __init__(self, scope: str, field: str) -> None:
        super().__init__(f"`{field}` needs the scope `{scope}`, which this client does not have")
        self.scope = scope

    @property
    def extensions(self) -> dict[str, Any]:
        return {**super().extensions, "scope": self.scope}


class ClientRateLimited(GatewayError):
    """This client used its share (of requests, or of vendor calls); ``retry_after_s`` says
    when it may send again. A vendor's own rate limit is ``adapters.errors.RateLimited``."""

    code = "RATE_LIMITED"

    def __init__(self, message: str, retry_after_s: int) -> None:
        super().__init__(message)
        self.retry_after_s = retry_after_s

    @property
    def extensions(self) -> dict[str, Any]:
        return {**super().extensions, "retryAfter": self.retry_after_s}


class TrustedDocumentRequired(GatewayError):
    code = "TRUSTED_DOCUMENT_REQUIRED"


class VendorCallLimitReached(GatewayError):
    """The request estimated, or made, more vendor calls than one request may."""

    code = "MAX_COST_EXCEEDED"


class PersistedQueryError(GatewayError):
    """A persisted-query request that cannot run, with Apollo's message and code."""

    def __init__(self, message: str, code: str) -> None:
        super().__init__(message, code=code)

    def result(self) -> ExecutionResult:
        return ExecutionResult(data=None, errors=[self.as_graphql_error()])


def field_failure(exc: ClientError) -> GatewayError:
    """A vendor's refusal (e.g. ``UnsupportedByVendor``) as the GraphQL error of a query field,
    under the refusal's own ``code``: a query has no payload to carry it as a ``UserError``."""
    return GatewayError(exc.message, code=exc.code, vendor=exc.vendor)


def upstream_failure(exc: UpstreamError) -> UpstreamFailure:
    failure = UpstreamFailure(
        public_message(exc.message),
        code=exc.code,
        vendor=exc.vendor,
        upstream_status=exc.upstream_status,
    )
    failure.resume_note = exc.resume_note
    failure.sent_nothing = exc.sent_nothing
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

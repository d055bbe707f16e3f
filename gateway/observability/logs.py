"""Process logging: readable text (the default) or one JSON object per line.

Every line carries the request id, client, operation and vendor of the request it was written
under, and the trace and span ids when tracing is on. Whatever the format, e-mail addresses,
phone numbers, bearer tokens and the configured vendor API keys are masked in the finished
line, the exception text included.
"""

from __future__ import annotations

import logging
import re
import sys
from collections.abc import Iterable

from pythonjsonlogger.core import RESERVED_ATTRS
from pythonjsonlogger.json import JsonFormatter

from gateway.observability import context
from gateway.observability.tracing import current_trace_ids

TEXT_FORMAT = "%(levelname)-8s %(name)s: %(message)s"
JSON_FIELDS = (
    "asctime",
    "levelname",
    "name",
    "message",
    "request_id",
    "client",
    "operation",
    "vendor",
    "trace_id",
    "span_id",
)
_CONTEXT_FIELDS = ("request_id", "client", "operation", "vendor", "trace_id", "span_id")

# Also URL-encoded (``%40``), as in a vendor path that names a contact by e-mail.
_EMAIL = re.compile(r"(?i)[A-Za-z0-9._%+-]+(?:@|%40)([A-Za-z0-9.-]+\.[A-Za-z]{2,})")
# Domains reserved for documentation and testing (RFC 2606, RFC 6761) belong to nobody: the
# sandbox's demo contacts use them, and its start-up banner shows them on purpose.
_RESERVED_DOMAIN = re.compile(r"(?i)(^|\.)(example\.(com|net|org)|example|test|invalid|localhost)$")
_PHONE = re.compile(r"\+\d[\d ().-]{5,}\d")
_BEARER = re.compile(r"(?i)\b(bearer|basic)\s+[A-Za-z0-9._~+/=-]+")
MASK = "[redacted]"
_HANDLER_NAME = "order-gateway"


class Redactor:
    """Masks personal data and secrets in finished log text."""

    def __init__(self, secrets: Iterable[str] = ()) -> None:
        # Longest first, so a key containing another is masked whole.
        self._secrets = sorted({s for s in secrets if len(s) >= 4}, key=len, reverse=True)

    def __call__(self, text: str) -> str:
        for secret in self._secrets:
            text = text.replace(secret, MASK)
        text = _EMAIL.sub(_mask_email, text)
        text = _PHONE.sub(MASK, text)
        return _BEARER.sub(lambda m: f"{m.group(1)} {MASK}", text)


def _mask_email(match: re.Match[str]) -> str:
    return match.group(0) if _RESERVED_DOMAIN.search(match.group(1)) else MASK


class RequestContextFilter(logging.Filter):
    """Puts the request's context variables on every record (None outside a request)."""

    def filter(self, record: logging.LogRecord) -> bool:
        record.request_id = context.request_id.get()
        record.client = context.client.get()
        record.operation = context.operation.get()
        record.vendor = context.vendor.get()
        ids = current_trace_ids()
        record.trace_id, record.span_id = ids if ids is not None else (None, None)
        return True


class RedactingJsonFormatter(JsonFormatter):
    def __init__(self, redactor: Redactor) -> None:
        super().__init__(
            list(JSON_FIELDS),
            rename_fields={"asctime": "time", "levelname": "level", "name": "logger"},
            datefmt="%Y-%m-%dT%H:%M:%S%z",
            # uvicorn's coloured copy of its message is noise in JSON.
            reserved_attrs=[*RESERVED_ATTRS, "color_message"],
        )
        self._redact = redactor

    def format(self, record: logging.LogRecord) -> str:
        return self._redact(super().format(record))


class RedactingTextFormatter(logging.Formatter):
    """Readable lines; one written during a request ends with its id, to find its JSON twin."""

    def __init__(self, redactor: Redactor) -> None:
        super().__init__(TEXT_FORMAT)
        self._redact = redactor

    def format(self, record: logging.LogRecord) -> str:
        text = super().format(record)
        request_id = getattr(record, "request_id", None)
        if request_id and "\n" not in text:
            text = f"{text} [request {request_id}]"
        return self._redact(text)


def configure_logging(
    level: str, log_format: str = "text", *, secrets: Iterable[str] = ()
) -> logging.Handler:
    """One handler on the root logger, writing to stderr; returns it."""
    redactor = Redactor(secrets)
    handler = logging.StreamHandler(sys.stderr)
    handler.addFilter(RequestContextFilter())
    handler.setFormatter(
        RedactingJsonFormatter(redactor)
        if log_format == "json"
        else RedactingTextFormatter(redactor)
    )
    handler.set_name(_HANDLER_NAME)
    root = logging.getLogger()
    for old in list(root.handlers):
        if old.get_name() == _HANDLER_NAME:  # ours from an earlier call; others stay
            root.removeHandler(old)
    root.addHandler(handler)
    level = level.upper()
    root.setLevel("DEBUG" if level == "TRACE" else level)
    return handler

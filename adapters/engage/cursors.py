"""Opaque page cursors: the vendor's own ``next``/``previous`` link, followed verbatim (§2.1)."""

from __future__ import annotations

import base64
import binascii

import httpx

from adapters.engage import inferred
from adapters.errors import FieldError, ValidationFailed
from adapters.model import Vendor

_PREFIX = "e1:"


def encode(href: str) -> str:
    # Only the path and query go into the cursor: clients must never see the vendor's host.
    relative = httpx.URL(href).raw_path.decode("ascii")
    return base64.urlsafe_b64encode(f"{_PREFIX}{relative}".encode()).decode().rstrip("=")


def decode(cursor: str, contact_id: str) -> str:
    """The vendor link inside ``cursor``, for paging ``contact_id``'s orders; a cursor not made
    here, or made for another contact's orders, is a ``ValidationFailed``."""
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        text = base64.urlsafe_b64decode(padded.encode("ascii")).decode()
    except (binascii.Error, UnicodeError, ValueError):
        text = ""
    href = text[len(_PREFIX) :] if text.startswith(_PREFIX) else ""
    # Only the order list may be reached through a cursor, whatever a client puts in one.
    if not href.startswith("/") or httpx.URL(href).path != inferred.ORDERS_PATH:
        raise ValidationFailed(
            "The cursor is not one this gateway handed out",
            field_errors=(FieldError(("after",), "unknown cursor", "InvalidCursor"),),
            vendor=Vendor.ENGAGE,
        )
    # The link names the contact it pages (the list's required query): followed for another
    # contact, it would answer the first contact's orders as the second's.
    linked = httpx.URL(href).params.get(inferred.PAGE_CONTACT_PARAM)
    if linked is not None and linked.lower() != contact_id.lower():
        raise ValidationFailed(
            "The cursor pages another contact's orders: start this contact's pages without one",
            field_errors=(FieldError(("after",), "cursor of another contact", "InvalidCursor"),),
            vendor=Vendor.ENGAGE,
        )
    return href

"""Opaque global ids: base64url of ``"<Type>:<VENDOR>:<key>"``.

Clients must treat them as opaque; the format is ours, so a node can be found again from its id
alone (``Query.node``) without a lookup table.
"""

from __future__ import annotations

import base64
import binascii
from dataclasses import dataclass
from enum import StrEnum
from functools import lru_cache

from adapters.model import Vendor
from gateway.errors import InvalidGlobalId


class NodeType(StrEnum):
    ORDER = "Order"
    CONTACT = "Contact"
    JOB = "Job"
    LOG_ENTRY = "IntegrationLogEntry"


@dataclass(frozen=True, slots=True)
class GlobalId:
    node_type: NodeType
    vendor: Vendor | None
    key: str

    def encode(self) -> str:
        vendor = self.vendor.value if self.vendor is not None else ""
        text = f"{self.node_type.value}:{vendor}:{self.key}"
        # Padding is dropped so ids stay URL- and copy-paste-friendly.
        return base64.urlsafe_b64encode(text.encode()).decode().rstrip("=")


# Every order and contact of every answer carries its id, and the same few ids come back
# again and again (a contact on each of its orders, a popular order on every read).
@lru_cache(maxsize=8192)
def encode_id(node_type: NodeType, vendor: Vendor | None, key: str) -> str:
    return GlobalId(node_type, vendor, key).encode()


def decode_id(raw: str, *, expect: NodeType | None = None) -> GlobalId:
    """Parse a global id; ``expect`` rejects an id of another node type."""
    if not raw or len(raw) > 4096:
        raise InvalidGlobalId(raw[:64], "empty or too long")
    try:
        text = base64.urlsafe_b64decode(raw + "=" * (-len(raw) % 4)).decode()
    except (binascii.Error, UnicodeDecodeError, ValueError):
        raise InvalidGlobalId(raw, "not base64url") from None
    parts = text.split(":", 2)
    if len(parts) != 3:
        raise InvalidGlobalId(raw, "not a gateway id")
    type_name, vendor_name, key = parts
    try:
        node_type = NodeType(type_name)
    except ValueError:
        raise InvalidGlobalId(raw, f"unknown node type {type_name!r}") from None
    if vendor_name:
        try:
            vendor: Vendor | None = Vendor(vendor_name)
        except ValueError:
            raise InvalidGlobalId(raw, f"unknown vendor {vendor_name!r}") from None
    else:
        vendor = None
    if not key:
        raise InvalidGlobalId(raw, "empty key")
    if node_type is not NodeType.LOG_ENTRY and vendor is None:
        raise InvalidGlobalId(raw, "missing vendor")
    if expect is not None and node_type is not expect:
        raise InvalidGlobalId(raw, f"is a {node_type.value} id, expected a {expect.value} id")
    return GlobalId(node_type, vendor, key)

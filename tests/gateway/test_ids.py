import base64

import pytest

from adapters.model import Vendor
from gateway.errors import InvalidGlobalId
from gateway.ids import GlobalId, NodeType, decode_id, encode_id


@pytest.mark.parametrize("node_type", list(NodeType))
@pytest.mark.parametrize("key", ["1", "order:with:colons", "ÅÄÖ-ü", "x" * 300])
def test_round_trip(node_type: NodeType, key: str) -> None:
    raw = encode_id(node_type, Vendor.ENGAGE, key)
    assert decode_id(raw) == GlobalId(node_type, Vendor.ENGAGE, key)


def test_format_is_urlsafe_base64_of_type_vendor_key() -> None:
    raw = encode_id(NodeType.ORDER, Vendor.EXPERTSENDER, "A-1")
    assert "=" not in raw and "+" not in raw and "/" not in raw
    padded = raw + "=" * (-len(raw) % 4)
    assert base64.urlsafe_b64decode(padded).decode() == "Order:EXPERTSENDER:A-1"


def test_log_entries_may_have_no_vendor() -> None:
    raw = encode_id(NodeType.LOG_ENTRY, None, "42")
    assert decode_id(raw) == GlobalId(NodeType.LOG_ENTRY, None, "42")


def _raw(text: str) -> str:
    return base64.urlsafe_b64encode(text.encode()).decode().rstrip("=")


@pytest.mark.parametrize(
    ("raw", "reason"),
    [
        ("", "empty"),
        ("!!!not-base64!!!", "not base64url"),
        (_raw("no-colons"), "not a gateway id"),
        (_raw("Widget:ENGAGE:1"), "unknown node type"),
        (_raw("Order:SHOPIFY:1"), "unknown vendor"),
        (_raw("Order:ENGAGE:"), "empty key"),
        (_raw("Order::1"), "missing vendor"),
        (base64.urlsafe_b64encode(b"\xff\xfe:\x00").decode(), "not base64url"),
    ],
)
def test_rejects_ids_it_did_not_issue(raw: str, reason: str) -> None:
    with pytest.raises(InvalidGlobalId, match=reason):
        decode_id(raw)


def test_expect_rejects_another_node_type() -> None:
    raw = encode_id(NodeType.ORDER, Vendor.ENGAGE, "1")
    with pytest.raises(InvalidGlobalId, match="is a Order id, expected a Job id"):
        decode_id(raw, expect=NodeType.JOB)
    assert decode_id(raw, expect=NodeType.ORDER).key == "1"

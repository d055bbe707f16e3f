"""Every integration log cuts what it records to a byte budget."""

from __future__ import annotations

from adapters.model import LogSeverity, Vendor
from gateway.log import ENTRY_BUDGET_BYTES, MemoryIntegrationLog, clip_bytes, entries_within


def test_every_recorded_text_is_cut_to_its_byte_budget() -> None:
    log = MemoryIntegrationLog(10)
    entry = log.record(
        LogSeverity.WARNING,
        "C" * 500,
        "Engage dropped the connection (RemoteProtocolError, GET /api/v3/orders/1) " + "m" * 5000,
        vendor=Vendor.ENGAGE,
        order_id="o" * 900_000,
        job_id="j" * 10_000,
        contact_id="ü" * 1000,
        details={"vendorMessages": ["v" * 100_000]},
    )
    assert len(entry.code.encode()) <= 64
    assert len(entry.message.encode()) <= 512
    assert entry.message.startswith("Engage dropped the connection (RemoteProtocolError")
    assert entry.order_id is not None and len(entry.order_id.encode()) <= 128
    assert entry.contact_id is not None and len(entry.contact_id.encode()) <= 128
    assert entry.job_id is not None and len(entry.job_id) == 2048
    assert entry.details["truncated"] is True and entry.details["bytes"] > 100_000
    assert len(entry.details["preview"]) <= 512


def test_small_entries_are_kept_as_they_are() -> None:
    log = MemoryIntegrationLog(10)
    entry = log.record(LogSeverity.INFO, "OK", "fine", order_id="ENG-1", details={"a": 1})
    assert (entry.code, entry.message, entry.order_id, entry.details) == (
        "OK",
        "fine",
        "ENG-1",
        {"a": 1},
    )


def test_clipping_never_splits_a_character() -> None:
    clipped = clip_bytes("é" * 100, 11)
    assert clipped == "éééé..."


def test_the_log_keeps_as_many_entries_as_its_bytes_allow() -> None:
    assert entries_within(10_000, 64_000_000) == 10_000
    assert entries_within(10_000, 6_144_000) == 1000
    assert entries_within(10_000, 1) == 1
    assert ENTRY_BUDGET_BYTES >= 512 + 2 * 128 + 2048 + 64 + 1024

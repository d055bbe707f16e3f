"""The API key file: its format, refusals that name the line, constant-time lookup of hashes."""

from __future__ import annotations

from pathlib import Path

import pytest

from gateway.auth.api_keys import ApiKeys, hash_key, main, parse_api_keys
from gateway.errors import ApiKeyFileError


def test_a_key_file_maps_each_key_to_its_client_and_scopes(tmp_path: Path) -> None:
    path = tmp_path / "keys"
    path.write_text(
        "# clients\n"
        f"shop {hash_key('key-of-shop')} orders:read orders:write:engage\n"
        "\n"
        f"monitor {hash_key('key-of-monitor')} log:read  # nightly job\n"
    )
    keys = ApiKeys(str(path))
    shop = keys.verify("key-of-shop")
    assert shop is not None and shop.name == "shop"
    assert shop.scopes == {"orders:read", "orders:write:engage"}
    assert shop.expires_at is None
    monitor = keys.verify("key-of-monitor")
    assert monitor is not None and monitor.scopes == {"log:read"}
    assert keys.verify("key-of-someone-else") is None
    assert keys.verify("") is None


@pytest.mark.parametrize(
    ("line", "words"),
    [
        ("shop", "expected `name sha256:<hex> scope...`"),
        (f"sh/op {hash_key('k')}", "client name"),
        ("shop sha256:abc orders:read", "sha256:<64 lower-case hex>"),
        (f"shop {hash_key('k')} orders:everything", "unknown scope 'orders:everything'"),
        (f"shop {hash_key('k')} orders:read:shopify", "unknown scope"),
        (f"shop {hash_key('k')}\nshop {hash_key('j')}", "line 3: client 'shop' appears twice"),
    ],
)
def test_a_broken_line_is_named(line: str, words: str) -> None:
    with pytest.raises(ApiKeyFileError) as refused:
        parse_api_keys(f"# header\n{line}\n", "keys.txt")
    assert words in str(refused.value)
    assert str(refused.value).startswith("keys.txt line ")


def test_the_helper_prints_a_new_key_and_its_line(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["shop", "orders:read"]) == 0
    out = capsys.readouterr().out.splitlines()
    key = out[0].rsplit(" ", 1)[1]
    line = out[1].split(": ", 1)[1]
    (entry,) = parse_api_keys(line)
    assert entry.name == "shop" and entry.scopes == {"orders:read"}
    assert line == f"shop {hash_key(key)} orders:read"


def test_the_helper_refuses_an_unknown_scope(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["shop", "orders:all"]) == 2
    assert "unknown scope" in capsys.readouterr().err


def test_a_file_saved_with_a_byte_order_mark_and_crlf_is_read(tmp_path: Path) -> None:
    path = tmp_path / "keys"
    path.write_bytes(f"\ufeffshop {hash_key('k')} orders:read\r\n".encode())
    principal = ApiKeys(str(path)).verify("k")
    assert principal is not None and principal.name == "shop"

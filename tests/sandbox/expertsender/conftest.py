"""A running ExpertSender emulator per test module, and helpers to build valid orders."""

from __future__ import annotations

import copy
import itertools
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from sandbox.expertsender import ExpertSenderSandboxSettings, create_app
from sandbox.expertsender.inferred import DEFAULT_API_KEY
from tests.support.servers import serve

AUTH = {"x-api-key": DEFAULT_API_KEY}

_ids = itertools.count(1)


def new_id(prefix: str = "T") -> str:
    """An order id no other test in the run uses, so tests can share one emulator."""
    return f"{prefix}-{next(_ids):06d}"


def valid_order(order_id: str | None = None, **overrides: Any) -> dict[str, Any]:
    order: dict[str, Any] = {
        "id": order_id or new_id(),
        "date": "2024-11-06T10:10:00.055Z",
        "timeZone": "UTC",
        "websiteId": 1,
        "status": "placed",
        "currency": "EUR",
        "totalValue": 150.0,
        "returnsValue": 0,
        "customer": {"email": "jonas.lind@example.com"},
        "products": [
            {
                "id": "p001",
                "name": "Wireless Earbuds",
                "price": 75.0,
                "quantity": 2,
                "returned": 0,
                "url": "https://example.com/p001",
                "imageUrl": "https://example.com/p001.jpg",
                "category": "Electronics",
                "productAttributes": [{"name": "Color", "value": "Black"}],
            }
        ],
        "orderAttributes": [{"name": "Gift Wrap", "value": "Yes"}],
    }
    order.update(overrides)
    return order


def with_value(order: dict[str, Any], path: str, value: Any) -> dict[str, Any]:
    """A copy of ``order`` with the dotted ``path`` (numbers index lists) set to ``value``."""
    result = copy.deepcopy(order)
    target: Any = result
    keys: list[Any] = [int(k) if k.isdigit() else k for k in path.split(".")]
    for key in keys[:-1]:
        target = target[key]
    target[keys[-1]] = value
    return result


def value_at(data: Any, path: str) -> Any:
    for key in path.split("."):
        data = data[int(key)] if key.isdigit() else data[key]
    return data


def batch(*orders: dict[str, Any], mode: str = "Add") -> dict[str, Any]:
    return {"mode": mode, "data": list(orders)}


@pytest.fixture(scope="module")
def es_url() -> Iterator[str]:
    with serve(create_app(ExpertSenderSandboxSettings()), ws="none") as server:
        yield server.url


@pytest.fixture
def client(es_url: str) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=es_url, headers=AUTH, timeout=10) as http:
        yield http

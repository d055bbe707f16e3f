"""Single GraphQL and sandbox-control calls the scenarios make outside the measured load."""

from __future__ import annotations

import json
from typing import Any

import httpx


class BenchCheckError(RuntimeError):
    """A server answered something other than what the scenario needs; the numbers would lie."""


def body(query: str, variables: dict[str, Any] | None = None) -> str:
    payload: dict[str, Any] = {"query": query}
    if variables:
        payload["variables"] = variables
    return json.dumps(payload, separators=(",", ":"))


def execute(
    url: str, query: str, variables: dict[str, Any] | None = None, *, timeout_s: float = 30.0
) -> dict[str, Any]:
    """POST one operation; return ``data`` or raise BenchCheckError on any error."""
    answer = httpx.post(
        url,
        content=body(query, variables),
        headers={"Content-Type": "application/json", "Accept": "application/json"},
        timeout=timeout_s,
    )
    try:
        result = answer.json()
    except ValueError:
        raise BenchCheckError(f"{url} answered {answer.status_code}: {answer.text[:300]}") from None
    if answer.status_code != 200 or result.get("errors") or result.get("data") is None:
        raise BenchCheckError(f"{url} answered {answer.status_code}: {answer.text[:500]}")
    data: dict[str, Any] = result["data"]
    return data


def sandbox_requests(emulator_url: str) -> dict[str, Any]:
    answer = httpx.get(emulator_url + "/_sandbox/requests", timeout=10)
    answer.raise_for_status()
    counters: dict[str, Any] = answer.json()
    return counters


def reset_sandbox_requests(emulator_url: str) -> None:
    httpx.post(emulator_url + "/_sandbox/requests/reset", timeout=10).raise_for_status()


def route_count(counters: dict[str, Any], route: str) -> int:
    return int(counters.get("by_route", {}).get(route, 0))


def sandbox_settings(emulator_url: str, **settings: Any) -> dict[str, Any]:
    """Change the Engage emulator's settings (job delay, rate limit); returns the new ones."""
    answer = httpx.put(emulator_url + "/_sandbox/settings", json=settings, timeout=10)
    if answer.status_code >= 300:
        raise BenchCheckError(f"emulator refused settings {settings}: {answer.text[:300]}")
    result: dict[str, Any] = answer.json()
    return result

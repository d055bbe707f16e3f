"""Vendor paths to route templates, the bounded ``route`` label of vendor-call metrics and spans.

A path that matches none of the known templates becomes ``other``: it can never put an order
id or an email into a label.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping

from adapters.engage import inferred as engage_paths
from adapters.expertsender import inferred as expertsender_paths
from adapters.model import Vendor

OTHER_ROUTE = "other"

_TEMPLATES: Mapping[Vendor, tuple[str, ...]] = {
    Vendor.ENGAGE: (
        engage_paths.ORDERS_PATH,
        engage_paths.ORDER_PATH,
        engage_paths.JOB_PATH,
        engage_paths.ACTION_PATH,
        engage_paths.CHANGE_STATUS_PATH,
        engage_paths.CONTACT_ID_PATH,
        engage_paths.CONTACT_PATH,
    ),
    Vendor.EXPERTSENDER: (
        "/orders",
        "/orders/status",
        "/orders/{order_id}",
        *expertsender_paths.CUSTOMER_LOOKUP_PATHS.values(),
    ),
}
# Job polls are the reads of these templates.
JOB_ROUTES = frozenset({engage_paths.JOB_PATH})

_PLACEHOLDER = re.compile(r"\{[^}]*\}")


def _pattern(template: str) -> re.Pattern[str]:
    parts = _PLACEHOLDER.split(template)
    return re.compile("[^/]+".join(re.escape(part) for part in parts))


def _specific_first(templates: Iterable[str]) -> list[str]:
    # A literal segment beats a placeholder: /orders/status before /orders/{order_id}.
    return sorted(templates, key=lambda t: (len(_PLACEHOLDER.findall(t)), -len(t)))


class RouteTemplates:
    def __init__(self, templates: Mapping[Vendor, Iterable[str]] = _TEMPLATES) -> None:
        self._patterns = {
            vendor: [(t, _pattern(t)) for t in _specific_first(ts)]
            for vendor, ts in templates.items()
        }

    def template(self, vendor: Vendor, path: str) -> str:
        for template, pattern in self._patterns.get(vendor, ()):
            if pattern.fullmatch(path):
                return _PLACEHOLDER.sub(
                    lambda m: m.group(0) if m.group(0) != "{}" else "{id}", template
                )
        return OTHER_ROUTE

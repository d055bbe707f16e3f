"""Reads of Engage orders and contacts: single orders, a contact's pages of orders, contacts.

Apart from the writes because nothing here changes the vendor or needs the job bookkeeping:
these are the plain GETs, and the one read every write builds on (``stored_order``: the order
as Engage stores it, with its versionTag) that lost-answer confirmation, job reads and actions
share.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from adapters.engage import answers, cursors, inferred, mapping
from adapters.engage.errors import raise_for, read_json
from adapters.engage.settings import EngageSettings
from adapters.errors import BadVendorResponse, ContactNotFound, FieldError, ValidationFailed
from adapters.model import Contact, Order, OrderPage, Vendor
from adapters.reads import read_each
from adapters.transport import VendorTransport, path_segment


@dataclass(frozen=True, slots=True)
class EngageReads:
    transport: VendorTransport
    settings: EngageSettings

    async def stored_order(self, order_id: str) -> dict[str, Any] | None:
        """The order as Engage stores it (its versionTag from a header if need be); ``None``
        if Engage does not know it."""
        response = await self.transport.request("GET", order_path(order_id))
        if response.status_code == 404:
            return None
        if response.status_code != 200:
            raise_for(response, subject=f"order {order_id}")
        stored = read_json(response)
        if not isinstance(stored, dict):
            raise BadVendorResponse(
                "Engage sent an order that is not an object", vendor=Vendor.ENGAGE
            )
        return answers.with_header_version_tag(stored, response)

    async def get_order(self, order_id: str) -> Order | None:
        stored = await self.stored_order(order_id)
        return None if stored is None else mapping.order_from_vendor(stored)

    async def get_orders(self, order_ids: Sequence[str]) -> list[Order | None]:
        # No batch read at Engage: bounded concurrent single reads, each id read once.
        return await read_each(
            order_ids, self.get_order, concurrency=self.settings.read_concurrency
        )

    async def list_contact_orders(
        self, contact_id: str, *, first: int = 10, after: str | None = None
    ) -> OrderPage:
        """One page of the contact's orders, newest first. ``first`` sizes the first page (at
        most the vendor's 100); later pages follow the vendor's own link inside ``after``,
        which keeps the size it was given."""
        if after is not None:
            response = await self.transport.request("GET", cursors.decode(after, contact_id))
        else:
            if first < 1:
                raise ValidationFailed(
                    "first must be at least 1",
                    field_errors=(FieldError(("first",), "must be at least 1", "InvalidValue"),),
                    vendor=Vendor.ENGAGE,
                )
            response = await self.transport.request(
                "GET",
                inferred.ORDERS_PATH,
                params={
                    inferred.PAGE_CONTACT_PARAM: contact_id,
                    inferred.PAGE_OFFSET_PARAM: "0",
                    inferred.PAGE_COUNT_PARAM: str(min(first, inferred.PAGE_MAX_COUNT)),
                },
            )
        if response.status_code != 200:
            raise_for(response, subject=f"contact {contact_id}", not_found=ContactNotFound)
        page = read_json(response)
        if not isinstance(page, dict) or not isinstance(page.get("items"), list):
            raise BadVendorResponse("Engage sent an order page without items", vendor=Vendor.ENGAGE)
        links = {
            link.get("rel"): link.get("href")
            for link in page.get("links") or ()
            if isinstance(link, dict) and isinstance(link.get("href"), str)
        }
        total = page.get("totalCount")
        return OrderPage(
            orders=tuple(mapping.order_from_vendor(item) for item in page["items"]),
            next_cursor=_cursor(links.get(inferred.LINK_NEXT)),
            previous_cursor=_cursor(links.get(inferred.LINK_PREVIOUS)),
            total_count=total if isinstance(total, int) else None,
        )

    async def find_contact(
        self,
        *,
        contact_id: str | None = None,
        email: str | None = None,
        phone: str | None = None,
        external_id: str | None = None,
    ) -> Contact | None:
        if contact_id:
            return await self.contact(contact_id)
        keys = {"email": email, "phone": phone, "external_id": external_id}
        for name, param in inferred.CONTACT_LOOKUP_PARAMS:
            value = keys[name]
            if not value:
                continue
            response = await self.transport.request(
                "GET", inferred.CONTACT_ID_PATH, params={param: value}
            )
            if response.status_code == 404:
                return None
            if response.status_code != 200:
                raise_for(response, subject="the contact", not_found=ContactNotFound)
            found = read_json(response)
            if not isinstance(found, str) or not found:
                raise BadVendorResponse(
                    "Engage answered a contact look-up without an id", vendor=Vendor.ENGAGE
                )
            return await self.contact(found)
        raise ValidationFailed(
            "Give a contactId, email, phone or externalId to find a contact",
            field_errors=(FieldError(("contactId",), "no key given", "Required"),),
            vendor=Vendor.ENGAGE,
        )

    async def get_contacts(self, contact_ids: Sequence[str]) -> list[Contact | None]:
        return await read_each(
            contact_ids, self.contact, concurrency=self.settings.read_concurrency
        )

    async def contact(self, contact_id: str) -> Contact | None:
        response = await self.transport.request(
            "GET", inferred.CONTACT_PATH.format(contact_id=path_segment(contact_id))
        )
        if response.status_code == 404:
            return None
        if response.status_code != 200:
            raise_for(response, subject=f"contact {contact_id}", not_found=ContactNotFound)
        return mapping.contact_from_vendor(read_json(response))


def order_path(order_id: str) -> str:
    return inferred.ORDER_PATH.format(order_id=path_segment(order_id))


def _cursor(href: object) -> str | None:
    return cursors.encode(href) if isinstance(href, str) and href else None

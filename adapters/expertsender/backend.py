"""``ExpertSenderBackend``: the ``Backend`` protocol over the ECDP Orders API.

ECDP answers every write synchronously, so each write returns a Job that is already
``COMPLETED``; what the vendor could not hold is in the job's warnings. The vendor has no
order actions, no orders-by-customer listing and no batch read: actions and listings raise
``UnsupportedByVendor``, and ``get_orders`` fans out single reads.

Write modes pass straight through (``mode: Add | Replace | AddOrReplace``). The job of an
``ADD_OR_REPLACE`` is a ``CREATE``: ECDP does not say whether it created or replaced.

A write is never sent again blind: when its answer is lost, the order is read back; if it holds
what was sent (``ownership``), the write is ours and done, otherwise it did not land and is sent
once more (``max_write_sends``). A refusal after a send that may have landed (``ORDER_ALREADY_
EXISTS`` for our own ``Add``) is checked against a read the same way. If the read fails too, the
caller gets ``WriteOutcomeUnknown``. Jobs carry themselves in their signed ids (``jobs``).

ECDP orders name their customer by email, phone or CRM id only, so a ``ContactRef`` carrying a
customer id is resolved to that customer's identifiers first (``ContactNotFound`` when it names
nobody and nothing else identifies the customer).
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Sequence
from dataclasses import replace
from functools import partial
from typing import Any

import httpx

from adapters.backend import Capabilities
from adapters.errors import (
    WRITE_OUTCOME_ADVICE,
    AlreadyExists,
    ContactNotFound,
    FieldError,
    UnsupportedByVendor,
    UpstreamError,
    ValidationFailed,
    WriteOutcomeUnknown,
)
from adapters.expertsender import mapping, ownership, statuses
from adapters.expertsender.catalogue import AttributeCatalogue
from adapters.expertsender.errors import to_error, unreadable
from adapters.expertsender.inferred import (
    CUSTOMER_LOOKUP_PATHS,
    ENVELOPE_KEY,
    STATUS_ORDER_ID_KEY,
    STATUS_VALUE_KEY,
    SUBSTATUS_ORDER_INVALID,
    WRITE_SUCCESS_MAX,
    WRITE_SUCCESS_MIN,
)
from adapters.expertsender.jobs import SignedJobs, derive_key
from adapters.expertsender.paths import field
from adapters.expertsender.settings import ExpertSenderSettings
from adapters.model import (
    Contact,
    ContactRef,
    Job,
    JobMessage,
    JobOperation,
    Order,
    OrderAction,
    OrderPage,
    OrderStatus,
    Vendor,
    WriteMode,
)
from adapters.reads import read_each
from adapters.transport import (
    RetryPolicy,
    TransportEvent,
    VendorTransport,
    path_segment,
    response_json,
)

ACTION_DISCARDED = "ACTION_DISCARDED"
CONTACT_NOT_RESOLVED = "CONTACT_NOT_RESOLVED"
WRITE_CONFIRMED_BY_READ = "WRITE_CONFIRMED_BY_READ"

_MODES = {
    WriteMode.ADD: "Add",
    WriteMode.REPLACE: "Replace",
    WriteMode.ADD_OR_REPLACE: "AddOrReplace",
}
_OPERATIONS = {
    WriteMode.ADD: JobOperation.CREATE,
    WriteMode.REPLACE: JobOperation.REPLACE,
    WriteMode.ADD_OR_REPLACE: JobOperation.CREATE,
}
_LOOKUP_ORDER = ("contact_id", "email", "phone", "external_id")

CAPABILITIES = Capabilities(
    actions=False,
    list_by_contact=False,
    change_delivery=False,
    async_jobs=False,
    batch_get=False,
)


class ExpertSenderBackend:
    def __init__(
        self,
        settings: ExpertSenderSettings,
        *,
        on_event: Callable[[TransportEvent], None] | None = None,
        transport: VendorTransport | None = None,
    ) -> None:
        self.settings = settings
        self.transport = transport or VendorTransport(
            settings.transport_settings(), on_event=on_event
        )
        self._reads = asyncio.Semaphore(settings.max_concurrent_reads)
        self._jobs = SignedJobs(derive_key(settings.job_signing_key or settings.api_key))
        self._catalogue = AttributeCatalogue(self._get_setting)

    @classmethod
    def from_transport(
        cls, settings: ExpertSenderSettings, transport: VendorTransport
    ) -> ExpertSenderBackend:
        return cls(settings, transport=transport)

    @property
    def vendor(self) -> Vendor:
        return Vendor.EXPERTSENDER

    @property
    def capabilities(self) -> Capabilities:
        return CAPABILITIES

    # Reads

    async def get_orders(self, order_ids: Sequence[str]) -> list[Order | None]:
        return await read_each(order_ids, self._get_order)

    async def _get_order(self, order_id: str) -> Order | None:
        stored = await self._read_stored(order_id)
        return None if stored is None else mapping.order_from_vendor(stored)

    async def _read_stored(self, order_id: str) -> object | None:
        """The order's ECDP JSON, ``None`` if unknown."""
        if not order_id:
            return None
        async with self._reads:
            response = await self.transport.request("GET", _order_path(order_id))
        if response.status_code == 404:
            return None
        if response.status_code != 200:
            raise to_error(response)
        return _envelope(response, "an order read")

    async def list_contact_orders(
        self, contact_id: str, *, first: int = 10, after: str | None = None
    ) -> OrderPage:
        raise UnsupportedByVendor(
            "ExpertSender cannot list a customer's orders", vendor=Vendor.EXPERTSENDER
        )

    async def find_contact(
        self,
        *,
        contact_id: str | None = None,
        email: str | None = None,
        phone: str | None = None,
        external_id: str | None = None,
    ) -> Contact | None:
        """The customer matching every key given (looked up by the first of contact id, email,
        phone, external id), ``None`` when there is none."""
        keys = {
            "contact_id": contact_id,
            "email": email,
            "phone": phone,
            "external_id": external_id,
        }
        given = [(name, value) for name in _LOOKUP_ORDER if (value := keys[name])]
        if not given:
            raise ValidationFailed(
                "A contact look-up needs a contact id, email, phone or external id",
                vendor=Vendor.EXPERTSENDER,
                field_errors=(FieldError(("contactId",), "give at least one key"),),
            )
        name, value = given[0]
        contact = await self._lookup(name, str(value))
        if contact is None or not all(_agrees(contact, k, v) for k, v in given[1:]):
            return None
        return contact

    async def get_contacts(self, contact_ids: Sequence[str]) -> list[Contact | None]:
        return await read_each(contact_ids, partial(self._lookup, "contact_id"))

    async def _lookup(self, key: str, value: str) -> Contact | None:
        if not value or (key == "contact_id" and not value.isdigit()):
            # Customer ids are numbers; anything else names nobody.
            return None
        path = CUSTOMER_LOOKUP_PATHS[key].format(path_segment(value))
        async with self._reads:
            response = await self.transport.request("GET", path)
        if response.status_code == 404:
            return None
        if response.status_code != 200:
            raise to_error(response, not_found=ContactNotFound)
        return mapping.contact_from_vendor(_envelope(response, "a customer read"))

    # Writes

    async def write_order(
        self,
        order: Order,
        mode: WriteMode,
        *,
        action: OrderAction | None = None,
        may_have_landed: bool = False,
        earlier: str | None = None,
    ) -> Job:
        warnings = _discarded(action)
        contact, contact_warnings = await self._resolve_contact(order.contact)
        warnings.extend(contact_warnings)
        encoded = mapping.order_to_vendor(replace(order, contact=contact))
        warnings.extend(encoded.warnings)
        # One order per request, as both official plugins send (vendor note §2, §3).
        body = {"mode": _MODES[mode], "data": [encoded.payload]}
        try:
            confirmed = await self._send_write(
                order.order_id, body, encoded, may_have_landed=may_have_landed
            )
        except ValidationFailed as refused:
            if mode is WriteMode.ADD and await self._refused_as_existing(order.order_id, refused):
                raise AlreadyExists(
                    f"ExpertSender refused to add order {order.order_id!r}: an order with this"
                    f" id exists ({refused.message})",
                    vendor=Vendor.EXPERTSENDER,
                    upstream_status=refused.upstream_status,
                    substatus=refused.substatus,
                    vendor_messages=refused.vendor_messages,
                ) from None
            raise await self._naming_attributes(order, refused) from None
        if confirmed:
            warnings.append(
                JobMessage(
                    WRITE_CONFIRMED_BY_READ,
                    "ExpertSender's answer to the write was lost; reading the order showed it"
                    " holds this write",
                )
            )
        return self._jobs.mint(_OPERATIONS[mode], order.order_id, warnings)

    async def _naming_attributes(self, order: Order, refused: ValidationFailed) -> ValidationFailed:
        """The refusal, with every attribute the unit does not define named on its field (the
        vendor's own words for those fields are replaced; its other field errors are kept)."""
        unknown = await self._catalogue.unknown(order)
        if not unknown:
            return refused
        flagged = {error.path for error in unknown}
        kept = tuple(error for error in refused.field_errors if error.path not in flagged)
        return ValidationFailed(
            f"{refused.message}; {'; '.join(error.message for error in unknown)}",
            field_errors=(*unknown, *kept),
            vendor=Vendor.EXPERTSENDER,
            upstream_status=refused.upstream_status,
            substatus=refused.substatus,
            vendor_messages=refused.vendor_messages,
        )

    async def _refused_as_existing(self, order_id: str, refused: ValidationFailed) -> bool:
        """An ``Add`` refused with a 400 that does not say why (the vendor documents no
        substatus values): the order already exists when a read finds it, unless the vendor
        named a field other than the id."""
        if refused.upstream_status != 400 or refused.substatus == SUBSTATUS_ORDER_INVALID:
            return False
        if any(error.path != ("orderId",) for error in refused.field_errors):
            return False
        (stored,) = await self.get_orders([order_id])
        return stored is not None

    async def _get_setting(self, path: str) -> httpx.Response:
        async with self._reads:
            return await self.transport.request("GET", path)

    async def _resolve_contact(self, ref: ContactRef) -> tuple[ContactRef, list[JobMessage]]:
        """ECDP orders cannot carry a customer id: swap it for that customer's identifiers."""
        if ref.contact_id is None:
            return ref, []
        others = replace(ref, contact_id=None)
        customer = await self._lookup("contact_id", ref.contact_id)
        if customer is None:
            if others.is_empty:
                raise ContactNotFound(
                    f"ExpertSender has no customer with id {ref.contact_id!r}",
                    vendor=Vendor.EXPERTSENDER,
                )
            warning = JobMessage(
                CONTACT_NOT_RESOLVED,
                f"ExpertSender has no customer with id {ref.contact_id!r}; the order is matched"
                " by its other identifiers",
                field("contact", "contactId"),
            )
            return others, [warning]
        for key in ("email", "phone", "external_id"):
            mine = getattr(ref, key)
            if mine is not None and not _agrees(customer, key, mine):
                raise ValidationFailed(
                    f"contact id {ref.contact_id!r} and {key} name different ExpertSender"
                    " customers",
                    vendor=Vendor.EXPERTSENDER,
                    field_errors=(
                        FieldError(field("contact", _INPUT_NAMES[key]), "another customer's"),
                    ),
                )
        return (
            ContactRef(
                email=ref.email or customer.email,
                phone=ref.phone or customer.phone,
                external_id=ref.external_id or customer.external_id,
            ),
            [],
        )

    async def _send_write(
        self,
        order_id: str,
        body: dict[str, Any],
        encoded: mapping.EncodedOrder,
        *,
        may_have_landed: bool,
    ) -> bool:
        """Send a ``POST /orders`` at most ``max_write_sends`` times, and a second time only
        when a read shows the first one did not land. True when a read, not the vendor's
        answer, showed the write landed."""
        sent = encoded.payload
        lost: WriteOutcomeUnknown | None = None
        for _ in range(self.settings.max_write_sends):
            try:
                response = await self.transport.request(
                    "POST", "/orders", json=body, retry=RetryPolicy.NEVER_BLIND
                )
            except WriteOutcomeUnknown as exc:
                lost = exc
                if await self._holds(order_id, sent, exc):
                    return True
                # ECDP answers synchronously: a write that is not there did not land.
                continue
            if WRITE_SUCCESS_MIN <= response.status_code <= WRITE_SUCCESS_MAX:
                return False
            # After a send that may have landed, a refusal may be of our own write.
            earlier = lost is not None or may_have_landed
            if (
                earlier
                and 400 <= response.status_code < 500
                and await self._holds(order_id, sent, None)
            ):
                return True
            raise to_error(response, line_of_product=encoded.line_of_product)
        assert lost is not None
        raise WriteOutcomeUnknown(
            f"{lost.message}; the order did not show the write after"
            f" {self.settings.max_write_sends} sends. {WRITE_OUTCOME_ADVICE}",
            vendor=Vendor.EXPERTSENDER,
            upstream_status=lost.upstream_status,
        )

    async def _holds(
        self, order_id: str, sent: dict[str, Any], lost: WriteOutcomeUnknown | None
    ) -> bool:
        """Whether the stored order is our write; ``WriteOutcomeUnknown`` if it cannot be read
        (after a pause and another read per ``confirm_read_delays``)."""
        try:
            stored = await self._read_stored_patiently(order_id)
        except UpstreamError as unreadable_now:
            what = lost.message if lost is not None else "An earlier send of this write was lost"
            raise WriteOutcomeUnknown(
                f"{what}; reading the order back failed too ({unreadable_now.code})."
                f" {WRITE_OUTCOME_ADVICE}",
                vendor=Vendor.EXPERTSENDER,
                upstream_status=lost.upstream_status if lost is not None else None,
            ) from unreadable_now
        return ownership.is_our_write(sent, stored)

    async def _read_stored_patiently(self, order_id: str) -> object | None:
        for delay in self.settings.confirm_read_delays:
            try:
                return await self._read_stored(order_id)
            except UpstreamError:
                await asyncio.sleep(delay)
        return await self._read_stored(order_id)

    async def change_status(
        self,
        order_id: str,
        status: OrderStatus,
        *,
        external_status: str | None = None,
        action: OrderAction | None = None,
        may_have_landed: bool = False,
        earlier: str | None = None,
    ) -> Job:
        # Sent again either way: setting a status twice leaves the same order (and the vendor
        # has no actions, so none can be lost or doubled).
        warnings = _discarded(action)
        vendor_status = statuses.to_vendor(status)
        if vendor_status.warning is not None:
            warnings.append(vendor_status.warning)
        if external_status is not None:
            warnings.append(
                JobMessage(
                    mapping.FIELD_NOT_SUPPORTED,
                    "ExpertSender orders have no place for externalStatus",
                    field("externalStatus"),
                )
            )
        body = {STATUS_ORDER_ID_KEY: order_id, STATUS_VALUE_KEY: vendor_status.value}
        # Setting the same status twice leaves the same order: safe to resend.
        response = await self.transport.request("PUT", "/orders/status", json=body)
        if response.status_code != 200:
            raise to_error(response)
        return self._jobs.mint(JobOperation.CHANGE_STATUS, order_id, warnings)

    async def delete_order(
        self, order_id: str, *, may_have_landed: bool = False, earlier: str | None = None
    ) -> Job:
        # A soft delete repeated is the same soft delete: safe to resend.
        response = await self.transport.request("DELETE", _order_path(order_id))
        if response.status_code != 200:
            raise to_error(response)
        return self._jobs.mint(JobOperation.DELETE, order_id)

    async def trigger_action(
        self,
        order_id: str,
        action: OrderAction,
        *,
        version_tag: str | None = None,
        may_have_landed: bool = False,
        earlier: str | None = None,
    ) -> Job:
        raise UnsupportedByVendor("ExpertSender has no order actions", vendor=Vendor.EXPERTSENDER)

    async def get_job(self, job_id: str, *, known: Job | None = None) -> Job:
        return self._jobs.get(job_id)

    async def aclose(self) -> None:
        await self.transport.aclose()


_INPUT_NAMES = {"email": "email", "phone": "phone", "external_id": "externalId"}


def _discarded(action: OrderAction | None) -> list[JobMessage]:
    if action is None:
        return []
    return [
        JobMessage(
            ACTION_DISCARDED,
            f"ExpertSender has no order actions; {action.action.value} was not sent",
            field("orderAction"),
        )
    ]


def _agrees(contact: Contact, key: str, value: str) -> bool:
    if key == "contact_id":
        return contact.contact_id == value
    theirs: str | None = getattr(contact, key)
    if key == "email":
        return theirs is not None and theirs.casefold() == value.casefold()
    return theirs == value


def _order_path(order_id: str) -> str:
    return f"/orders/{path_segment(order_id)}"


def _envelope(response: httpx.Response, what: str) -> object:
    try:
        body = response_json(response)
    except ValueError:
        raise unreadable(what, response) from None
    if not isinstance(body, dict) or ENVELOPE_KEY not in body:
        raise unreadable(what, response)
    return body[ENVELOPE_KEY]

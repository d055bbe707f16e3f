"""The emulator's in-memory state: contacts, articles, stores, orders, jobs and applied actions."""

from __future__ import annotations

import base64
import re
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from sandbox.engage import inferred
from sandbox.engage.moments import parse_moment, sort_key


def now_iso() -> str:
    return datetime.now(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def normalise_phone(value: str) -> str:
    return re.sub(r"[\s\-()]", "", value)


def normalise_ssn(value: str) -> str:
    return re.sub(r"\D", "", value)


@dataclass(frozen=True)
class Contact:
    contact_id: str
    first_name: str
    last_name: str
    email: str | None = None
    mobile_phone: str | None = None
    external_id: str | None = None
    social_security_number: str | None = None
    member_number: str | None = None
    card_id: str | None = None
    contact_type: str = "Member"
    created_on: str = "2024-01-15T09:00:00Z"

    def key(self, match_key_type: str) -> str | None:
        return {
            "Email": self.email,
            "MobilePhone": self.mobile_phone,
            "ExternalId": self.external_id,
            "ContactId": self.contact_id,
            "SocialSecurityNumber": self.social_security_number,
            "CardId": self.card_id,
            "MemberNumber": self.member_number,
        }.get(match_key_type)

    def to_json(self) -> dict[str, Any]:
        attributes: dict[str, Any] = {
            "firstName": self.first_name,
            "lastName": self.last_name,
            "email": self.email,
            "mobilePhone": self.mobile_phone,
            "externalId": self.external_id,
            "socialSecurityNumber": self.social_security_number,
            "memberNumber": self.member_number,
            "cardId": self.card_id,
        }
        return {
            "id": self.contact_id,
            "attributes": {k: v for k, v in attributes.items() if v is not None},
            "meta": {"contactType": self.contact_type, "createdOn": self.created_on},
            "preferences": {"acceptsEmail": self.email is not None, "acceptsSms": False},
        }


def _same_key(match_key_type: str, stored: str, wanted: str) -> bool:
    if match_key_type == "MobilePhone":
        return normalise_phone(stored) == normalise_phone(wanted)
    if match_key_type == "SocialSecurityNumber":
        return normalise_ssn(stored) == normalise_ssn(wanted)
    # §10.7: keys such as emails and GUIDs are compared without regard to case.
    return stored.casefold() == wanted.casefold()


def order_type(body: dict[str, Any]) -> str:
    """§3.1: Purchase if any line is a purchase (mixed orders included), else Return."""
    items = body.get("lineItems", {}).get("items", [])
    return (
        "Purchase"
        if any(item.get("type", "Purchase") == "Purchase" for item in items)
        else "Return"
    )


@dataclass
class StoredOrder:
    body: dict[str, Any]
    contact_id: str | None
    version_tag: str

    @property
    def order_id(self) -> str:
        return str(self.body["orderId"])

    def created_at(self) -> float:
        moment = parse_moment(str(self.body.get("createdAt", "")))
        return sort_key(moment) if moment else 0.0

    def to_json(self) -> dict[str, Any]:
        return {
            **self.body,
            "type": order_type(self.body),
            "versionTag": self.version_tag,
            "contactId": self.contact_id,
        }


@dataclass
class Job:
    job_id: str
    operation: str
    order_id: str
    payload: dict[str, Any]
    status: str = inferred.JOB_PENDING
    created_at: str = field(default_factory=now_iso)
    updated_at: str = ""
    completed_at: str | None = None
    version_tag: str | None = None
    warnings: list[dict[str, str]] = field(default_factory=list)
    errors: list[dict[str, str]] = field(default_factory=list)
    failure_code: str | None = None

    def __post_init__(self) -> None:
        self.updated_at = self.updated_at or self.created_at

    @property
    def is_final(self) -> bool:
        return self.status in inferred.JOB_FINAL_STATES

    def to_json(self, href: str) -> dict[str, Any]:
        body: dict[str, Any] = {
            "jobId": self.job_id,
            "status": self.status,
            "orderId": self.order_id,
            "operation": self.operation,
            "href": href,
            "warnings": list(self.warnings),
            "errors": list(self.errors),
            "createdAt": self.created_at,
            "updatedAt": self.updated_at,
        }
        if self.version_tag is not None:
            body["versionTag"] = self.version_tag
        if self.completed_at is not None:
            body["completedAt"] = self.completed_at
        return body


@dataclass(frozen=True)
class AppliedAction:
    order_id: str
    action: str
    source: str  # "Action" (the /action endpoint) or "Embedded" (orderAction in a write)
    job_id: str
    version_tag: str
    applied_at: str
    language: str | None = None
    data: Any = None

    def to_json(self) -> dict[str, Any]:
        return {
            "orderId": self.order_id,
            "action": self.action,
            "source": self.source,
            "jobId": self.job_id,
            "versionTag": self.version_tag,
            "appliedAt": self.applied_at,
            "language": self.language,
            "data": self.data,
        }


class EngageState:
    def __init__(self) -> None:
        self.contacts: dict[str, Contact] = {}
        self.articles: set[str] = set()
        self.stores: set[str] = set()
        self.orders: dict[str, StoredOrder] = {}
        self.jobs: dict[str, Job] = {}
        self.actions: list[AppliedAction] = []
        self._versions = 0x7D0

    def next_version_tag(self) -> str:
        self._versions += 1
        return base64.b64encode(self._versions.to_bytes(inferred.VERSION_TAG_BYTES, "big")).decode()

    def new_job(self, operation: str, order_id: str, payload: dict[str, Any]) -> Job:
        job = Job(job_id=str(uuid.uuid4()), operation=operation, order_id=order_id, payload=payload)
        self.jobs[job.job_id] = job
        return job

    def add_contact(self, contact: Contact) -> None:
        self.contacts[contact.contact_id.lower()] = contact

    def contact(self, contact_id: str) -> Contact | None:
        return self.contacts.get(contact_id.lower())

    def find_contacts(self, match_key_type: str, match_key: str) -> list[Contact]:
        found = []
        for contact in self.contacts.values():
            stored = contact.key(match_key_type)
            if stored is not None and _same_key(match_key_type, stored, match_key):
                found.append(contact)
        return found

    def resolve_contact(self, match_key_type: str, match_key: str) -> Contact | None:
        """The single contact an order's `contact` block names; an ambiguous key names none."""
        found = self.find_contacts(match_key_type, match_key)
        if len(found) > 1 and not inferred.AMBIGUOUS_CONTACT_RESOLVES:
            return None
        return found[0] if found else None

    def orders_of(self, contact_id: str) -> list[StoredOrder]:
        """Newest first; ties broken by orderId so pages are stable."""
        wanted = contact_id.lower()
        owned = [o for o in self.orders.values() if (o.contact_id or "").lower() == wanted]
        owned.sort(key=lambda o: o.order_id)
        owned.sort(key=lambda o: o.created_at(), reverse=inferred.LIST_NEWEST_FIRST)
        return owned

"""The Engage v3 contact look-ups an orders integration uses (§7 of the vendor note)."""

from __future__ import annotations

import re
from collections.abc import Callable

from starlette.requests import Request
from starlette.responses import Response

from sandbox.control import SandboxJSONResponse
from sandbox.engage import inferred
from sandbox.engage.problems import problem
from sandbox.engage.store import Contact, EngageState, normalise_phone, normalise_ssn
from sandbox.segments import Route

EMAIL = re.compile(inferred.EMAIL_PATTERN)
PHONE = re.compile(inferred.PHONE_PATTERN)
SSN = re.compile(inferred.SSN_PATTERN)

# Query parameter → (contact key it searches, the check a value must pass, error code if not).
SEARCHES: dict[str, tuple[str, Callable[[str], bool], str]] = {
    "email": (
        "Email",
        lambda v: len(v) <= 320 and bool(EMAIL.fullmatch(v)),
        inferred.INVALID_EMAIL,
    ),
    "mobilePhone": (
        "MobilePhone",
        lambda v: bool(PHONE.fullmatch(normalise_phone(v))),
        inferred.INVALID_PHONE,
    ),
    "socialSecurityNumber": (
        "SocialSecurityNumber",
        lambda v: bool(SSN.fullmatch(v.strip())),
        inferred.INVALID_SSN,
    ),
    "customKey": (
        "ExternalId",
        lambda v: 0 < len(v.strip()) <= inferred.MAX_ID_LENGTH,
        inferred.INVALID_SEARCH_QUERY,
    ),
}


class ContactEndpoints:
    def __init__(self, state: EngageState) -> None:
        self.state = state

    def routes(self) -> list[Route]:
        # `/contacts/id` must come before `/contacts/{contactId}`, which would swallow it.
        return [
            Route("/api/v3/contacts/id", self.find_id, methods=["GET"]),
            Route("/api/v3/contacts/{contactId}", self.get_contact, methods=["GET"]),
        ]

    async def find_id(self, request: Request) -> Response:
        params = request.query_params
        contact_type = params.get("contactType")
        if contact_type is not None and contact_type.casefold() not in {
            t.casefold() for t in inferred.CONTACT_TYPES
        }:
            return problem(
                400, inferred.INVALID_CONTACT_TYPE, f"Unknown contactType {contact_type}."
            )
        given = [name for name in (*SEARCHES, "any") if name in params]
        if len(given) != 1 or not params[given[0]].strip():
            return problem(
                400,
                inferred.INVALID_SEARCH_QUERY,
                "Give exactly one of email, mobilePhone, socialSecurityNumber, customKey or any.",
            )
        name, value = given[0], params[given[0]]
        if name == "any":
            # §7: try each kind in turn and search only the first one the value is valid as.
            name = next((n for n in inferred.ANY_LOOKUP_ORDER if SEARCHES[n][1](value)), "")
            if not name:
                return problem(
                    400, inferred.INVALID_SEARCH_QUERY, "The value is not a valid search key."
                )
        key_type, valid, error_code = SEARCHES[name]
        if not valid(value):
            return problem(400, error_code, f"{value!r} is not a valid {name}.")
        found = self._matches(key_type, value, contact_type)
        if not found:
            return problem(404, inferred.CONTACT_NOT_FOUND, "No contact matches the search.")
        if len(found) > 1:
            return problem(409, inferred.MULTIPLE_MATCHES, "More than one contact matches.")
        return SandboxJSONResponse(found[0].contact_id)

    def _matches(self, key_type: str, value: str, contact_type: str | None) -> list[Contact]:
        if key_type == "SocialSecurityNumber":
            value = normalise_ssn(value)
        found = self.state.find_contacts(key_type, value)
        if contact_type is not None:
            found = [c for c in found if c.contact_type.casefold() == contact_type.casefold()]
        return found

    async def get_contact(self, request: Request) -> Response:
        contact_id = request.path_params["contactId"]
        contact = self.state.contact(contact_id)
        if contact is None:
            return problem(404, inferred.CONTACT_NOT_FOUND, f"Contact {contact_id} was not found.")
        return SandboxJSONResponse(contact.to_json())

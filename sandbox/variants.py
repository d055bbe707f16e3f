"""How the emulators answer where the vendors' documentation leaves the answer open.

Every row of ``docs/vendor-assumptions.md`` that the vendor pages leave open and that changes
what a client sees on the wire is a *choice* with at least two plausible answers. One setting
picks them all (``SANDBOX_VARIANTS``):

- ``documented``: the most minimal answer the vendor's own pages (``vendor-docs/seeds``) allow:
  nothing they do not state (a finished Engage job is a bare ``302`` with ``Location``, an action
  is a bare ``202``, errors carry no vendor codes we made up, ...);
- ``invented``: the richer answers the emulators have always given (a ``302`` carrying the job,
  ``errorCode``s, ``substatus`` names of our own);
- ``random:<seed>``: each choice drawn from its options by a seeded generator, so a test suite
  run under a few seeds meets every combination an adapter must survive.

An adapter that needs an invented detail fails under ``documented`` or under some seed.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, fields
from typing import Any, Final


@dataclass(frozen=True, slots=True)
class Choice:
    """One open question: its options, the documented answer and the emulators' old answer."""

    options: tuple[str, ...]
    documented: str
    invented: str
    why: str


# name -> choice. The `why` says what the vendor pages do (not) state.
CHOICES: Final[dict[str, Choice]] = {
    "engage_job_done": Choice(
        ("bare_302", "302_with_job", "200_completed"),
        "bare_302",
        "302_with_job",
        "seed 000: a finished job answers '302 Redirect' to the order, nothing about a body; "
        "seed 001 also says '200 OK with Status: Completed'",
    ),
    "engage_job_keys": Choice(
        ("documented", "full"),
        "documented",
        "full",
        "seed 001 names jobId, status, orderId and href; operation, versionTag, warnings, "
        "errors and timestamps are ours",
    ),
    "engage_running_words": Choice(
        ("ours", "other"),
        "other",
        "ours",
        "the seeds name Completed and CompletedWithErrors only; a running job's word is unknown",
    ),
    "engage_accept": Choice(
        ("202", "202_location", "201"),
        "202",
        "202_location",
        "seed 001: '202 Request has been accepted' with jobId, status, orderId, href; seed 000 "
        "says '201 Accepted'; no Location header is documented",
    ),
    "engage_action_accept": Choice(
        ("empty", "job"),
        "empty",
        "job",
        "seed 003: an accepted action answers 'HTTP 202 Request has been accepted', no body",
    ),
    "engage_error_codes": Choice(
        ("bare", "coded"),
        "bare",
        "coded",
        "no error body is documented; errorCode values (OrderNotFound, VersionTagMismatch, ...) "
        "are ours",
    ),
    "engage_validation_errors": Choice(
        ("strings", "objects"),
        "strings",
        "objects",
        "seed 001: '400 Bad Request along with a list of errors', shape unknown",
    ),
    "engage_version_tag": Choice(
        ("body", "header"),
        "body",
        "body",
        "seed 003: the versionTag is 'available ... from /orders endpoint'; where is not said",
    ),
    "engage_failed_job": Choice(
        ("bare_problem", "job_problem"),
        "bare_problem",
        "job_problem",
        "seed 000: a job that cannot be processed returns 'an Error'; 409 for the create race",
    ),
    "expertsender_created_body": Choice(
        ("empty", "empty_object", "json"),
        "empty",
        "empty_object",
        "seed 004: '201: Created. The request has been created.', no body shown",
    ),
    "expertsender_substatus": Choice(
        ("absent", "sample", "ours"),
        "absent",
        "ours",
        "seed 004 shows substatus only as the placeholder 'CustomerInvalidModelState'",
    ),
    "expertsender_errors": Choice(
        ("strings", "map"),
        "strings",
        "strings",
        "seed 004 shows errors: ['string']; ASP.NET's own shape is a field -> messages map",
    ),
    "expertsender_deleted": Choice(
        ("status", "flag"),
        "status",
        "flag",
        "seed 004: DELETE is 'Changing order status to deleted (IsDeleted)'",
    ),
    "expertsender_status_body": Choice(
        ("empty", "empty_object"),
        "empty",
        "empty_object",
        "PUT /orders/status answers 200 (vendor plugins); its body is not documented",
    ),
}

MODES: Final = ("documented", "invented", "random:<seed>")


class VariantsError(ValueError):
    """A ``SANDBOX_VARIANTS`` value that names no mode."""


@dataclass(frozen=True, slots=True)
class Variants:
    """One answer per open choice; build with ``documented()``, ``invented()``,
    ``randomised(seed)`` or ``parse(text)``."""

    engage_job_done: str
    engage_job_keys: str
    engage_running_words: str
    engage_accept: str
    engage_action_accept: str
    engage_error_codes: str
    engage_validation_errors: str
    engage_version_tag: str
    engage_failed_job: str
    expertsender_created_body: str
    expertsender_substatus: str
    expertsender_errors: str
    expertsender_deleted: str
    expertsender_status_body: str
    mode: str = "invented"

    def __post_init__(self) -> None:
        for name, choice in CHOICES.items():
            value = getattr(self, name)
            if value not in choice.options:
                raise VariantsError(f"{name}: expected one of {', '.join(choice.options)}")

    @classmethod
    def documented(cls) -> Variants:
        return cls(**{n: c.documented for n, c in CHOICES.items()}, mode="documented")

    @classmethod
    def invented(cls) -> Variants:
        return cls(**{n: c.invented for n, c in CHOICES.items()}, mode="invented")

    @classmethod
    def randomised(cls, seed: int) -> Variants:
        draw = random.Random(seed)
        return cls(**{n: draw.choice(c.options) for n, c in CHOICES.items()}, mode=f"random:{seed}")

    @classmethod
    def parse(cls, text: str) -> Variants:
        """``documented``, ``invented`` or ``random:<seed>`` (seed a non-negative integer)."""
        value = text.strip().lower()
        if value == "documented":
            return cls.documented()
        if value == "invented":
            return cls.invented()
        if value.startswith("random:"):
            seed = value.removeprefix("random:")
            if seed.isdigit():
                return cls.randomised(int(seed))
        raise VariantsError(f"expected one of {', '.join(MODES)}, got {text!r}")

    def replaced(self, **answers: str) -> Variants:
        values = {f.name: getattr(self, f.name) for f in fields(self)}
        values.update(answers)
        return Variants(**values)

    def to_json(self) -> dict[str, Any]:
        return {f.name: getattr(self, f.name) for f in fields(self)}

    def describe(self) -> str:
        """One line for a start-up log: the mode and the answers it picked."""
        picked = ", ".join(f"{n}={getattr(self, n)}" for n in CHOICES)
        return f"{self.mode} ({picked})"

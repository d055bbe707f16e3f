"""Job messages name input fields the same way in a mutation's answer and in every later read.

A mutation answers with its job's warnings pointed at the GraphQL input
(``["input","order","timeZone"]``); a vendor polled later reports the same warning with the
adapter's model path (``["timeZone"]``). Each polled message takes the path its twin in the
job's last record had, and a message seen for the first time is pointed at the input the way
the mutation would have pointed it.
"""

from __future__ import annotations

import dataclasses

from adapters.model import Job, JobMessage, JobOperation
from gateway.errors import input_path

# Writes whose input holds the order under "order"; every other mutation's fields sit at "input".
_ORDER_INPUT_OPERATIONS = frozenset({JobOperation.CREATE, JobOperation.REPLACE})
_INPUT_LEVEL_FIELDS = frozenset({"orderAction", "idempotencyKey", "mode", "vendor"})


def with_input_paths(job: Job, last: Job) -> Job:
    known = {
        (message.code, message.message): message.field
        for message in (*last.warnings, *last.errors)
        if message.field
    }
    base = ("input", "order") if job.operation in _ORDER_INPUT_OPERATIONS else ("input",)

    def pointed(message: JobMessage) -> JobMessage:
        if not message.field or message.field[0] == "input":
            return message
        field = known.get((message.code, message.message))
        if field is None:
            top = ("input",) if message.field[0] in _INPUT_LEVEL_FIELDS else base
            field = input_path(top, message.field)
        return dataclasses.replace(message, field=field)

    return dataclasses.replace(
        job,
        warnings=tuple(pointed(m) for m in job.warnings),
        errors=tuple(pointed(m) for m in job.errors),
    )

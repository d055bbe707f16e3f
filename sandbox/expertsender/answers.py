"""ExpertSender answers whose shape the vendor leaves open, drawn from the chosen ``Variants``.

Bodies of successful writes, how a deleted order says so, and the problem documents (whose
``substatus`` values and ``errors`` shape are not documented; see ``sandbox.variants``).
"""

from __future__ import annotations

from typing import Any

import orjson
from starlette.responses import Response

from sandbox.expertsender import inferred
from sandbox.expertsender.problems import json_response
from sandbox.rewrite import ProblemRewrite
from sandbox.variants import Variants

# Seed 004 shows this substatus on every sample, whatever the error.
SAMPLE_SUBSTATUS = "CustomerInvalidModelState"
# Seed 004: a delete is "changing order status to 'deleted'".
DELETED_STATUS = "deleted"


def created(order_ids: list[str], variants: Variants) -> Response:
    """`POST /orders` succeeded: 201 with no body, `{}`, or a JSON body of our own."""
    choice = variants.expertsender_created_body
    if choice == "empty":
        return Response(status_code=201)
    if choice == "json":
        return json_response({"status": 0, "data": {"ids": order_ids}}, status=201)
    return json_response(inferred.CREATED_BODY, status=201)


def status_changed(variants: Variants) -> Response:
    if variants.expertsender_status_body == "empty":
        return Response(status_code=200)
    return json_response(inferred.STATUS_CHANGED_BODY)


def order_data(data: dict[str, Any], deleted: bool, variants: Variants) -> dict[str, Any]:
    """The stored order as read: deletion as our `isDeleted` flag or as the order's status."""
    if variants.expertsender_deleted == "status":
        data.pop(inferred.DELETED_FLAG, None)
        if deleted:
            data["status"] = DELETED_STATUS
    return data


def problem_rewrite(variants: Variants) -> ProblemRewrite:
    substatus = variants.expertsender_substatus
    as_map = variants.expertsender_errors == "map"

    def rewrite(path: str, document: dict[str, Any]) -> dict[str, Any]:
        if substatus == "absent":
            document.pop("substatus", None)
        elif substatus == "sample" and "substatus" in document:
            document["substatus"] = SAMPLE_SUBSTATUS
        errors = document.get("errors")
        if as_map and isinstance(errors, list):
            document["errors"] = _as_map(errors)
        return document

    return rewrite


def _as_map(errors: list[Any]) -> dict[str, list[str]]:
    """ASP.NET's own ModelState shape: path -> messages."""
    grouped: dict[str, list[str]] = {}
    for error in errors:
        text = error if isinstance(error, str) else orjson.dumps(error).decode()
        path, sep, message = text.partition(": ")
        key, said = (path, message) if sep else (inferred.BODY_ROOT_PATH, text)
        grouped.setdefault(key, []).append(said)
    return grouped

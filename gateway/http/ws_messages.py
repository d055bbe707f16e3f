"""The shape of client messages on both GraphQL WebSocket protocols, checked before Strawberry
reads them: a message that is not an object, has no string ``type``, or starts an operation
without a string ``query`` closes the socket with 4400, as graphql-transport-ws specifies for
any invalid message (the legacy graphql-ws protocol names no code; it gets the same)."""

from __future__ import annotations

INVALID_MESSAGE_CLOSE_CODE = 4400
CONNECTION_INIT_TIMEOUT_CLOSE_CODE = 4408

_OPERATION_TYPES = frozenset({"subscribe", "start"})
_OPTIONAL_OBJECTS = ("variables", "extensions")


def invalid_message(message: object) -> str | None:
    """Why ``message`` is not a protocol message (a close reason), or ``None`` if it is."""
    if not isinstance(message, dict):
        return "Invalid message: expected a JSON object"
    kind = message.get("type")
    if not isinstance(kind, str):
        return "Invalid message: `type` must be a string"
    if "id" in message and not isinstance(message["id"], str):
        return "Invalid message: `id` must be a string"
    if kind not in _OPERATION_TYPES:
        return None
    if not isinstance(message.get("id"), str):
        return "Invalid message: an operation needs a string `id`"
    payload = message.get("payload")
    if not isinstance(payload, dict):
        return "Invalid message: `payload` must be an object"
    if not isinstance(payload.get("query"), str):
        return "Invalid message: `payload.query` must be a string"
    operation_name = payload.get("operationName")
    if operation_name is not None and not isinstance(operation_name, str):
        return "Invalid message: `payload.operationName` must be a string or null"
    for name in _OPTIONAL_OBJECTS:
        value = payload.get(name)
        if value is not None and not isinstance(value, dict):
            return f"Invalid message: `payload.{name}` must be an object or null"
    return None

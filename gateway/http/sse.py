"""Server-Sent Events framed with bare line feeds.

Strawberry ends SSE lines with CR LF, which the event-stream grammar allows but not every reader
handles: urql splits its stream on a blank line written as two line feeds and so never sees an
event (it reports "No Content"). Line feeds alone are read the same way by every reader:
browsers' ``EventSource``, graphql-sse and urql.
"""

from __future__ import annotations

from strawberry.http.streaming import SSETransport


class LineFeedSSETransport(SSETransport):
    def encode_event(self, event: str, data: str | None = None) -> str:
        if data and ("\r" in data or "\n" in data):
            raise ValueError("SSE event data must not contain newlines")
        # Browsers discard SSE events without a data field, so always send one.
        return f"event: {event}\ndata: {data or ''}\n\n"

    def encode_comment(self, comment: str) -> str:
        return f": {comment}\n\n"

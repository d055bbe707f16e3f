"""The read cache of one process, kept honest by invalidations broadcast to every process.

Each process keeps its own short TTL cache, and every invalidation (a write, a finished job) is
also published so the other processes drop the same entry. Why not one cache in Redis: the
cache exists to answer a repeated read without leaving the process; a Redis cache would add a
network round trip and the (de)serialisation of whole orders to every read. With broadcast
invalidation a write made through any process is seen everywhere after one pub/sub hop.

Pub/sub may lose messages while a connection is down, so while this process is not hearing
invalidations it neither serves nor stores cached reads, and it empties its cache when it hears
again. Invalidations it could not publish are kept (bounded) and sent when Redis is back; if
too many pile up, a "drop everything" message is sent instead.
"""

from __future__ import annotations

import asyncio
import logging
import uuid
from collections import deque

import orjson
from redis.asyncio import Redis

from adapters.model import Contact, Order, OrderPage, Vendor
from gateway.cache import ReadCache
from gateway.defaults import DEFAULT_CACHE_MAXSIZE, DEFAULT_CACHE_TTL_S
from gateway.redis.connection import UNAVAILABLE, retry_delay
from gateway.redis.hub import PubSubHub
from gateway.redis.keys import Keys

logger = logging.getLogger(__name__)

MAX_OUTBOX = 10_000
_ORDER, _ORDER_IN_PLACE, _CONTACT, _ALL = "order", "order-in-place", "contact", "all"


class SharedReadCache(ReadCache):
    def __init__(
        self,
        client: Redis,
        hub: PubSubHub,
        keys: Keys,
        *,
        maxsize: int = DEFAULT_CACHE_MAXSIZE,
        ttl_s: float = DEFAULT_CACHE_TTL_S,
        enabled: bool = True,
        stale_s: float = 0.0,
    ) -> None:
        super().__init__(maxsize=maxsize, ttl_s=ttl_s, enabled=enabled, stale_s=stale_s)
        self._client = client
        self._hub = hub
        self._channel = keys.cache_channel
        self._origin = uuid.uuid4().hex
        self._outbox: deque[bytes] = deque()
        self._overflowed = False
        self._wake = asyncio.Event()
        self._sender: asyncio.Task[None] | None = None
        self.invalidations_heard = 0
        hub.route(self._channel, self._receive)
        hub.on_availability(self._availability)

    # Reads and writes pass through while invalidations cannot be heard.

    def get_order(self, vendor: Vendor, order_id: str) -> Order | None:
        return super().get_order(vendor, order_id) if self._hub.available else None

    def put_order(self, vendor: Vendor, order: Order) -> None:
        if self._hub.available:
            super().put_order(vendor, order)

    def get_contact(self, vendor: Vendor, contact_id: str) -> Contact | None:
        return super().get_contact(vendor, contact_id) if self._hub.available else None

    def put_contact(self, contact: Contact) -> None:
        if self._hub.available:
            super().put_contact(contact)

    def get_page(self, vendor: Vendor, slot: str) -> OrderPage | None:
        return super().get_page(vendor, slot) if self._hub.available else None

    def put_page(
        self, vendor: Vendor, contact_id: str, slot: str, page: OrderPage, *, since: int
    ) -> None:
        if self._hub.available:
            super().put_page(vendor, contact_id, slot, page, since=since)

    def invalidate_order(self, vendor: Vendor, order_id: str, *, in_place: bool = False) -> None:
        super().invalidate_order(vendor, order_id, in_place=in_place)
        self._broadcast(_ORDER_IN_PLACE if in_place else _ORDER, vendor, order_id)

    def invalidate_contact(self, vendor: Vendor, contact_id: str) -> None:
        super().invalidate_contact(vendor, contact_id)
        self._broadcast(_CONTACT, vendor, contact_id)

    # -- sending -------------------------------------------------------------------------------

    def _broadcast(self, kind: str, vendor: Vendor, key: str) -> None:
        if not self.enabled:
            return
        if len(self._outbox) >= MAX_OUTBOX:
            self._outbox.clear()
            self._overflowed = True
        self._outbox.append(
            orjson.dumps({"origin": self._origin, "kind": kind, "vendor": vendor.value, "key": key})
        )
        self._wake.set()
        if self._sender is None or self._sender.done():
            try:
                loop = asyncio.get_running_loop()
            except RuntimeError:
                return
            self._sender = loop.create_task(self._send(), name="cache-invalidations")

    async def _send(self) -> None:
        failures = 0
        while True:
            if not self._outbox and not self._overflowed:
                self._wake.clear()
                await self._wake.wait()
                continue
            if self._overflowed:
                message = orjson.dumps({"origin": self._origin, "kind": _ALL})
            else:
                message = self._outbox[0]
            try:
                await self._client.publish(self._channel, message)
            except UNAVAILABLE:
                await asyncio.sleep(retry_delay(failures))
                failures += 1
                continue
            failures = 0
            if self._overflowed:
                self._overflowed = False
            elif self._outbox and self._outbox[0] is message:
                self._outbox.popleft()

    async def aclose(self) -> None:
        if self._sender is not None:
            self._sender.cancel()
        await super().aclose()

    # -- receiving -----------------------------------------------------------------------------

    async def _receive(self, rest: str, data: bytes) -> None:
        if rest:
            return  # another channel that merely starts with this one's name
        try:
            message = orjson.loads(data)
            if message["origin"] == self._origin:
                return
            kind = message["kind"]
            vendor = Vendor(message["vendor"]) if kind != _ALL else None
        except (orjson.JSONDecodeError, KeyError, TypeError, ValueError):
            logger.warning("dropped an unreadable cache invalidation")
            return
        self.invalidations_heard += 1
        if kind in (_ORDER, _ORDER_IN_PLACE) and vendor is not None:
            super().invalidate_order(vendor, str(message["key"]), in_place=kind == _ORDER_IN_PLACE)
        elif kind == _CONTACT and vendor is not None:
            super().invalidate_contact(vendor, str(message["key"]))
        else:
            self.clear()

    async def _availability(self, available: bool) -> None:
        # Whatever was invalidated while the connection was down was not heard.
        self.clear()

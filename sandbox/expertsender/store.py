"""The business unit's orders and customers, held in memory.

Every method runs to completion without awaiting, so on the emulator's single event loop a
batch is checked and applied as one step: no other request sees half of it.
"""

from __future__ import annotations

from collections.abc import Iterable

from sandbox.expertsender import inferred
from sandbox.expertsender.models import Customer, CustomerIdentifiers, OrderInput, StoredOrder
from sandbox.expertsender.validation import WriteRequest


class OrdersExist(Exception):
    """Add was asked for ids that are already stored."""

    def __init__(self, ids: list[tuple[int, str]]) -> None:
        super().__init__(", ".join(i for _, i in ids))
        self.ids = ids  # (position in ``data``, order id)


class OrdersMissing(Exception):
    """Replace (or a status change) was asked for ids that are not stored."""

    def __init__(self, ids: list[tuple[int, str]]) -> None:
        super().__init__(", ".join(i for _, i in ids))
        self.ids = ids


class Store:
    def __init__(self) -> None:
        self.orders: dict[str, StoredOrder] = {}
        self.customers: dict[int, Customer] = {}
        self._next_customer_id = inferred.FIRST_CUSTOMER_ID

    # --- customers ---------------------------------------------------------------------------

    def add_customer(self, customer: Customer) -> Customer:
        self.customers[customer.id] = customer
        self._next_customer_id = max(self._next_customer_id, customer.id + 1)
        return customer

    def new_customer(self, ids: CustomerIdentifiers) -> Customer:
        return self.add_customer(
            Customer(
                self._next_customer_id,
                email=ids.by_wire_name("email"),
                phone=ids.by_wire_name("phone"),
                crm_id=ids.by_wire_name("crmId"),
            )
        )

    def find_customer(self, key: str, value: str) -> Customer | None:
        """The first customer (lowest id) whose ``key`` identifier equals ``value``."""
        for customer in sorted(self.customers.values(), key=lambda c: c.id):
            if _same(key, _identifier(customer, key), value):
                return customer
        return None

    def match_customer(self, ids: CustomerIdentifiers) -> Customer | None:
        for key in inferred.CUSTOMER_MATCH_ORDER:
            value = ids.by_wire_name(key)
            if value is not None:
                return self.find_customer(key, value)
        return None

    def customer_for(self, ids: CustomerIdentifiers) -> Customer:
        found = self.match_customer(ids)
        return found if found is not None else self.new_customer(ids)

    # --- orders ------------------------------------------------------------------------------

    def apply(self, request: WriteRequest) -> None:
        """Store a validated batch whole, or raise before changing anything."""
        mode = request.mode
        if mode == "Add":
            clashes = [(i, o.id) for i, o in enumerate(request.orders) if o.id in self.orders]
            if clashes:
                raise OrdersExist(clashes)
        if mode == "Replace":
            missing = [(i, o.id) for i, o in enumerate(request.orders) if o.id not in self.orders]
            if missing:
                raise OrdersMissing(missing)
        for order in request.orders:
            self._put(order)

    def put_orders(self, orders: Iterable[OrderInput]) -> None:
        for order in orders:
            self._put(order)

    def _put(self, order: OrderInput) -> None:
        previous = self.orders.get(order.id)
        customer = self.customer_for(order.customer)
        deleted = (
            previous is not None and previous.is_deleted and not inferred.REPLACE_RESTORES_DELETED
        )
        self.orders[order.id] = StoredOrder(order, customer.id, order.status, is_deleted=deleted)

    def get(self, order_id: str) -> StoredOrder | None:
        return self.orders.get(order_id)

    def change_status(self, order_id: str, status: str) -> StoredOrder:
        stored = self.orders.get(order_id)
        if stored is None:
            raise OrdersMissing([(0, order_id)])
        stored.status = status
        return stored

    def delete(self, order_id: str) -> StoredOrder:
        stored = self.orders.get(order_id)
        if stored is None:
            raise OrdersMissing([(0, order_id)])
        stored.is_deleted = True
        return stored

    def orders_of(self, customer_id: int) -> list[StoredOrder]:
        return [o for o in self.orders.values() if o.customer_id == customer_id]


def _identifier(customer: Customer, key: str) -> str | None:
    return {"email": customer.email, "phone": customer.phone, "crmId": customer.crm_id}[key]


def _same(key: str, stored: str | None, wanted: str) -> bool:
    if stored is None:
        return False
    if key == "email" and inferred.EMAIL_MATCH_CASE_INSENSITIVE:
        return stored.casefold() == wanted.casefold()
    return stored == wanted

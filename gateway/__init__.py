"""order-gateway: one GraphQL endpoint over Voyado Engage v3 Orders and ExpertSender CDP Orders.

The gateway turns the vendor-neutral model of ``adapters`` into GraphQL; it never builds a vendor
URL or vendor JSON itself.
"""

"""Vendor adapters: the vendor-neutral model, the ``Backend`` protocol, the error hierarchy, the
safe HTTP transport, and one package per vendor."""

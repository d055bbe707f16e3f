"""Benchmarks: what the gateway costs, against the vendor itself and against GraphQL Mesh."""

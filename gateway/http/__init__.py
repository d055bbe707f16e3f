"""The gateway's HTTP surface: GraphQL over HTTP, GraphiQL, health probes and request limits."""

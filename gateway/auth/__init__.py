"""Who may do what: client authentication (JWT/JWKS, API keys), scopes per root field,
per-client limits, trusted documents and the audit of writes.

Kept free of imports so that ``gateway.settings`` can use ``gateway.auth.settings``.
"""

"""GraphiQL served from the package itself, so the page works with no internet access.

Strawberry's built-in page loads React and GraphiQL from a CDN; this one loads GraphiQL 3.8.3,
its explorer plugin 3.2.6 and React 18.3.1 (all MIT, licence files beside them in
``gateway/static``) from the gateway, and opens the README's example operations as tabs.
The page's Content-Security-Policy lets it talk to its own origin only.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path

from starlette.requests import Request
from starlette.responses import HTMLResponse
from starlette.routing import Mount
from starlette.staticfiles import StaticFiles

STATIC_PATH = "/graphql/static"
STATIC_DIR = Path(__file__).resolve().parent.parent / "static"

CONTENT_SECURITY_POLICY = "; ".join(
    [
        "default-src 'self'",
        "script-src 'self'",
        # GraphiQL and CodeMirror set inline styles; fonts and icons are data: URLs in its CSS.
        "style-src 'self' 'unsafe-inline'",
        "font-src 'self' data:",
        "img-src 'self' data:",
        "connect-src 'self'",
        "base-uri 'none'",
        "form-action 'none'",
        "frame-ancestors 'self'",
    ]
)


@cache
def _template() -> str:
    return (STATIC_DIR / "graphiql.html").read_text(encoding="utf-8")


def graphiql_page(request: Request) -> HTMLResponse:
    static = request.scope.get("root_path", "").rstrip("/") + STATIC_PATH
    return HTMLResponse(
        _template().replace("{{static}}", static),
        headers={"Content-Security-Policy": CONTENT_SECURITY_POLICY, "Cache-Control": "no-cache"},
    )


def static_mount() -> Mount:
    return Mount(STATIC_PATH, app=StaticFiles(directory=STATIC_DIR), name="static")

"""The web application: REST API under /api/v1, server-rendered pages, static files.

``create_app(config, store)`` builds it. Every response carries a strict
Content-Security-Policy (nothing from other hosts, no script at all), and the
message preview has its own even stricter one (see ``preview``).
"""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path

from fastapi import FastAPI, Request, Response
from fastapi.exception_handlers import http_exception_handler
from fastapi.responses import JSONResponse, RedirectResponse
from fastapi.staticfiles import StaticFiles
from starlette.exceptions import HTTPException as StarletteHTTPException

from mailward.config import Config
from mailward.store import Store

from .context import WebContext

HERE = Path(__file__).parent
PAGE_CSP = (
    "default-src 'none'; img-src 'self' data:; style-src 'self'; frame-src 'self'; "
    "form-action 'self'; base-uri 'none'; frame-ancestors 'none'"
)


class LoginRequired(Exception):
    """A page was asked for without a valid session (``expired``: a session cookie was
    there but no longer valid; ``wanted``: the page to return to after sign-in)."""

    def __init__(self, *, expired: bool = False, wanted: str = "") -> None:
        super().__init__("sign-in needed")
        self.expired = expired
        self.wanted = wanted


ENV_CONFIG = "MAILWARD_WEB_CONFIG"
ENV_DB = "MAILWARD_WEB_DB"


def app_from_env() -> FastAPI:
    """The app for each worker process of ``mailward serve --workers N`` (uvicorn factory)."""
    import os

    from mailward.config import load_config
    from mailward.store import open_store

    config = load_config(os.environ.get(ENV_CONFIG) or None)
    return create_app(config, open_store(os.environ.get(ENV_DB) or None, config=config))


@contextlib.asynccontextmanager
async def _lifespan(app: FastAPI) -> AsyncIterator[None]:
    ctx: WebContext = app.state.ctx
    ctx.analysis  # noqa: B018 - start the scanning worker processes with the server, not on the first upload
    yield
    ctx.close()


def create_app(config: Config, store: Store) -> FastAPI:
    from urllib.parse import urlencode

    from . import api, pages, views

    app = FastAPI(
        lifespan=_lifespan,
        title="mailward",
        summary="Reconnaissance beacons, impersonation and campaigns in email: the security team's API.",
        version="1",
        docs_url=None,  # the stock docs load scripts from a CDN; /api/docs is served here instead
        redoc_url=None,
        openapi_url="/api/v1/openapi.json",
    )
    app.state.ctx = WebContext.build(config, store)
    app.include_router(api.router)
    app.include_router(pages.router)
    app.include_router(views.router)
    app.mount("/static", StaticFiles(directory=HERE / "static"), name="static")

    @app.exception_handler(LoginRequired)
    async def _login(request: Request, exc: LoginRequired) -> Response:
        query = {"next": pages.local_path(exc.wanted)} if exc.wanted and exc.wanted != "/" else {}
        if exc.expired:
            query["expired"] = "1"
        return RedirectResponse("/login" + (f"?{urlencode(query)}" if query else ""), status_code=303)

    @app.exception_handler(StarletteHTTPException)
    async def _error(request: Request, exc: StarletteHTTPException) -> Response:
        if request.url.path.startswith("/api/"):
            return await http_exception_handler(request, exc)
        return pages.error_page(request, exc.status_code, str(exc.detail))

    @app.middleware("http")
    async def _headers(request: Request, call_next: Callable[[Request], Awaitable[Response]]) -> Response:
        try:
            response = await call_next(request)
        except Exception:  # a bug must not show a traceback to the client
            import logging

            logging.getLogger("mailward.web").exception("internal error on %s", request.url.path)
            response = JSONResponse({"detail": "internal error"}, status_code=500)
        response.headers.setdefault("Content-Security-Policy", PAGE_CSP)
        response.headers.setdefault("X-Frame-Options", "DENY")
        response.headers["X-Content-Type-Options"] = "nosniff"
        response.headers["Referrer-Policy"] = "no-referrer"
        response.headers["Cross-Origin-Opener-Policy"] = "same-origin"
        response.headers["Cross-Origin-Resource-Policy"] = "same-origin"
        if not request.url.path.startswith("/static/"):
            response.headers["Cache-Control"] = "no-store"
        if request.url.scheme == "https":
            response.headers["Strict-Transport-Security"] = "max-age=31536000"
        return response

    return app

"""create_app(): the JSON API under /api/v1, the console under /console, the public pages."""

from __future__ import annotations

import asyncio
import dataclasses
import logging
import secrets
from collections.abc import AsyncIterator
from contextlib import AsyncExitStack, asynccontextmanager

from fastapi import FastAPI
from fastapi.responses import RedirectResponse
from fastapi_offline import FastAPIOffline
from sqlalchemy import Engine, event, text
from starlette.applications import Starlette
from starlette.types import ASGIApp, Receive, Scope, Send

from quarterhour.access import permissions
from quarterhour.config import Settings
from quarterhour.entrypoints.api import (
    accounts,
    admin,
    auth,
    crew_jobs,
    crews,
    customers,
    errors,
    gateway,
    held_readings,
    jobs,
    messages,
    orders,
    organisation,
    outages,
    programme,
    public,
    search,
    stats,
)
from quarterhour.entrypoints.api.bill_line import BillLine
from quarterhour.entrypoints.perimeter import Perimeter
from quarterhour.entrypoints.shared import background
from quarterhour.entrypoints.web import console
from quarterhour.kit.masking import install_log_masking
from quarterhour.notifications import sandbox_gateway
from quarterhour.storage import reads
from quarterhour.storage.engine import (
    make_engine,
    make_one_write_session_factory,
    make_session_factory,
)

log = logging.getLogger("quarterhour")


class CheckedWrites:
    """Each HTTP request is one scope of permission checks (access.permissions): a write in it
    before any check is refused."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        with permissions.use_case_scope():
            await self.app(scope, receive, send)


# Where the demo's sandbox SMS gateway answers, on the server itself (Settings.sms_sandbox).
SANDBOX_PATH = "/sandbox/sms"


def _sandbox(settings: Settings) -> Starlette:
    assert settings.sms_gateway_key is not None
    callbacks = f"{settings.public_base_url}/api/v1/gateway/sms"
    return sandbox_gateway.make_app(
        settings.sms_gateway_key,
        report_url=f"{callbacks}/reports",
        inbound_url=f"{callbacks}/inbound",
    )


def create_app(settings: Settings | None = None, engine: Engine | None = None) -> FastAPI:
    settings = settings or Settings.from_env()
    engine = engine or make_engine(settings)
    sandbox = None
    if settings.sms_sandbox:
        settings = dataclasses.replace(
            settings,
            sms_gateway_url=f"{settings.public_base_url}{SANDBOX_PATH}",
            sms_gateway_key=settings.sms_gateway_key or secrets.token_hex(16),
        )
        sandbox = _sandbox(settings)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        install_log_masking()
        async with AsyncExitStack() as stack:
            if sandbox is not None:
                # A mounted app's lifespan is its parent's to run: the sandbox's client and
                # its reporters live as long as the server.
                await stack.enter_async_context(sandbox.router.lifespan_context(sandbox))
            if app.state.read_pool is not None:
                await app.state.read_pool.open()
            worker = app.state.worker
            if worker is not None:
                worker.start()
            yield
            if worker is not None:
                await asyncio.to_thread(worker.stop, settings.job_stop_seconds)
            if app.state.read_pool is not None:
                await app.state.read_pool.close()

    # The docs pages load Swagger UI and ReDoc from the fastapi-offline package, never from a CDN.
    app = FastAPIOffline(
        title="Quarter Hour 供电一刻钟",
        version="0.1.0",
        description="Closed-loop customer service for electric utilities.",
        lifespan=lifespan,
    )
    app.state.settings = settings
    app.state.engine = engine
    app.state.session_factory = make_session_factory(engine)
    app.state.one_write_session_factory = make_one_write_session_factory(engine)
    app.state.read_pool = reads.read_pool(engine)
    # The embedded server's own worker (SQLite, the demo); on PostgreSQL `quarterhour worker`
    # processes run the jobs and this process only enqueues them.
    app.state.worker = (
        background.make_worker(app.state.session_factory, settings)
        if settings.runs_embedded_worker()
        else None
    )
    app.state.sandbox = sandbox
    if sandbox is not None:
        app.mount(SANDBOX_PATH, sandbox)
    errors.install(app)
    # The last added runs first: the bill line answers its calls before anything else.
    app.add_middleware(
        Perimeter,
        max_body_bytes=settings.max_body_bytes,
        max_upload_bytes=settings.max_upload_bytes,
        console_too_large=console.too_large_page,
    )
    if settings.checked_writes:
        refuse = permissions.refuse_unchecked_write
        if not event.contains(engine, "before_cursor_execute", refuse):
            event.listen(engine, "before_cursor_execute", refuse)
        # Inside the bill line: on PostgreSQL it answers on its own connections, without
        # SQLAlchemy, and its one statement per call is all its hot path should cost.
        app.add_middleware(CheckedWrites)
    app.add_middleware(BillLine)

    # Routes are matched in order: the public lines (the bill inquiry answers thousands of
    # calls a second) and the work-order routes come first.
    for module in (
        public,
        orders,
        auth,
        customers,
        accounts,
        held_readings,
        outages,
        organisation,
        admin,
        programme,
        crews,
        crew_jobs,
        gateway,
        stats,
        search,
        messages,
        jobs,
    ):
        app.include_router(module.router, prefix="/api/v1")
    console.install(app)

    @app.get("/", include_in_schema=False)
    async def root() -> RedirectResponse:
        return RedirectResponse("/console")

    @app.get("/favicon.ico", include_in_schema=False)
    async def favicon() -> RedirectResponse:
        # Browsers ask for /favicon.ico before reading a page's <link rel="icon">.
        return RedirectResponse("/static/favicon.svg", status_code=301)

    @app.get("/healthz", tags=["health"])
    async def healthz() -> dict[str, str]:
        return {"status": "ok"}

    @app.get("/readyz", tags=["health"])
    def readyz() -> dict[str, str]:
        with engine.connect() as connection:
            connection.execute(text("SELECT 1"))
        return {"status": "ready", "database": engine.dialect.name}

    return app

"""The request's database session, for the API and the console alike."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Annotated

from fastapi import Depends, Request
from fastapi.concurrency import run_in_threadpool
from sqlalchemy.orm import Session, sessionmaker


async def get_session(request: Request) -> AsyncIterator[Session]:
    """The request's session. Routes commit once at the end; anything else is rolled back."""
    async with session_from(request.app.state.session_factory) as session:
        yield session


@asynccontextmanager
async def session_from(factory: sessionmaker[Session]) -> AsyncIterator[Session]:
    session = factory()  # no connection yet: the route's first statement takes one
    try:
        yield session
    finally:
        if session.in_transaction():
            await run_in_threadpool(_roll_back_and_close, session)
        else:
            session.close()


def _roll_back_and_close(session: Session) -> None:
    session.rollback()
    session.close()


SessionDep = Annotated[Session, Depends(get_session)]

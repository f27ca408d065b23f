"""Dependencies that turn request context into typed values."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Annotated

import anyio.to_thread
from fastapi import Depends, Request, Response
from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from app.config import Settings
from app.db.session import read_session_scope, session_scope


def get_settings_dep(request: Request) -> Settings:
    """Return the settings the app was created with."""
    settings: Settings = request.app.state.settings
    return settings


def get_engine(request: Request) -> Engine:
    """Return the app's engine."""
    engine: Engine = request.app.state.engine
    return engine


def get_session(request: Request) -> Iterator[Session]:
    """Yield a session wrapped in one transaction for this request."""
    factory: sessionmaker[Session] = request.app.state.sessionmaker
    yield from session_scope(factory)


async def in_page_slot(request: Request, build: Callable[[], Response]) -> Response:
    """Build a parcel page in a worker thread, at most `page_concurrency` pages at once and
    the rest in their order of arrival (the app's page limiter, made at startup)."""
    limiter = getattr(request.app.state, "page_limiter", None)
    return await anyio.to_thread.run_sync(build, limiter=limiter)


def get_read_session(request: Request) -> Iterator[Session]:
    """Yield a session for reads that may stream: one read-only snapshot, open until the
    answer has been sent (or released sooner by the endpoint), then rolled back."""
    factory: sessionmaker[Session] = request.app.state.sessionmaker
    yield from read_session_scope(factory)


SettingsDep = Annotated[Settings, Depends(get_settings_dep)]
EngineDep = Annotated[Engine, Depends(get_engine)]
# scope="function": the transaction commits when the endpoint returns, before the answer
# leaves; FastAPI's default runs the code after `yield` once the answer is sent, and a client
# could then be told of a write that a crash (or a failed commit) undid
SessionDep = Annotated[Session, Depends(get_session, scope="function")]
# for answers streamed from a server-side cursor: open while the answer is sent; read only
ReadSessionDep = Annotated[Session, Depends(get_read_session, scope="request")]

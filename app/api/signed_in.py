"""The session a request's cookie names, resolved once per request, with the CSRF check a
write made with the cookie must pass."""

from __future__ import annotations

import secrets
from datetime import timedelta

from fastapi import Request

from app.config import Settings
from app.domain.sign_in_rules import SessionPolicy
from app.errors import CsrfFailed, SessionExpired
from app.services import sign_in
from app.services.sign_in import COOKIE, SignedIn

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
CSRF_HEADER = "X-CSRF-Token"


def policy(settings: Settings) -> SessionPolicy:
    """Return the session policy the settings give."""
    return SessionPolicy(
        idle=timedelta(minutes=settings.session_idle_minutes),
        absolute=timedelta(hours=settings.session_absolute_hours),
    )


def signed_in(request: Request) -> SignedIn | None:
    """Return the request's live session (None without a cookie); raise SessionExpired for a
    cookie whose session ended, and CsrfFailed for a write without the session's token."""
    cached: SignedIn | None = getattr(request.state, "signed_in", None)
    if cached is not None:
        return cached
    token = request.cookies.get(COOKIE)
    if not token:
        return None
    signed = sign_in.resolve(
        request.app.state.sessionmaker, token=token, policy=policy(request.app.state.settings)
    )
    if request.method not in SAFE_METHODS:
        sent = request.headers.get(CSRF_HEADER, "")
        if not secrets.compare_digest(sent.encode(), signed.csrf_token.encode()):
            raise CsrfFailed(
                f"A write made with the session cookie needs the {CSRF_HEADER} header "
                "of the session (GET /session gives it)."
            )
    request.state.signed_in = signed
    return signed


def require_signed_in(request: Request) -> SignedIn:
    """Return the request's live session; raise SessionExpired without one."""
    signed = signed_in(request)
    if signed is None:
        raise SessionExpired("Sign in first (POST /session).")
    return signed

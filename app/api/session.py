"""/session: staff sign in with a user name and password and get a session cookie
(HttpOnly, SameSite=Strict, Secure behind HTTPS) and a CSRF token for their pages' writes."""

from __future__ import annotations

from fastapi import APIRouter, Request, Response
from fastapi.responses import JSONResponse

from app.api.deps import SessionDep, SettingsDep
from app.api.responses import problems
from app.api.signed_in import policy, require_signed_in
from app.config import Settings
from app.schemas.accounts import PasswordChange, SessionOut, SignInBody
from app.services import accounts, sign_in
from app.services.sign_in import COOKIE, SignedIn

router = APIRouter(prefix="/session", tags=["session"])


def _out(signed: SignedIn) -> SessionOut:
    actor = signed.actor
    return SessionOut(
        user_name=actor.name,
        display_name=signed.display_name,
        role=actor.role.value if actor.role else "",
        ward_code=actor.ward_code,
        csrf_token=signed.csrf_token,
        expires_at=signed.expires_at,
    )


def _secure(request: Request, settings: Settings) -> bool:
    if settings.cookie_secure == "auto":
        return request.url.scheme == "https"
    return settings.cookie_secure == "always"


@router.post("", response_model=SessionOut, responses=problems(401, 422, 429))
def sign_in_staff(body: SignInBody, request: Request, settings: SettingsDep) -> Response:
    """Sign in: answers the session (with its CSRF token) and sets the session cookie.

    A wrong user name or password answers 401, the same for both; after a few failures in a
    row each next attempt must wait longer (429 with Retry-After), and after too many the
    account is locked for a while. Send the CSRF token as `X-CSRF-Token` with every write
    made with the cookie.
    """
    signed = sign_in.sign_in(
        request.app.state.sessionmaker,
        user_name=body.user_name,
        password=body.password,
        policy=policy(settings),
    )
    response = JSONResponse(_out(signed).model_dump(mode="json"))
    response.set_cookie(
        COOKIE,
        signed.token,
        max_age=int(policy(settings).absolute.total_seconds()),
        path="/",
        secure=_secure(request, settings),
        httponly=True,
        samesite="strict",
    )
    response.headers["Cache-Control"] = "no-store"
    return response


@router.get("", response_model=SessionOut, responses=problems(401))
def read_session(request: Request) -> SessionOut:
    """The signed-in account and its CSRF token; 401 without a live session."""
    return _out(require_signed_in(request))


@router.delete("", status_code=204, responses=problems(401, 403))
def sign_out(request: Request, session: SessionDep, settings: SettingsDep) -> Response:
    """Sign out: the session ends and the cookie is cleared."""
    sign_in.sign_out(session=session, signed_in=require_signed_in(request))
    response = Response(status_code=204)
    response.delete_cookie(
        COOKIE, path="/", secure=_secure(request, settings), httponly=True, samesite="strict"
    )
    return response


@router.put("/password", status_code=204, responses=problems(401, 403, 422))
def change_password(body: PasswordChange, request: Request, session: SessionDep) -> Response:
    """Change your own password, giving the current one; your other sessions end."""
    signed = require_signed_in(request)
    accounts.change_password(
        session=session,
        actor=signed.actor,
        current=body.current_password,
        new=body.new_password,
        keep_session=signed.session_id,
    )
    return Response(status_code=204)

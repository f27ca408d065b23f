"""Staff sign-in: the session cookie, the CSRF token on writes, back-off and lock after
failures, idle and absolute expiry, sign-out, password changes, and accounts an admin keeps.

The app signs in through transactions of its own (a failure is committed before it is
answered), so it runs here on a register that commits, as the service does.
"""

from __future__ import annotations

from contextlib import closing
from datetime import timedelta

import httpx
import pytest
from sqlalchemy import text
from sqlalchemy.orm import Session

from app.domain.permissions import Role
from app.services import accounts
from tests.api.conftest import WARD, square
from tests.api.staff import PASSWORD, StaffRegister, advance, sign_in
from tests.api.test_dashboard import _free_spots
from tests.support import SETUP

PROBLEM = "application/problem+json"


def signed_in(staff: StaffRegister, user: str) -> tuple[httpx.Client, dict[str, str]]:
    """Return a client holding the user's session cookie, and its CSRF header."""
    http = staff.client()
    answer = sign_in(http, user)
    assert answer.status_code == 200, answer.text
    return http, {"X-CSRF-Token": answer.json()["csrf_token"]}


def test_sign_in_sets_a_strict_cookie_and_names_the_account(staff: StaffRegister) -> None:
    user = staff.account(Role.WARD_OFFICER, WARD)
    with staff.client() as http:
        answer = sign_in(http, f"  {user.upper()} ")  # as typed, the name is trimmed and lowered
        assert answer.status_code == 200, answer.text
        body = answer.json()
        assert (body["user_name"], body["role"], body["ward_code"]) == (user, "ward_officer", WARD)
        assert body["display_name"].startswith("Cán bộ số")
        cookie = answer.headers["set-cookie"]
        attributes = {part.strip().split("=")[0].lower() for part in cookie.split(";")}
        assert {"httponly", "path", "max-age", "samesite"} <= attributes
        assert "samesite=strict" in cookie.lower()
        assert "secure" not in attributes  # plain HTTP here; HTTPS sets it (cookie_secure)
        assert answer.headers["cache-control"] == "no-store"
        again = http.get("/session")
        assert again.status_code == 200 and again.json()["csrf_token"] == body["csrf_token"]
    events = staff.audit("account.sign_in", user)
    assert len(events) == 1 and events[0]["account_id"] is not None
    assert events[0]["role"] == "ward_officer"


@pytest.mark.parametrize("wrong", ["password", "user name", "disabled"])
def test_every_refusal_looks_the_same(staff: StaffRegister, wrong: str) -> None:
    user = staff.account()
    if wrong == "disabled":
        with Session(staff.engine) as session, session.begin():
            accounts.set_disabled(session=session, actor=SETUP, user_name=user, disabled=True)
    with staff.client() as http:
        answer = sign_in(
            http,
            "nobody" if wrong == "user name" else user,
            "not the password" if wrong == "password" else PASSWORD,
        )
        assert answer.status_code == 401
        assert answer.headers["content-type"] == PROBLEM
        assert answer.json()["type"].endswith("/invalid-credentials")
        assert answer.json()["detail"] == "The user name or the password is wrong."
        assert "set-cookie" not in answer.headers
        assert http.get("/session").json()["type"].endswith("/session-expired")


def test_a_write_with_the_cookie_needs_the_csrf_token_and_names_the_account(
    staff: StaffRegister,
) -> None:
    user = staff.account(Role.SURVEYOR)
    http, csrf = signed_in(staff, user)
    with closing(http):
        parcel = {
            "survey_commune_code": WARD,
            "sheet_no": 77,
            "parcel_no": 9001,
            "geometry": square(*_free_spots(staff.owner, WARD, 1)[0]),
            "crs": 9214,
            "land_uses": [{"code": "ONT"}],
        }
        refused = http.post("/parcels", json=parcel)
        assert refused.status_code == 403, refused.text
        assert refused.json()["type"].endswith("/csrf-failed")
        wrong = http.post("/parcels", json=parcel, headers={"X-CSRF-Token": "x" * 43})
        assert wrong.status_code == 403
        made = http.post("/parcels", json=parcel, headers=csrf)
    assert made.status_code == 201, made.text
    with staff.engine.connect() as conn:
        row = conn.execute(
            text(
                "SELECT e.actor, e.account_id, v.actor AS version_actor FROM audit_event e"
                " JOIN parcel_version v ON v.parcel_id = e.parcel_id"
                " WHERE e.action = 'create' AND e.target_type = 'parcel' AND e.parcel_id = :id"
            ),
            {"id": made.json()["id"]},
        ).one_or_none()
    assert row is not None and row.actor == f"{user} (surveyor)" and row.account_id
    assert row.version_actor == row.actor


def test_an_account_has_the_rights_of_its_role(staff: StaffRegister) -> None:
    user = staff.account(Role.SURVEYOR)
    http, csrf = signed_in(staff, user)
    with closing(http):
        refused = http.get("/accounts")
        assert refused.status_code == 403 and refused.json()["type"].endswith("/forbidden")
        body = {
            "user_name": "someone",
            "display_name": "Ai đó",
            "role": "admin",
            "password": PASSWORD,
        }
        made = http.post("/accounts", json=body, headers=csrf)
        assert made.status_code == 403 and made.json()["type"].endswith("/forbidden")


def test_failures_slow_the_next_attempt_then_lock_the_account(
    staff: StaffRegister, moving_clock: None
) -> None:
    user = staff.account()
    with staff.client() as http:
        waits = []
        for attempt in range(1, 11):
            answer = sign_in(http, user, "wrong password")
            assert answer.status_code == 401, (attempt, answer.text)
            # what the next attempt waits, the good password included
            early = sign_in(http, user)
            if early.status_code == 429:
                assert early.json()["type"].endswith("/too-many-attempts")
                waits.append(int(early.headers["retry-after"]))
                advance(timedelta(seconds=waits[-1]))
            else:
                assert attempt < 3 and early.status_code == 200, early.text
                http.delete("/session", headers={"X-CSRF-Token": early.json()["csrf_token"]})
                # a success starts the count again: fail twice more to get back here
                for _ in range(attempt):
                    assert sign_in(http, user, "wrong password").status_code == 401
        # doubling from 1 s after the third failure in a row; the tenth locks for 15 min
        assert waits[:7] == [1, 2, 4, 8, 16, 32, 64]
        assert waits[7] == 15 * 60
        assert len(staff.audit("account.lock", user)) == 1
        failures = staff.audit("account.sign_in_failed", user)
        assert len(failures) == 10 + 1 + 2  # the last ten, and the three before each success


def test_the_lock_refuses_the_right_password_until_it_ends(
    staff: StaffRegister, moving_clock: None
) -> None:
    user = staff.account()
    with staff.client() as http:
        for _ in range(10):
            while (answer := sign_in(http, user, "wrong password")).status_code == 429:
                advance(timedelta(seconds=int(answer.headers["retry-after"])))
            assert answer.status_code == 401
        locked = sign_in(http, user)
        assert locked.status_code == 429 and locked.json()["locked"] is True
        assert int(locked.headers["retry-after"]) == 15 * 60
        advance(timedelta(minutes=14, seconds=59))
        assert sign_in(http, user).status_code == 429
        advance(timedelta(seconds=1))
        assert sign_in(http, user).status_code == 200


def test_a_session_ends_when_idle_and_at_its_absolute_end(
    staff: StaffRegister, moving_clock: None
) -> None:
    user = staff.account()
    idle, _ = signed_in(staff, user)
    busy, _ = signed_in(staff, user)
    with closing(idle), closing(busy):
        advance(timedelta(minutes=29))
        assert busy.get("/session").status_code == 200
        advance(timedelta(minutes=2))  # 31 min since the idle one was used
        assert idle.get("/session").json()["type"].endswith("/session-expired")
        assert busy.get("/session").status_code == 200
        for _ in range(23):  # used every 29 min, it still ends 12 h after sign-in
            advance(timedelta(minutes=29))
            assert busy.get("/session").status_code == 200
        advance(timedelta(minutes=29))  # 12 h 6 min after sign-in
        assert busy.get("/session").status_code == 401


def test_sign_out_ends_the_session_and_clears_the_cookie(staff: StaffRegister) -> None:
    user = staff.account()
    http, csrf = signed_in(staff, user)
    cookie = dict(http.cookies)
    with closing(http):
        assert http.delete("/session").status_code == 403  # no CSRF token: refused
        out = http.delete("/session", headers=csrf)
        assert out.status_code == 204
        assert (
            'registry_session=""' in out.headers["set-cookie"]
            or "Max-Age=0" in out.headers["set-cookie"]
        )
    with staff.client() as again:
        again.cookies.update(cookie)
        assert again.get("/session").status_code == 401
    assert len(staff.audit("account.sign_out", user)) == 1


def test_a_password_change_needs_the_current_one_and_ends_the_other_sessions(
    staff: StaffRegister,
) -> None:
    user = staff.account()
    other, _ = signed_in(staff, user)
    http, csrf = signed_in(staff, user)
    new = "một mật khẩu khác 2026"
    with closing(http), closing(other):
        wrong = http.put(
            "/session/password",
            json={"current_password": "guess", "new_password": new},
            headers=csrf,
        )
        assert wrong.status_code == 401 and wrong.json()["type"].endswith("/invalid-credentials")
        weak = http.put(
            "/session/password",
            json={"current_password": PASSWORD, "new_password": "ngắn"},
            headers=csrf,
        )
        assert weak.status_code == 422 and weak.json()["rule"] == "too_short"
        named = http.put(
            "/session/password",
            json={"current_password": PASSWORD, "new_password": f"x{user}2026!"},
            headers=csrf,
        )
        assert named.json()["rule"] == "contains_user_name"
        done = http.put(
            "/session/password",
            json={"current_password": PASSWORD, "new_password": new},
            headers=csrf,
        )
        assert done.status_code == 204, done.text
        assert http.get("/session").status_code == 200  # this one goes on
        assert other.get("/session").status_code == 401  # the other one ended
    with staff.client() as fresh:
        assert sign_in(fresh, user).status_code == 401
        assert sign_in(fresh, user, new).status_code == 200


def test_an_admin_creates_disables_and_enables_accounts(staff: StaffRegister) -> None:
    with staff.client() as http:
        body = {
            "user_name": "tranthilan",
            "display_name": "Trần Thị Lan",
            "role": "ward_officer",
            "ward_code": WARD,
            "password": PASSWORD,
        }
        made = http.post("/accounts", json=body, headers=staff.admin)
        assert made.status_code == 201, made.text
        assert made.json()["created_by"].endswith("(admin)")
        assert "password" not in made.json() and "password_hash" not in made.json()
        again = http.post("/accounts", json=body, headers=staff.admin)
        assert again.status_code == 409 and again.json()["type"].endswith("/account-exists")
        no_ward = http.post(
            "/accounts",
            json={**body, "user_name": "lan2", "ward_code": None},
            headers=staff.admin,
        )
        assert no_ward.status_code == 422
        listed = http.get("/accounts", headers=staff.admin).json()
        assert "tranthilan" in [a["user_name"] for a in listed]

    user_http, _ = signed_in(staff, "tranthilan")
    with closing(user_http), staff.client() as http:
        off = http.patch("/accounts/tranthilan", json={"disabled": True}, headers=staff.admin)
        assert off.status_code == 200 and off.json()["disabled_at"] is not None
        assert user_http.get("/session").status_code == 401  # its session ended at once
        assert sign_in(http, "tranthilan").status_code == 401
        on = http.patch("/accounts/tranthilan", json={"disabled": False}, headers=staff.admin)
        assert on.json()["disabled_at"] is None
        assert sign_in(http, "tranthilan").status_code == 200
        missing = http.patch("/accounts/nobody", json={"disabled": True}, headers=staff.admin)
        assert missing.status_code == 404
    actions = [
        a
        for a in ("account.create", "account.disable", "account.enable")
        if staff.audit(a, "tranthilan")
    ]
    assert actions == ["account.create", "account.disable", "account.enable"]


def test_behind_https_the_cookie_is_secure(staff: StaffRegister) -> None:
    """A proxy that ends HTTPS says so (X-Forwarded-Proto, trusted from the loopback here):
    the cookie is then sent over HTTPS only."""
    user = staff.account()
    with staff.client() as http:
        answer = http.post(
            "/session",
            json={"user_name": user, "password": PASSWORD},
            headers={"X-Forwarded-Proto": "https"},
        )
    assert answer.status_code == 200, answer.text
    attributes = {p.strip().lower() for p in answer.headers["set-cookie"].split(";")}
    assert "secure" in attributes and "httponly" in attributes

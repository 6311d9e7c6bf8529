"""Staff accounts, logins and bearer tokens."""

from __future__ import annotations

import hashlib
import secrets
import time
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from quarterhour.access import permissions
from quarterhour.access.actor import STAFF_ROLES, Actor, Role
from quarterhour.access.passwords import (
    check_strength,
    dummy_hash,
    hash_password,
    verify_password,
)
from quarterhour.access.permissions import Permission, require
from quarterhour.errors import Conflict, NotFound, Unauthenticated, ValidationFailed
from quarterhour.kit import clock
from quarterhour.organisation.models import ApiToken, Department, Staff


def _staff_role(value: str) -> Role:
    try:
        role = Role(value)
    except ValueError:
        role = None
    if role is None or role not in STAFF_ROLES:
        raise ValidationFailed(
            f"unknown role {value!r}; one of {', '.join(STAFF_ROLES)}", field="role"
        )
    return role


def token_digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def actor_of(staff: Staff, department_kind: str | None = None) -> Actor:
    return Actor(
        id=staff.id,
        username=staff.username,
        role=Role(staff.role),
        department_id=staff.department_id,
        full_name=staff.full_name,
        department_kind=department_kind,
    )


@dataclass(frozen=True)
class IssuedToken:
    token: str
    expires_at: datetime
    actor: Actor


def log_in(session: Session, username: str, password: str, *, ttl_minutes: int) -> IssuedToken:
    found = session.execute(
        select(Staff, Department.kind)
        .outerjoin(Department, Department.id == Staff.department_id)
        .where(Staff.username == username)
    ).first()
    staff, department_kind = found if found is not None else (None, None)
    # Same answer and the same work for an unknown user, a disabled one and a wrong password:
    # one Argon2 verification each (against a dummy hash when there is no usable one), so
    # neither the answer nor its time tells which usernames exist.
    usable = staff if staff is not None and staff.is_active else None
    matches = verify_password(usable.password_hash if usable else dummy_hash(), password)
    if usable is None or not matches:
        raise Unauthenticated("wrong username or password")
    staff = usable
    permissions.anyone("log in: the password was the check")
    token = secrets.token_urlsafe(32)
    now = clock.now()
    expires = now + timedelta(minutes=ttl_minutes)
    session.add(
        ApiToken(
            token_hash=token_digest(token), staff_id=staff.id, created_at=now, expires_at=expires
        )
    )
    return IssuedToken(token, expires, actor_of(staff, department_kind))


# Bearer tokens seen recently, per process: a token's staff lookup is one query on every request,
# the busiest in the API. A logout, a disabled account or a new password clears the cache of the
# process that did it at once; other worker processes notice within `cache_seconds`.
_recent: dict[str, tuple[Actor, datetime, float]] = {}
_RECENT_MAX = 10_000


def forget_tokens() -> None:
    _recent.clear()


def recently_seen(token: str) -> Actor | None:
    """The token's staff member when this process checked the token recently; no database."""
    cached = _recent.get(token_digest(token))
    if cached is None or cached[2] <= time.monotonic():
        return None
    actor, expires_at, _ = cached
    if expires_at <= clock.now():
        raise Unauthenticated("token expired; log in again")
    return actor


def authenticate(session: Session, token: str, *, cache_seconds: float = 0) -> Actor:
    if cache_seconds > 0 and (actor := recently_seen(token)) is not None:
        return actor
    digest = token_digest(token)
    actor, expires_at = _look_up(session, digest)
    if cache_seconds > 0:
        if len(_recent) >= _RECENT_MAX:
            _recent.clear()
        _recent[digest] = (actor, expires_at, time.monotonic() + cache_seconds)
    return actor


def _look_up(session: Session, digest: str) -> tuple[Actor, datetime]:
    row = session.execute(
        select(Staff, ApiToken.expires_at, Department.kind)
        .join(ApiToken, ApiToken.staff_id == Staff.id)
        .outerjoin(Department, Department.id == Staff.department_id)
        .where(ApiToken.token_hash == digest, ApiToken.revoked.is_(False))
    ).first()
    if row is None:
        raise Unauthenticated("invalid or revoked token")
    staff, expires_at, department_kind = row
    if expires_at <= clock.now():
        raise Unauthenticated("token expired; log in again")
    if not staff.is_active:
        raise Unauthenticated("account disabled")
    return actor_of(staff, department_kind), expires_at


def log_out(session: Session, token: str) -> None:
    permissions.anyone("log out: the token is its own right")
    forget_tokens()
    session.execute(
        update(ApiToken).where(ApiToken.token_hash == token_digest(token)).values(revoked=True)
    )


def create_staff(
    session: Session,
    *,
    by: Actor,
    username: str,
    full_name: str,
    role: Role | str,
    password: str,
    department_id: int | None = None,
    phone: str | None = None,
    password_cost: tuple[int, int] = (2, 19 * 1024),
) -> Staff:
    """`by` is None only for the bootstrap (CLI on the server, demo data)."""
    require(by, Permission.MANAGE_STAFF)
    role = _staff_role(role)
    if not username or len(username) > 64:
        raise ValidationFailed("username must have 1 to 64 characters", field="username")
    if problem := check_strength(password):
        raise ValidationFailed(problem, field="password")
    if role is Role.HANDLER and department_id is None:
        raise ValidationFailed("a department handler needs a department", field="department_id")
    if department_id is not None and session.get(Department, department_id) is None:
        raise ValidationFailed(f"no department {department_id}", field="department_id")
    if session.scalar(select(Staff.id).where(Staff.username == username)) is not None:
        raise Conflict(f"username {username!r} is taken", field="username")
    staff = Staff(
        username=username,
        full_name=full_name,
        role=role,
        department_id=department_id,
        phone=phone,
        password_hash=hash_password(
            password, time_cost=password_cost[0], memory_cost=password_cost[1]
        ),
        is_active=True,
        created_at=clock.now(),
    )
    session.add(staff)
    session.flush()
    return staff


def set_password(session: Session, *, by: Actor, username: str, password: str) -> None:
    if by.username != username:
        require(by, Permission.MANAGE_STAFF)
    staff = session.scalar(select(Staff).where(Staff.username == username))
    if staff is None:
        raise NotFound(f"no staff member {username!r}", field="username")
    if problem := check_strength(password):
        raise ValidationFailed(problem, field="password")
    staff.password_hash = hash_password(password)
    forget_tokens()
    session.execute(update(ApiToken).where(ApiToken.staff_id == staff.id).values(revoked=True))


def set_active(session: Session, *, by: Actor, username: str, active: bool) -> Staff:
    require(by, Permission.MANAGE_STAFF)
    staff = session.scalar(select(Staff).where(Staff.username == username))
    if staff is None:
        raise NotFound(f"no staff member {username!r}", field="username")
    if not active:
        if by.id == staff.id:
            raise Conflict("an administrator cannot disable his own account", field="active")
        _keep_an_administrator(session, staff, "active")
    staff.is_active = active
    forget_tokens()
    if not active:
        session.execute(update(ApiToken).where(ApiToken.staff_id == staff.id).values(revoked=True))
    return staff


def change_role(
    session: Session, *, by: Actor, username: str, role: Role | str, department_id: int | None
) -> Staff:
    """A member's new role (and department): his sessions end, so that every process sees the
    new role at his next login rather than within the token cache's time."""
    require(by, Permission.MANAGE_STAFF)
    staff = session.scalar(select(Staff).where(Staff.username == username))
    if staff is None:
        raise NotFound(f"no staff member {username!r}", field="username")
    role = _staff_role(role)
    if role is Role.HANDLER and department_id is None:
        raise ValidationFailed("a department handler needs a department", field="department_id")
    if department_id is not None and session.get(Department, department_id) is None:
        raise ValidationFailed(f"no department {department_id}", field="department_id")
    if staff.id == by.id and role is not Role.ADMIN:
        raise Conflict("an administrator cannot take his own administration away", field="role")
    if role is not Role.ADMIN:
        _keep_an_administrator(session, staff, "role")
    staff.role = role
    staff.department_id = department_id
    forget_tokens()
    session.execute(update(ApiToken).where(ApiToken.staff_id == staff.id).values(revoked=True))
    return staff


def _keep_an_administrator(session: Session, staff: Staff, field: str) -> None:
    """Refuse to disable or demote the last active administrator: nobody could manage staff
    afterwards. The active administrators' rows are locked first (PostgreSQL; SQLite's writers
    are serialised already), so two administrators disabling each other at the same moment
    cannot both succeed: the second waits for the first and then sees one administrator left."""
    if staff.role != Role.ADMIN or not staff.is_active:
        return
    active = session.scalars(
        select(Staff.id)
        .where(Staff.role == Role.ADMIN, Staff.is_active.is_(True))
        .order_by(Staff.id)
        .with_for_update()
    ).all()
    if not [staff_id for staff_id in active if staff_id != staff.id]:
        raise Conflict(
            f"{staff.username} is the last active administrator; make another one first",
            field=field,
        )


def list_staff(session: Session, *, by: Actor) -> list[Staff]:
    require(by, Permission.MANAGE_STAFF)
    return list(session.scalars(select(Staff).order_by(Staff.id)))

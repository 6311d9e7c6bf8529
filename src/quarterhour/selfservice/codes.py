"""One-time codes that prove a phone (self-service intake): sent by SMS through the outbox,
kept hashed, valid for five minutes, void after five wrong tries, used once.

The rows are also the rate limits, counted in the database so that every worker refuses alike:
per phone one code a minute and five an hour (no number is flooded, and a guesser gets at most
25 tries an hour at a million codes), per caller address twenty an hour. On PostgreSQL the
counts and the new row are serialised by advisory locks (the address's, then the phone's:
always in that order, so two requests never wait for each other's), so requests at once
cannot both pass; on SQLite BEGIN IMMEDIATE serialises every writer already.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Table, delete, func, select, text, update
from sqlalchemy.orm import Session

from quarterhour.access.actor import Actor
from quarterhour.access.permissions import Permission, require
from quarterhour.config import Settings
from quarterhour.errors import TooManyRequests, ValidationFailed
from quarterhour.kit import clock
from quarterhour.notifications import outbox
from quarterhour.selfservice.models import VerificationCode
from quarterhour.storage.driver import on_postgresql

_T: Table = VerificationCode.__table__  # type: ignore[assignment]

DIGITS = 6
VALID = timedelta(minutes=5)
MAX_FAILURES = 5
PHONE_GAP = timedelta(seconds=60)
PHONE_PER_HOUR = 5
CALLER_PER_HOUR = 20
HOUR = timedelta(hours=1)
# Rows are kept for the hour the limits look back over, and a day for whoever asks why.
KEPT = timedelta(days=1)

# One message for a wrong, expired, used or void code: the answer tells a guesser nothing.
WRONG_CODE = "the code is wrong or no longer valid; ask for a new one"
_MOBILE = re.compile(r"^1[3-9][0-9]{9}$")


def mobile(phone: str, *, field: str = "phone") -> str:
    """A mainland mobile number (a code goes by SMS), without spaces, dashes or +86."""
    digits = re.sub(r"[\s\-]", "", phone)
    if digits.startswith("+86"):
        digits = digits[3:]
    if not _MOBILE.match(digits):
        raise ValidationFailed("phone must be a mobile number of 11 digits", field=field)
    return digits


def _hash(salt: str, code: str) -> str:
    return hashlib.sha256(f"{salt}:{code}".encode()).hexdigest()


def send_code(
    session: Session,
    phone: str,
    *,
    caller: str,
    by: Actor,
    settings: Settings,
    lang: str | None = None,
) -> int:
    """A new code for `phone`, written to the outbox as an urgent SMS in the caller's
    transaction; how many seconds it is valid. 429 naming `phone` when a limit is reached."""
    require(by, Permission.SELF_SERVICE)
    phone = mobile(phone)
    now = clock.now()
    if on_postgresql(session):
        # Held to the end of the transaction: the address's and the phone's counts with the new
        # row, one request at a time; always the address first (no two requests deadlock).
        for key in (f"verification_code_from:{caller[:64]}", f"verification_code:{phone}"):
            session.execute(
                text("SELECT pg_advisory_xact_lock(hashtextextended(:key, 0))"), {"key": key}
            )
    _refuse_over_limits(session, phone, caller[:64], now)
    code = f"{secrets.randbelow(10**DIGITS):0{DIGITS}d}"
    salt = secrets.token_hex(16)
    session.add(
        VerificationCode(
            phone=phone,
            caller=caller[:64],
            salt=salt,
            code_hash=_hash(salt, code),
            created_at=now,
            expires_at=now + VALID,
            failures=0,
        )
    )
    outbox.write(
        session,
        kind="verification_code",
        variables={"code": code, "minutes": int(VALID.total_seconds() // 60)},
        phone=phone,
        lang=lang,
        urgent=True,
        settings=settings,
    )
    session.execute(delete(_T).where(_T.c.created_at < now - KEPT))
    session.flush()
    return int(VALID.total_seconds())


def _refuse_over_limits(session: Session, phone: str, caller: str, now: datetime) -> None:
    sent = list(
        session.scalars(
            select(_T.c.created_at)
            .where(_T.c.phone == phone, _T.c.created_at > now - HOUR)
            .order_by(_T.c.created_at)
        )
    )
    if sent and sent[-1] > now - PHONE_GAP:
        wait = _seconds(sent[-1] + PHONE_GAP - now)
        raise TooManyRequests(
            f"a code was sent to this phone a moment ago; try again in {wait} seconds",
            field="phone",
            retry_after=wait,
        )
    if len(sent) >= PHONE_PER_HOUR:
        wait = _seconds(sent[len(sent) - PHONE_PER_HOUR] + HOUR - now)
        raise TooManyRequests(
            f"too many codes for this phone this hour; try again in {wait} seconds",
            field="phone",
            retry_after=wait,
        )
    from_caller = session.execute(
        select(func.count(), func.min(_T.c.created_at)).where(
            _T.c.caller == caller, _T.c.created_at > now - HOUR
        )
    ).one()
    if from_caller[0] >= CALLER_PER_HOUR:
        # The oldest of the hour leaves the window first (close enough: one more may follow it).
        wait = _seconds(from_caller[1] + HOUR - now)
        raise TooManyRequests(
            f"too many codes asked from this address; try again in {wait} seconds",
            field="phone",
            retry_after=wait,
        )


def _seconds(span: timedelta) -> int:
    return max(1, -int(-span.total_seconds() // 1))


def use_code(
    session: Session, phone: str, code: str, *, by: Actor, used_for: str | None = None
) -> None:
    """Consume the phone's latest code (an earlier one is superseded). A wrong code is counted
    against it — the caller commits that even though the request is refused — and every
    refusal is the same 422 naming `code`. The same request retried (its `used_for`, an
    Idempotency-Key) passes again with the code it used."""
    require(by, Permission.SELF_SERVICE)
    phone = mobile(phone)
    now = clock.now()
    row = session.execute(
        select(_T.c.id, _T.c.salt, _T.c.code_hash, _T.c.expires_at, _T.c.failures)
        .add_columns(_T.c.used_at, _T.c.used_for)
        .where(_T.c.phone == phone, _T.c.created_at > now - KEPT)
        .order_by(_T.c.id.desc())
        .limit(1)
    ).first()
    if row is None:
        raise ValidationFailed(WRONG_CODE, field="code")
    right = hmac.compare_digest(row.code_hash, _hash(row.salt, code.strip()))
    if right and row.used_at is not None and used_for is not None and row.used_for == used_for:
        return
    live = row.used_at is None and row.failures < MAX_FAILURES and row.expires_at > now
    if not (right and live):
        session.execute(update(_T).where(_T.c.id == row.id).values(failures=_T.c.failures + 1))
        raise ValidationFailed(WRONG_CODE, field="code")
    # Guarded: of two requests with the one code, one uses it.
    done: Any = session.execute(
        update(_T)
        .where(_T.c.id == row.id, _T.c.used_at.is_(None), _T.c.failures < MAX_FAILURES)
        .values(used_at=now, used_for=used_for)
    )
    if done.rowcount != 1:
        raise ValidationFailed(WRONG_CODE, field="code")

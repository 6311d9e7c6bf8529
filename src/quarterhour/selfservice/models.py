"""One row per one-time code sent to a phone: its hash, not the code (codes.py)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from quarterhour.storage.base import Base


class VerificationCode(Base):
    """A code sent to `phone` for `caller` (the address that asked). The rows also count the
    codes sent per phone and per address, for every worker alike (the rate limits)."""

    __tablename__ = "verification_code"
    __table_args__ = (
        Index("ix_verification_code_phone_created_at", "phone", "created_at"),
        Index("ix_verification_code_caller_created_at", "caller", "created_at"),
    )

    id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"), primary_key=True)
    phone: Mapped[str] = mapped_column(String(20))
    caller: Mapped[str] = mapped_column(String(64))
    # SHA-256 of salt + code: a code is six digits, so a stored hash must not be one table
    # lookup away from it; the salt is random per row.
    salt: Mapped[str] = mapped_column(String(32))
    code_hash: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(index=True)
    expires_at: Mapped[datetime]
    # Wrong codes tried against this one; at the limit it is void.
    failures: Mapped[int] = mapped_column(Integer, default=0)
    used_at: Mapped[datetime | None]
    # The Idempotency-Key of the contact it was used for: the same request retried is answered
    # with that contact (the code is used, but it was used for this very request).
    used_for: Mapped[str | None] = mapped_column(String(140))

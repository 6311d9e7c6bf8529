"""One row per (scope, key) that failed recently: an account number on the bill line, an order
number on the status lookup, a caller's address, a username at login (throttle/budget.py)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from quarterhour.storage.base import Base


class FailureBudget(Base):
    """Failed attempts per scope and key (an account, an order, a caller), for every worker."""

    __tablename__ = "failure_budget"

    # What is counted: 'bill', 'bill-from', 'order', 'order-from', 'login', 'login-from'.
    scope: Mapped[str] = mapped_column(String(16), primary_key=True)
    key: Mapped[str] = mapped_column(String(64), primary_key=True)
    # Failures counted in the window that ends at `window_ends`; a failure after that starts
    # a new window. Pruned once both the window and any lock are over.
    failures: Mapped[int] = mapped_column(Integer)
    window_ends: Mapped[datetime] = mapped_column(index=True)
    # Set when the failures reach the budget's limit: until then every attempt is refused.
    locked_until: Mapped[datetime | None]

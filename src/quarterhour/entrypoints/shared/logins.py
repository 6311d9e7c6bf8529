"""A login with its failure budget, for the API and the console alike."""

from __future__ import annotations

from fastapi import Request
from sqlalchemy.orm import Session

from quarterhour.config import Settings
from quarterhour.entrypoints.shared import lookups
from quarterhour.errors import TooManyRequests, Unauthenticated
from quarterhour.kit import clock
from quarterhour.organisation import staff_accounts
from quarterhour.throttle import budget


def guarded_log_in(
    request: Request, session: Session, username: str, password: str
) -> staff_accounts.IssuedToken:
    """A login, refused for a while after repeated failures for the same username or from the
    same address (guessing passwords costs a guesser time, and the server its Argon2 work);
    used alike by the API and the console. The failures are counted in the database, so every
    worker process refuses alike (throttle/budget.py); a failure is committed at once."""
    settings: Settings = request.app.state.settings
    budgets = budget.budgets(settings)
    charges = (
        budget.charge(budgets.login_user, username.strip().lower()),
        budget.charge(budgets.login_caller, lookups.caller_of(request.scope)),
    )
    now = clock.now()
    if budget.locked(session, charges, now):
        raise TooManyRequests("too many failed logins; try again later", field="username")
    try:
        return staff_accounts.log_in(
            session, username, password, ttl_minutes=settings.token_ttl_minutes
        )
    except Unauthenticated:
        session.rollback()
        budget.fail(session, charges, now)
        session.commit()
        raise

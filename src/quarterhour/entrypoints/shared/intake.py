"""受理 as the API and the console's intake desk both commit it."""

from __future__ import annotations

from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from quarterhour.access.actor import Actor
from quarterhour.config import Settings
from quarterhour.workorders import intake
from quarterhour.workorders.schemas import ContactIn


def take_contact_committed(
    session: Session,
    data: ContactIn,
    *,
    by: Actor,
    settings: Settings,
    idempotency_key: str | None,
) -> intake.IntakeResult:
    """受理, committed. The same Idempotency-Key sent twice at once (a retry, a double click):
    the first request wins and the second is answered with its contact. For the API and the
    console's intake desk."""
    try:
        result = intake.take_contact(
            session, data, by=by, settings=settings, idempotency_key=idempotency_key
        )
        session.commit()
    except IntegrityError:
        if idempotency_key is None:
            raise
        session.rollback()
        result = intake.take_contact(
            session, data, by=by, settings=settings, idempotency_key=idempotency_key
        )
    return result

"""The planned outage's notice to every account it cuts off (供电营业规则: notice in writing before a
planned outage; the 7-day rule is the notice's, outages/service.py): written to the outbox with
the notice, set-based, once per notice and account whatever happens (its dedupe key)."""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from quarterhour.customers.models import Account, Customer
from quarterhour.notifications import outbox
from quarterhour.notifications.outbox import Recipient
from quarterhour.outages.models import Outage, OutageNotice, OutageTransformer, PremisesSupply


def planned_outage_notice(session: Session, outage: Outage, notice: OutageNotice) -> int:
    """计划停电通知 to each open account supplied by the outage's 台区 (one read, one write);
    how many accounts."""
    accounts = session.execute(
        select(Account.id, Customer.id, func.coalesce(Account.phone, Customer.phone))
        .select_from(OutageTransformer)
        .join(PremisesSupply, PremisesSupply.transformer_id == OutageTransformer.transformer_id)
        .join(Account, Account.premises_id == PremisesSupply.premises_id)
        .join(Customer, Customer.id == Account.customer_id)
        .where(OutageTransformer.outage_id == outage.id, Account.closed_on.is_(None))
        .order_by(Account.id)
    ).all()
    variables = {
        "area": outage.area or outage.cause,
        "starts_at": f"{notice.starts_at:%Y-%m-%d %H:%M}",
        "ends_at": f"{notice.expected_restoration_at:%Y-%m-%d %H:%M}",
        "reason": outage.cause,
    }
    outbox.write_many(
        session,
        "planned_outage_notice",
        [
            Recipient(
                variables=variables,
                customer_id=customer_id,
                phone=phone,
                outage_id=outage.id,
                account_id=account_id,
                dedupe_key=f"outage-notice:{notice.id}:{account_id}",
            )
            for account_id, customer_id, phone in accounts
            if phone
        ],
    )
    return len(accounts)

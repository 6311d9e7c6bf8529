"""Self-service intake, as the public API and the public page /report both take it: the phone
proven by its one-time code (selfservice/codes.py), then 受理 through the desk's own use case
(workorders/intake.take_contact) by the system actor, channel web or app."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import BaseModel, Field, StringConstraints
from sqlalchemy import select
from sqlalchemy.orm import Session

from quarterhour.access.actor import Actor, system
from quarterhour.config import Settings
from quarterhour.customers.models import Account, Customer
from quarterhour.entrypoints.shared.intake import take_contact_committed
from quarterhour.errors import TooManyRequests, ValidationFailed
from quarterhour.kit import clock
from quarterhour.kit.bounds import NoControl
from quarterhour.notifications import outbox
from quarterhour.selfservice import codes
from quarterhour.throttle import budget
from quarterhour.workorders import intake
from quarterhour.workorders.kinds import AreaClass, Channel, OrderType
from quarterhour.workorders.schemas import (
    Address,
    ContactIn,
    CustomerRef,
    MatterIn,
    Name,
    Phone,
    ShortText,
    Strict,
)

# What a customer may file by himself; the rest (a service request's papers, a misconduct
# report) needs the desk.
SelfOrderType = Literal["fault_repair", "complaint", "consultation"]
SELF_ORDER_TYPES: tuple[str, ...] = ("fault_repair", "complaint", "consultation")
Description = Annotated[
    str, StringConstraints(strip_whitespace=True, min_length=1, max_length=4000), NoControl
]
Code = Annotated[str, StringConstraints(strip_whitespace=True, pattern=r"^[0-9]{6}$")]
AccountNumber = Annotated[str, StringConstraints(strip_whitespace=True, pattern=r"^[0-9]{6,20}$")]
# A key of the client's own, stored behind a prefix: it shares no namespace with the desk's.
IDEMPOTENCY_PREFIX = "selfservice/"
IDEMPOTENCY_MAX_LENGTH = 100
TITLE_LENGTH = 30


def actor() -> Actor:
    return system("selfservice")


class CodeRequest(Strict):
    phone: Phone
    lang: Literal["zh", "en"] | None = Field(default=None, description="the SMS's language")


class CodeSent(BaseModel):
    """Said alike whatever the phone: nothing about whose it is."""

    expires_in: int = Field(description="seconds the code is valid")


class SelfMatter(Strict):
    order_type: SelfOrderType
    title: ShortText | None = Field(default=None, description="default: the description's start")
    description: Description
    account_number: AccountNumber | None = Field(
        default=None, description="户号: used only if it is the phone's customer's"
    )
    address: Address | None = None


class SelfContact(Strict):
    phone: Phone
    code: Code = Field(description="the 6 digits sent by SMS")
    name: Annotated[Name, StringConstraints(min_length=1)]
    matter: SelfMatter
    channel: Literal["web", "app"] = "web"


class SelfOrder(BaseModel):
    number: str
    order_type: str
    status_url: str


class SelfContactOut(BaseModel):
    contact: str = Field(description="the contact's number")
    orders: list[SelfOrder]


def send_code(session: Session, data: CodeRequest, *, caller: str, settings: Settings) -> CodeSent:
    seconds = codes.send_code(
        session, data.phone, caller=caller, by=actor(), settings=settings, lang=data.lang
    )
    session.commit()
    return CodeSent(expires_in=seconds)


def take(
    session: Session,
    data: SelfContact,
    *,
    caller: str,
    settings: Settings,
    idempotency_key: str | None,
) -> intake.IntakeResult:
    """The code used, then 受理 committed with it. A wrong code is committed as counted and
    refused (422 `code`), against the code and against the address it came from, which is
    refused (429 `code`) once it has failed too often (throttle/budget.py); a refused contact
    leaves its code unused, to be sent again fixed."""
    by = actor()
    key = None if idempotency_key is None else IDEMPOTENCY_PREFIX + idempotency_key
    charges = (budget.charge(budget.budgets(settings).code_caller, caller),)
    now = clock.now()
    if budget.locked(session, charges, now):
        raise TooManyRequests(
            "too many wrong codes from this address; try again later", field="code"
        )
    try:
        codes.use_code(session, data.phone, data.code, by=by, used_for=key)
    except ValidationFailed:
        budget.fail(session, charges, now)
        session.commit()  # the wrong try counts, against the code and the address
        raise
    phone = codes.mobile(data.phone)
    matter = data.matter
    account = _own_account(session, matter.account_number, phone)
    kind = OrderType(matter.order_type)
    contact = ContactIn(
        channel=Channel(data.channel),
        customer=CustomerRef(account=account)
        if account is not None
        else CustomerRef(name=data.name, phone=phone, address=matter.address),
        caller_name=data.name,
        caller_phone=phone,
        matters=[
            MatterIn(
                order_type=kind,
                title=matter.title or _title(matter.description),
                description=matter.description,
                address=matter.address,
                # The customer cannot tell the class; the strictest commitment holds until the
                # centre corrects it (a step's area_class).
                area_class=AreaClass.URBAN if kind is OrderType.FAULT_REPAIR else None,
            )
        ],
    )
    return take_contact_committed(session, contact, by=by, settings=settings, idempotency_key=key)


def _title(description: str) -> str:
    line = description.splitlines()[0].strip()
    return line if len(line) <= TITLE_LENGTH else line[: TITLE_LENGTH - 1] + "…"


def _own_account(session: Session, number: str | None, phone: str) -> str | None:
    """The account if it is this phone's customer's; otherwise none, and nothing said."""
    if number is None:
        return None
    found = session.scalar(
        select(Account.number)
        .join(Customer, Customer.id == Account.customer_id)
        .where(Account.number == number, Customer.phone == phone)
    )
    return found


def answer(result: intake.IntakeResult, settings: Settings) -> SelfContactOut:
    return SelfContactOut(
        contact=result.contact.number or "",
        orders=[
            SelfOrder(
                number=number,
                order_type=o.order_type,
                status_url=outbox.status_url(settings, number),
            )
            for o in result.orders
            if (number := o.number or "")
        ],
    )

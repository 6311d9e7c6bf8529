"""One search box over every order and customer (issue 13): "where is my order GD…?".

What was typed decides what is looked for (`classify`): an order number (GD…) or a contact's
number (LD…), the last four digits of a phone, a mobile number, another run of digits (an
account number, 户号, or a landline), or else words — the start of a customer's name, part of an
address (the customer's own or an account's premises) and part of an order's text (its title,
address and description). Orders are found in any state, archived and cancelled included, but
only those the reader may see (`permissions.seen_department`, the one rule).

Each list is one statement whatever the data holds, read through an index on PostgreSQL: the
unique order, contact and account numbers, `ix_customer_phone_last4`, `ix_customer_phone`,
`ix_account_phone`, `ix_work_order_customer_id` / `_account_id`, the trigram indexes on the two
addresses, `ix_customer_name_prefix` for the start of a name and `ix_work_order_text_trgm` for
an order's text (migration 0013). A trigram index cannot serve fewer than three characters
(there is no trigram in them), so shorter words search names only and the answer says so.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from enum import StrEnum
from functools import lru_cache
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Integer,
    Select,
    SQLColumnExpression,
    String,
    bindparam,
    func,
    literal_column,
    select,
    union,
)
from sqlalchemy.orm import Session, aliased

from quarterhour.access.actor import Actor
from quarterhour.access.permissions import Permission, can, require, seen_department
from quarterhour.customers.models import Account, Customer, Premises
from quarterhour.errors import ValidationFailed
from quarterhour.kit import bounds
from quarterhour.kit.masking import mask_name, mask_phone, mask_text
from quarterhour.views.schemas import CustomerHit, OrderHit, SearchOut
from quarterhour.workorders.models import Contact, WorkOrder

MAX_TERM = 64  # characters
MAX_LIMIT = 50
# Part of an address or of an order's text is found through trigrams: three characters at least.
MIN_PART = 3
# Account numbers shown per customer (a company may hold hundreds); the rest are counted.
ACCOUNTS_SHOWN = 5
# Between two account numbers in one row: a control character, which no stored text holds.
_APART = "\x1f"

# An order's text as ix_work_order_text_trgm indexes it (migration 0013): the statement must
# spell the same expression for PostgreSQL to use the index. A test reads the plan.
ORDER_TEXT = literal_column(
    "(work_order.title || ' ' || coalesce(work_order.address, '')"
    " || ' ' || coalesce(work_order.description, ''))",
    String,
)


class Kind(StrEnum):
    ORDER_NUMBER = "order_number"  # GD…: that order
    CONTACT_NUMBER = "contact_number"  # LD…: the orders of that contact
    PHONE_LAST4 = "phone_last4"  # 4 digits: the phone's last four
    MOBILE = "mobile"  # 11 digits from 1: a mobile number (or an account number)
    NUMBER = "number"  # other digits: an account number (户号) or a landline
    WORDS = "words"  # name, address, an order's text


@dataclass(frozen=True)
class Term:
    kind: Kind
    text: str  # as it is matched: numbers upper-cased and without separators


_NUMBERED = re.compile(r"^(GD|LD)\d{8,24}$")
_DIGITS = re.compile(r"^\+?\d{4,20}$")
_SEPARATORS = re.compile(r"[\s\-]")


def classify(q: str) -> Term:
    """What the typed text is taken for (no database needed)."""
    typed = q.strip()
    if not typed:
        raise ValidationFailed("q: type an order number, a phone, an account, a name…", field="q")
    if len(typed) > MAX_TERM:
        raise ValidationFailed(f"q: at most {MAX_TERM} characters", field="q")
    bounds.check_text(typed, field="q")
    # Full-width digits and letters (an input method's １３９…, ＧＤ…) read as their ASCII.
    compact = _SEPARATORS.sub("", unicodedata.normalize("NFKC", typed)).upper()
    if _NUMBERED.match(compact):
        kind = Kind.ORDER_NUMBER if compact.startswith("GD") else Kind.CONTACT_NUMBER
        return Term(kind, compact)
    if compact.isascii() and _DIGITS.match(compact):
        if len(compact) == 4:
            return Term(Kind.PHONE_LAST4, compact)
        if len(compact) == 11 and compact.startswith("1"):
            return Term(Kind.MOBILE, compact)
        return Term(Kind.NUMBER, compact)
    return Term(Kind.WORDS, typed)


def search(session: Session, q: str, *, by: Actor, limit: int = 20) -> SearchOut:
    """Orders (newest first) and customers (in the order they were registered) for what was
    typed: one statement per list, at most `limit` of each (and whether there are more)."""
    sees_orders = can(by, Permission.VIEW_ORDERS)
    # Either right opens the box; each list is read only by who may see it.
    require(by, Permission.VIEW_ORDERS if sees_orders else Permission.VIEW_CUSTOMERS)
    sees_customers = can(by, Permission.VIEW_CUSTOMERS)
    if not 1 <= limit <= MAX_LIMIT:
        raise ValidationFailed(f"limit: from 1 to {MAX_LIMIT}", field="limit")
    term = classify(q)
    parts = term.kind is not Kind.WORDS or len(term.text) >= MIN_PART
    # Whose orders the reader sees: the one rule (a department's handler, his department's).
    department = seen_department(by)
    values = _values(term, limit + 1)
    orders: list[OrderHit] = []
    customers: list[CustomerHit] = []
    if sees_orders and (statement := _orders(term.kind, parts, department)) is not None:
        orders = [_order_hit(row) for row in session.execute(statement, values)]
    if sees_customers and (statement := _customers(term.kind, parts)) is not None:
        customers = [_customer_hit(row) for row in session.execute(statement, values)]
    return SearchOut(
        kind=term.kind,
        orders=orders[:limit],
        more_orders=len(orders) > limit,
        customers=customers[:limit],
        more_customers=len(customers) > limit,
        parts_searched=parts,
        orders_searched=sees_orders,
        customers_searched=sees_customers,
        own_department_only=sees_orders and department is not None,
    )


# --- the statements: built once per shape (what kind of term, whose orders), cached -----------
# Building a statement with its subqueries and unions costs more than running it; the values
# come with each execution (_values).


def _values(term: Term, limit: int) -> dict[str, Any]:
    escaped = term.text.replace("/", "//").replace("%", "/%").replace("_", "/_")
    return {
        "term": term.text,
        "part": f"%{escaped}%",  # part of a text: what was typed, its wildcards escaped
        "prefix": f"{escaped}%",  # the start of a name
        "limit": limit,
    }


def _like(column: SQLColumnExpression[Any], name: str) -> ColumnElement[bool]:
    """`column LIKE :name ESCAPE '/'`, the pattern written into the statement when it runs
    (`literal_execute`, quoted by the dialect; the text has no control characters).

    PostgreSQL then plans each search for its own pattern. A parameter would do as well until
    psycopg prepares a statement run five times and PostgreSQL settles on a generic plan, which
    cannot know whether a pattern is rare (read the trigram index) or common (read the newest
    orders until enough match): one wrong guess reads every order."""
    return column.like(bindparam(name, type_=String, literal_execute=True), escape="/")


_Statement = Select[*tuple[Any, ...]]
_TERM = bindparam("term", type_=String)
_LIMIT = bindparam("limit", type_=Integer)
# Each subquery names its own tables, so none is folded into (correlated with) the outer query.
_CALLER = aliased(Customer, name="caller")
_HOLDER = aliased(Account, name="holder")
_ABOUT = aliased(Account, name="about")
_SERVED = aliased(Premises, name="served")


def _owners() -> Any:
    """Customers whose phone is the term, or who hold an account with that phone or number."""
    return union(
        select(_CALLER.id).where(_CALLER.phone == _TERM),
        select(_HOLDER.customer_id).where(_HOLDER.phone == _TERM),
        select(_HOLDER.customer_id).where(_HOLDER.number == _TERM),
    )


@lru_cache(maxsize=128)
def _orders(kind: Kind, parts: bool, department: int | None) -> _Statement | None:
    base = select(
        WorkOrder.id,
        WorkOrder.number,
        WorkOrder.order_type,
        WorkOrder.subtype,
        WorkOrder.title,
        WorkOrder.state,
        WorkOrder.department_id,
        WorkOrder.accepted_at,
        WorkOrder.address,
        Customer.name,
        Customer.phone,
    ).join(Customer, Customer.id == WorkOrder.customer_id)
    if department is not None:
        base = base.where(WorkOrder.department_id == department)
    conditions: list[ColumnElement[bool]]
    if kind is Kind.ORDER_NUMBER:
        conditions = [WorkOrder.number == _TERM]
    elif kind is Kind.CONTACT_NUMBER:
        conditions = [
            WorkOrder.contact_id
            == select(Contact.id).where(Contact.number == _TERM).scalar_subquery()
        ]
    elif kind is Kind.PHONE_LAST4:
        conditions = [
            WorkOrder.customer_id.in_(select(_CALLER.id).where(_CALLER.phone_last4 == _TERM))
        ]
    elif kind in (Kind.MOBILE, Kind.NUMBER):
        # The orders of whoever has that phone or account, and those about that account (an
        # account number names one account at most: uq_account_number).
        about = select(_ABOUT.id).where(_ABOUT.number == _TERM).scalar_subquery()
        conditions = [WorkOrder.customer_id.in_(_owners()), WorkOrder.account_id == about]
    elif parts:
        conditions = [_like(ORDER_TEXT, "part")]
    else:
        return None
    if len(conditions) == 1:
        return _newest(base.where(conditions[0]))
    # Each condition its own index lookup, cut at the page, then the newest of them: an OR of
    # the two would read every order.
    branches = [_newest(base.where(condition)).subquery() for condition in conditions]
    both = union(*(select(branch) for branch in branches)).subquery("found")
    return select(both).order_by(both.c.accepted_at.desc(), both.c.id.desc()).limit(_LIMIT)


def _newest(query: _Statement) -> _Statement:
    return query.order_by(WorkOrder.accepted_at.desc(), WorkOrder.id.desc()).limit(_LIMIT)


@lru_cache(maxsize=16)
def _customers(kind: Kind, parts: bool) -> _Statement | None:
    # (the customer id a branch yields, the branch)
    branches: list[tuple[SQLColumnExpression[int], _Statement]]
    if kind is Kind.PHONE_LAST4:
        branches = [(_CALLER.id, select(_CALLER.id).where(_CALLER.phone_last4 == _TERM))]
    elif kind in (Kind.MOBILE, Kind.NUMBER):
        owner = _owners().subquery("owner")
        branches = [(owner.c.id, select(owner.c.id))]
    elif kind is Kind.WORDS:
        branches = [(_CALLER.id, select(_CALLER.id).where(_like(_CALLER.name, "prefix")))]
        if parts:
            served = _HOLDER.customer_id
            branches += [
                (_CALLER.id, select(_CALLER.id).where(_like(_CALLER.address, "part"))),
                (
                    served,
                    select(served)
                    .join(_SERVED, _SERVED.id == _HOLDER.premises_id)
                    .where(_like(_SERVED.address, "part")),
                ),
            ]
    else:  # an order's or a contact's number names orders, not customers
        return None
    # Each branch cut at the page in customer order, so that a common word (合肥市: every
    # address) stops early instead of gathering every match; the first of them all follow.
    cut = [query.order_by(key).limit(_LIMIT).subquery() for key, query in branches]
    matched = union(*(select(*branch.c) for branch in cut)) if len(cut) > 1 else select(*cut[0].c)
    found = (
        select(Customer.id)
        .where(Customer.id.in_(matched))
        .order_by(Customer.id)
        .limit(_LIMIT)
        .subquery("found")
    )
    # Their accounts in the same statement: one row per customer, the numbers joined.
    return (
        select(
            Customer.id,
            Customer.name,
            Customer.phone,
            Customer.address,
            Customer.district_id,
            func.aggregate_strings(Account.number, _APART),
        )
        .join(found, found.c.id == Customer.id)
        .outerjoin(Account, Account.customer_id == Customer.id)
        .group_by(
            Customer.id, Customer.name, Customer.phone, Customer.address, Customer.district_id
        )
        .order_by(Customer.id)
    )


def _order_hit(row: Any) -> OrderHit:
    return OrderHit(
        id=row[0],
        number=row[1] or "",
        order_type=row[2],
        subtype=row[3],
        # Callers dictate phone numbers into titles; lists never show them whole.
        title=mask_text(row[4]),
        state=row[5],
        department_id=row[6],
        accepted_at=row[7],
        address=row[8],
        customer_name=mask_name(row[9]),
        customer_phone=mask_phone(row[10]),
    )


def _customer_hit(row: Any) -> CustomerHit:
    numbers = sorted(row[5].split(_APART)) if row[5] else []
    return CustomerHit(
        id=row[0],
        name=mask_name(row[1]) or "",
        phone=mask_phone(row[2]),
        address=row[3],
        district_id=row[4],
        accounts=numbers[:ACCOUNTS_SHOWN],
        more_accounts=max(len(numbers) - ACCOUNTS_SHOWN, 0),
    )

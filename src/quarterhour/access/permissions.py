"""The one permission layer: every use case checks its actor here (`require`); entrypoints
only ask `can` to decide what to show.

Lifecycle moves carry their own roles (workorders.lifecycle); everything else is a Permission.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from quarterhour.access.actor import Actor, Role
from quarterhour.errors import Forbidden
from quarterhour.storage.one_write import is_write


class Permission(StrEnum):
    TAKE_CONTACT = "take_contact"
    VIEW_ORDERS = "view_orders"
    VIEW_ALL_ORDERS = "view_all_orders"  # beyond one's own department
    VIEW_FULL_PHONE = "view_full_phone"  # any caller's, to call back; logged every time
    VIEW_ORDER_PHONE = "view_order_phone"  # the caller of an open order one handles; logged
    VIEW_CUSTOMERS = "view_customers"
    VIEW_STATS = "view_stats"
    VIEW_PROGRAMME = "view_programme"
    MANAGE_PROGRAMME = "manage_programme"
    MANAGE_STAFF = "manage_staff"
    MANAGE_ORGANISATION = "manage_organisation"  # departments, districts, routing rules
    MANAGE_POLICIES = "manage_policies"  # time limits
    MANAGE_CALENDAR = "manage_calendar"
    RUN_SWEEP = "run_sweep"
    VIEW_ADMIN_WARNINGS = "view_admin_warnings"
    RECORD_PAYMENT = "record_payment"  # at the business hall's counter
    MANAGE_TARIFFS = "manage_tariffs"
    RUN_BILLING = "run_billing"  # start a month's bill run from the console
    IMPORT_RECORDS = "import_records"  # customer, meter, reading and payment files
    VOID_READING = "void_reading"  # set a wrong meter reading aside (it stays in the history)
    SPLIT_METER = "split_meter"  # 分户装表 on site: a new meter and account from a shared meter
    # Decide on a month the bill run held: accept it, correct a reading, or void one.
    REVIEW_READINGS = "review_readings"
    EXPORT_LISTS = "export_lists"  # a list as CSV or XLSX
    VIEW_BILLING = "view_billing"  # the bill runs and the readings held for review
    VIEW_OUTAGES = "view_outages"  # outages and the supply network (线路, 台区) of a premises
    MANAGE_OUTAGES = "manage_outages"  # declare, announce, start, restore, cancel an outage
    VIEW_CREWS = "view_crews"  # repair crews, their roster, status and vehicles; which to send
    MANAGE_CREWS = "manage_crews"  # crews, their members and vehicles
    ROSTER_CREWS = "roster_crews"  # the crews' duty roster
    REPORT_CREW = "report_crew"  # a crew's status and position (a crew member: his own crew)
    # Send a crew to a repair order or an outage, withdraw it, enter its steps called in by radio.
    DISPATCH_CREWS = "dispatch_crews"
    # The background jobs of every kind: watch them, retry a dead one, cancel a queued one.
    MANAGE_JOBS = "manage_jobs"
    # A text from a customer through the SMS gateway's signed webhook (the system, no role).
    RECEIVE_SMS = "receive_sms"
    # The texts of the messages to customers, and the webhook endpoints that hear of events.
    MANAGE_MESSAGES = "manage_messages"
    # A customer's channels, e-mail address, language and refused kinds of message.
    SET_CONTACT_PREFERENCES = "set_contact_preferences"
    # A customer's own intake on the public page and API: one-time codes sent and used. Only
    # the system actor (system("selfservice")) acts for him; no staff role needs it.
    SELF_SERVICE = "self_service"


_A = Role.DUTY_AGENT
_D = Role.DISPATCHER
_H = Role.HANDLER
_F = Role.FOLLOW_UP_AGENT
_S = Role.SUPERVISOR
_ADMIN = Role.ADMIN

GRANTS: dict[Permission, frozenset[Role]] = {
    Permission.TAKE_CONTACT: frozenset({_A, _D}),
    Permission.VIEW_ORDERS: frozenset({_A, _D, _H, _F, _S}),
    Permission.VIEW_ALL_ORDERS: frozenset({_A, _D, _F, _S}),
    # The desk, the centre and the follow-up agents call any caller back; a department's handler
    # (a business hall, a repair crew) only the caller of an open order of his own department.
    Permission.VIEW_FULL_PHONE: frozenset({_A, _D, _F}),
    Permission.VIEW_ORDER_PHONE: frozenset({_H}),
    Permission.VIEW_CUSTOMERS: frozenset({_A, _D, _H, _F, _S}),
    Permission.VIEW_STATS: frozenset({_D, _S, _ADMIN}),
    Permission.VIEW_PROGRAMME: frozenset({_A, _D, _S, _ADMIN}),
    Permission.MANAGE_PROGRAMME: frozenset({_S, _ADMIN}),
    Permission.MANAGE_STAFF: frozenset({_ADMIN}),
    Permission.MANAGE_ORGANISATION: frozenset({_ADMIN}),
    Permission.MANAGE_POLICIES: frozenset({_ADMIN}),
    Permission.MANAGE_CALENDAR: frozenset({_ADMIN}),
    Permission.RUN_SWEEP: frozenset({_S, _ADMIN}),
    Permission.VIEW_ADMIN_WARNINGS: frozenset({_S, _ADMIN}),
    Permission.RECORD_PAYMENT: frozenset({_H}),
    Permission.MANAGE_TARIFFS: frozenset({_ADMIN}),
    Permission.RUN_BILLING: frozenset({_ADMIN}),
    Permission.IMPORT_RECORDS: frozenset({_ADMIN}),
    Permission.VOID_READING: frozenset({_ADMIN}),
    # The department that fits the meter (a business hall's metering team) records it; the
    # order's step is checked by the lifecycle (record_progress, the order's own department).
    Permission.SPLIT_METER: frozenset({_H}),
    # The business halls' and the metering centre's staff (handlers) read meters and take
    # payments: they know whether a jump is real; the administrators run the bills.
    Permission.REVIEW_READINGS: frozenset({_H, _ADMIN}),
    Permission.EXPORT_LISTS: frozenset({_A, _D, _H, _F, _S, _ADMIN}),
    # Those who answer customers, and those who run the bills.
    Permission.VIEW_BILLING: frozenset({_A, _D, _H, _F, _S, _ADMIN}),
    # Whoever answers a caller needs to know his street is out; crews see where they work.
    Permission.VIEW_OUTAGES: frozenset({_A, _D, _H, _F, _S, _ADMIN}),
    # The service centre keeps the outage register (it hears of faults first and publishes the
    # planned ones the operations side sends it); administrators correct it.
    Permission.MANAGE_OUTAGES: frozenset({_D, _ADMIN}),
    # The service centre sends the crews; supervisors watch them; administrators set them up.
    Permission.VIEW_CREWS: frozenset({_D, _S, _ADMIN}),
    Permission.MANAGE_CREWS: frozenset({_ADMIN}),
    Permission.ROSTER_CREWS: frozenset({_D, _ADMIN}),
    # The dispatcher on the radio, or the crew from its phone (crews/service: its own crew only).
    Permission.REPORT_CREW: frozenset({_D, _H, _ADMIN}),
    # The service centre sends the crews (派单), a supervisor may step in.
    Permission.DISPATCH_CREWS: frozenset({_D, _S}),
    Permission.MANAGE_JOBS: frozenset({_ADMIN}),
    Permission.RECEIVE_SMS: frozenset(),
    Permission.MANAGE_MESSAGES: frozenset({_ADMIN}),
    # Whoever is on the phone with customers hears what they want (退订, another language);
    # administrators correct it.
    Permission.SET_CONTACT_PREFERENCES: frozenset({_A, _D, _F, _ADMIN}),
    Permission.SELF_SERVICE: frozenset(),
}

# A repair crew (a handler of a repair department, Actor.is_crew) works its jobs on site from a
# phone: the office's spreadsheets and the billing desk are not its work, whatever its role.
NOT_FOR_CREWS: frozenset[Permission] = frozenset(
    {Permission.EXPORT_LISTS, Permission.VIEW_BILLING, Permission.REVIEW_READINGS}
)


def can(actor: Actor, permission: Permission) -> bool:
    # The system actor (the command line on the server, the sweep, the demo, workers) is as
    # trusted as whoever may run those: it holds every permission, but no lifecycle move's role.
    if actor.is_system:
        return True
    if actor.is_crew and permission in NOT_FOR_CREWS:
        return False
    return actor.role in GRANTS[permission]


def require(actor: Actor, permission: Permission) -> None:
    if not can(actor, permission):
        raise Forbidden(f"role {actor.role} may not {permission}", permission=str(permission))
    checked(str(permission))


# --- every write behind a check ---------------------------------------------------------------
# A request is one scope (entrypoints.app); each permission check passed in it is noted, and a
# statement that writes while nothing has been checked is refused (UncheckedWrite, a 500 that
# names the statement): a new way into a use case that forgot its guard fails loudly in the
# test suite, never silently in production. Open use cases (logging in, the public lookups,
# their failure budgets) say so with `anyone(reason)`.


class UncheckedWrite(RuntimeError):
    """A write reached the database in a request in which no permission was checked."""


@dataclass
class _Scope:
    checks: list[str]


_scope: ContextVar[_Scope | None] = ContextVar("permission_scope", default=None)


@contextmanager
def use_case_scope() -> Iterator[_Scope]:
    """One request's checks. The scope object is shared by reference, so a check made on a
    worker thread (FastAPI runs sync routes and dependencies there, on copies of the context)
    counts for the whole request."""
    scope = _Scope(checks=[])
    token = _scope.set(scope)
    try:
        yield scope
    finally:
        _scope.reset(token)


def checked(what: str) -> None:
    """Note a check that passed (require does; so do the lifecycle's role checks)."""
    if (scope := _scope.get()) is not None:
        scope.checks.append(what)


def anyone(reason: str) -> None:
    """A use case open to everyone, named: a login, a logout, a public lookup and its failure
    budget, the console's own session."""
    checked(f"anyone: {reason}")


def refuse_unchecked_write(
    conn: Any, cursor: Any, statement: str, parameters: Any, context: Any, executemany: bool
) -> None:
    """SQLAlchemy's before_cursor_execute listener (installed by entrypoints.app). A write is
    what the one-write check calls one (storage.one_write.is_write: a row lock is no write)."""
    scope = _scope.get()
    if scope is not None and not scope.checks and is_write(statement):
        raise UncheckedWrite(
            "a write without a permission check in this request: "
            + " ".join(statement.split())[:120]
        )


def seen_department(actor: Actor) -> int | None:
    """The one rule for whose orders an actor sees, wherever orders are shown (queues, the
    customer view, the desk, an order's page, exports): None for every department's; otherwise
    the one department whose orders he sees (-1, none, for a handler without a department)."""
    if can(actor, Permission.VIEW_ALL_ORDERS):
        return None
    if can(actor, Permission.VIEW_ORDERS) and actor.department_id is not None:
        return actor.department_id
    return -1


def can_see_order(actor: Actor, department_id: int | None) -> bool:
    seen = seen_department(actor)
    return seen is None or (department_id is not None and department_id == seen)


def require_see_order(actor: Actor, department_id: int | None) -> None:
    if not can_see_order(actor, department_id):
        raise Forbidden("this order belongs to another department", permission="view_orders")
    checked("see_order")


def can_reveal_caller(actor: Actor, department_id: int | None, *, is_open: bool) -> bool:
    """Whether an order's caller may be shown whole to this actor (his number, the free text):
    anyone who calls callers back, or the handler of the order's own department while the
    order is open."""
    if can(actor, Permission.VIEW_FULL_PHONE):
        return True
    return (
        is_open and can(actor, Permission.VIEW_ORDER_PHONE) and can_see_order(actor, department_id)
    )

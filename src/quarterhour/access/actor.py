"""Who is acting: a small snapshot of a staff member, or the system itself, passed from
entrypoints into every use case, which checks it (access.permissions)."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from quarterhour.errors import Forbidden


class Role(StrEnum):
    DUTY_AGENT = "duty_agent"  # 值班员 / 坐席
    DISPATCHER = "dispatcher"  # 客户服务中心
    HANDLER = "handler"  # 部门处理人 (a repair crew member is a handler of a repair department)
    FOLLOW_UP_AGENT = "follow_up_agent"  # 回访员 / 窗口人员
    SUPERVISOR = "supervisor"  # 管理人员
    ADMIN = "admin"  # 系统管理员
    # Not a person: the command line on the server, the deadline sweep, the demo, background
    # workers. Never stored on a staff row (staff.role's check constraint leaves it out).
    SYSTEM = "system"


# organisation.DepartmentKind.REPAIR, which this layer may not import (tests/access check they
# agree).
CREW_DEPARTMENT_KIND = "repair"

STAFF_ROLES: tuple[Role, ...] = tuple(r for r in Role if r is not Role.SYSTEM)


@dataclass(frozen=True)
class Actor:
    id: int | None  # the staff member; None for the system
    username: str
    role: Role
    department_id: int | None
    full_name: str = ""
    # The kind of the staff member's department (organisation.DepartmentKind's value): a
    # handler of a repair department is a crew on site, named and served as one.
    department_kind: str | None = None

    @property
    def is_system(self) -> bool:
        return self.role is Role.SYSTEM

    @property
    def is_crew(self) -> bool:
        """A repair crew member: a handler of a repair department (still Role.HANDLER for the
        lifecycle's moves)."""
        return self.role is Role.HANDLER and self.department_kind == CREW_DEPARTMENT_KIND

    @property
    def person_id(self) -> int:
        """The staff member, for what only a person can be (on a roster, an order's assignee)."""
        if self.id is None:
            raise Forbidden(f"{self.username} is not a staff member", permission="staff")
        return self.id


def system(purpose: str) -> Actor:
    """The actor of work nobody signed in for; `purpose` says which ("cli", "sweep", "demo",
    "worker") and is what history shows for it."""
    return Actor(id=None, username=f"system:{purpose}", role=Role.SYSTEM, department_id=None)

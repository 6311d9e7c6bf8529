"""Who is acting: a small snapshot of a staff member, passed from entrypoints into services."""

from __future__ import annotations

from dataclasses import dataclass

from quarterhour.organisation.models import Role


@dataclass(frozen=True)
class Actor:
    id: int
    username: str
    role: Role
    department_id: int | None
    full_name: str = ""

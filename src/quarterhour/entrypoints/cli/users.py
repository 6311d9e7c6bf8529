from __future__ import annotations

import typer
from rich.table import Table

from quarterhour.access.actor import Role, system
from quarterhour.entrypoints.cli.common import console, transaction
from quarterhour.kit.masking import mask_phone
from quarterhour.organisation import staff_accounts
from quarterhour.organisation.models import Staff

app = typer.Typer(
    help="Staff accounts (run on the server: acts as the administrator).", no_args_is_help=True
)


@app.command("add")
def add(
    username: str,
    full_name: str = typer.Option(..., "--name"),
    role: Role = typer.Option(..., "--role"),
    department_id: int | None = typer.Option(None, "--department"),
    phone: str | None = typer.Option(None, "--phone"),
    password: str = typer.Option(..., prompt=True, hide_input=True, confirmation_prompt=True),
) -> None:
    """Create a staff member."""
    with transaction() as session:
        staff = staff_accounts.create_staff(
            session,
            by=system("cli"),
            username=username,
            full_name=full_name,
            role=role,
            password=password,
            department_id=department_id,
            phone=phone,
        )
        console.print(f"created {staff.username} ({staff.role}), id {staff.id}")


@app.command("passwd")
def passwd(
    username: str,
    password: str = typer.Option(..., prompt=True, hide_input=True, confirmation_prompt=True),
) -> None:
    """Set a staff member's password (their tokens are revoked)."""
    with transaction() as session:
        staff_accounts.set_password(session, by=system("cli"), username=username, password=password)
    console.print(f"password of {username} changed")


@app.command("disable")
def disable(username: str) -> None:
    """Disable an account and revoke its tokens."""
    with transaction() as session:
        staff_accounts.set_active(session, by=system("cli"), username=username, active=False)
    console.print(f"{username} disabled")


@app.command("enable")
def enable(username: str) -> None:
    with transaction() as session:
        staff_accounts.set_active(session, by=system("cli"), username=username, active=True)
    console.print(f"{username} enabled")


@app.command("list")
def list_users() -> None:
    from sqlalchemy import select

    with transaction() as session:
        table = Table("id", "username", "name", "role", "department", "phone", "active")
        for s in session.scalars(select(Staff).order_by(Staff.id)):
            table.add_row(
                str(s.id),
                s.username,
                s.full_name,
                s.role,
                str(s.department_id or ""),
                mask_phone(s.phone) or "",
                "yes" if s.is_active else "no",
            )
    console.print(table)

"""Every way in is guarded: each public function of the areas that writes (itself or through
what it calls) takes an Actor and checks it, and no entrypoint checks roles itself.

Read from the source (no function has to be called to be seen), so a new use case cannot be
forgotten. The runtime half — a request's write before any check is refused — is
`access.permissions.refuse_unchecked_write`, on in every test that makes a request.
"""

from __future__ import annotations

import ast
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import Engine, update
from sqlalchemy.orm import Session

from quarterhour.access import permissions
from quarterhour.access.actor import system
from quarterhour.access.permissions import Permission, UncheckedWrite, use_case_scope
from quarterhour.organisation.models import Staff

PACKAGE = Path(__file__).resolve().parents[2] / "src" / "quarterhour"
# Not areas with use cases: plumbing below them, the entrypoints above (which pass actors on),
# the demo (which acts as the system) and the migrations.
SKIPPED = {"kit", "storage", "migrations", "entrypoints", "demo"}
WRITES = {"add", "add_all", "delete", "merge"}
_WRITE_WORDS = ("insert(", "update(", "delete(", "INSERT ", "UPDATE ", "DELETE ")
CHECKS = {"require", "require_see_order", "anyone", "checked"}

# Public functions that write without an actor of their own, and why that is right.
NOT_USE_CASES = {
    # The failure budget is charged by whoever asks: it marks itself as open (anyone()).
    "throttle.budget.fail": "open to everyone, marked with anyone()",
    "throttle.budget.prune": "housekeeping inside fail()",
    # Logging in and out are how an actor comes to be.
    "organisation.staff_accounts.log_in": "the password is the check; marked with anyone()",
    "organisation.staff_accounts.log_out": "the token is its own right; marked with anyone()",
    # Reference data written once, by the system, when a database is made or a rule shipped.
    "billing.late_fees.ensure_default_rules": "shipped rules, stored by the system at install",
    # A worker's bookkeeping of the job it holds: no request reaches these, and each write is
    # guarded by the worker's lease (locked_by). Who may ask for a job is checked by enqueue().
    "jobs.service.claim": "a worker takes the oldest due job; no request reaches it",
    "jobs.service.renew": "the holder extends its lease (guarded by locked_by)",
    "jobs.service.finish": "the holder records the outcome (guarded by locked_by)",
    "jobs.service.enqueue_scheduled": "a worker's scheduler, once per slot (unique key)",
    # The outbox's sender loop runs in the worker process as the system; a gateway's delivery
    # report is checked by its HMAC signature (the route verifies it before calling).
    "notifications.sending.send_due": "the worker's sender loop, run by the system",
    "notifications.sending.record_delivery": "a gateway's signed report: the signature is the check",
}


@dataclass
class Function:
    module: str
    name: str
    node: ast.FunctionDef
    imports: dict[str, str] = field(default_factory=dict)  # local name → module or module.name
    statements: set[str] = field(default_factory=set)  # the module's prepared write statements

    @property
    def qualname(self) -> str:
        return f"{self.module}.{self.name}"


def _module_name(path: Path) -> str:
    return ".".join(path.relative_to(PACKAGE).with_suffix("").parts)


def _functions() -> dict[str, Function]:
    found: dict[str, Function] = {}
    for path in sorted(PACKAGE.rglob("*.py")):
        module = _module_name(path)
        if module.split(".")[0] in SKIPPED:
            continue
        tree = ast.parse(path.read_text(encoding="utf-8"))
        imports: dict[str, str] = {}
        for node in tree.body:
            if isinstance(node, ast.ImportFrom) and (node.module or "").startswith("quarterhour"):
                base = (node.module or "").removeprefix("quarterhour.")
                for alias in node.names:
                    imports[alias.asname or alias.name] = f"{base}.{alias.name}"
        statements = {
            target.id
            for node in tree.body
            if isinstance(node, ast.Assign | ast.AnnAssign)
            and node.value is not None
            and any(w in ast.unparse(node.value) for w in _WRITE_WORDS)
            for target in (node.targets if isinstance(node, ast.Assign) else [node.target])
            if isinstance(target, ast.Name)
        }
        for node in tree.body:
            if isinstance(node, ast.FunctionDef):
                found[f"{module}.{node.name}"] = Function(
                    module, node.name, node, imports, statements
                )
    return found


def _callees(fn: Function, known: dict[str, Function]) -> set[str]:
    out = set()
    for node in ast.walk(fn.node):
        if not isinstance(node, ast.Call):
            continue
        target = node.func
        if isinstance(target, ast.Name):
            name = fn.imports.get(target.id, f"{fn.module}.{target.id}")
        elif isinstance(target, ast.Attribute) and isinstance(target.value, ast.Name):
            base = fn.imports.get(target.value.id)
            name = f"{base}.{target.attr}" if base else ""
        else:
            continue
        if name in known:
            out.add(name)
    return out


def _writes_itself(fn: Function) -> bool:
    for node in ast.walk(fn.node):
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute):
            owner = node.func.value
            is_session = isinstance(owner, ast.Name) and owner.id == "session"
            if is_session and node.func.attr in WRITES:
                return True
            if is_session and node.func.attr == "execute" and node.args:
                first = node.args[0]
                if any(word in ast.unparse(first) for word in _WRITE_WORDS):
                    return True
                names = {n.id for n in ast.walk(first) if isinstance(n, ast.Name)}
                if names & fn.statements:
                    return True
    return False


def _checks(fn: Function) -> bool:
    for node in ast.walk(fn.node):
        if not isinstance(node, ast.Call):
            continue
        name = node.func.attr if isinstance(node.func, ast.Attribute) else ""
        name = node.func.id if isinstance(node.func, ast.Name) else name
        if name in CHECKS:
            return True
        if any(k.arg == "by" for k in node.keywords):  # handed on to a use case that checks
            return True
    return False


def _takes_actor(fn: Function) -> bool:
    args = fn.node.args.args + fn.node.args.kwonlyargs
    return any(a.arg == "by" and ast.unparse(a.annotation or ast.Name("")) == "Actor" for a in args)


def _writers(known: dict[str, Function]) -> set[str]:
    writes = {q for q, fn in known.items() if _writes_itself(fn)}
    calls = {q: _callees(fn, known) for q, fn in known.items()}
    grew = True
    while grew:
        grew = False
        for q in known:
            if q not in writes and calls[q] & writes:
                writes.add(q)
                grew = True
    return writes


def _entrypoint_calls(known: dict[str, Function]) -> dict[str, set[str]]:
    """What each entrypoint module (API, console, CLI, app) calls in the areas, wherever in it."""
    out = {}
    for path in sorted((PACKAGE / "entrypoints").rglob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        module = _module_name(path)
        imports: dict[str, str] = {}
        for node in ast.walk(tree):
            if isinstance(node, ast.ImportFrom) and (node.module or "").startswith("quarterhour"):
                base = (node.module or "").removeprefix("quarterhour.")
                for alias in node.names:
                    imports[alias.asname or alias.name] = f"{base}.{alias.name}"
        whole = ast.FunctionDef(
            name="<module>", args=ast.arguments([], [], None, [], [], None, []), body=tree.body
        )
        out[module] = _callees(Function(module, "<module>", whole, imports), known)
    return out


def _unguarded_reach(known: dict[str, Function]) -> list[str]:
    """Writes an entrypoint reaches without passing a function that takes an Actor and checks
    it: from each call an entrypoint makes, through what it calls, stopping at a guard."""
    writers = _writers(known)
    guarded = {q for q, fn in known.items() if _takes_actor(fn) and _checks(fn)}
    calls = {q: _callees(fn, known) for q, fn in known.items()}
    # Public writers nobody in the package calls are ways in too (a script, a new route).
    called = set().union(*calls.values())
    roots = {f"(unused) {q}": {q} for q in writers if q not in called and "._" not in q}
    found = []
    for root, starts in {**_entrypoint_calls(known), **roots}.items():
        seen: set[str] = set()
        todo = [q for q in starts if q in writers]
        while todo:
            q = todo.pop()
            if q in seen or q in guarded or q in NOT_USE_CASES:
                continue
            seen.add(q)
            if _writes_itself(known[q]) or not (calls[q] & writers):
                found.append(f"{root} -> {q}")
            todo.extend(c for c in calls[q] if c in writers)
    return sorted(set(found))


def test_no_way_in_reaches_a_write_without_a_check() -> None:
    known = _functions()
    assert len(_writers(known)) > 40, "the walk should see the areas' use cases"
    assert _unguarded_reach(known) == []


def test_the_exemptions_are_still_real() -> None:
    known = _functions()
    writers = _writers(known)
    assert sorted(q for q in NOT_USE_CASES if q not in writers) == []


def test_no_entrypoint_checks_roles_itself() -> None:
    """Routes and commands pass the actor on; the use case checks (a page may only decide
    what it shows, with can() or render.offered_to)."""
    offenders = []
    for path in sorted((PACKAGE / "entrypoints").rglob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if isinstance(node, ast.Call):
                name = ast.unparse(node.func)
                if name.split(".")[-1] in {"require", "require_see_order"}:
                    offenders.append(f"{path.relative_to(PACKAGE)}:{node.lineno} {name}")
    assert offenders == []


def test_a_write_before_any_check_is_refused_in_a_request(app: FastAPI, engine: Engine) -> None:
    """The runtime half, through a real request: a route that forgot its use case's check
    fails loudly and writes nothing; the same write after a check goes through."""

    def write(checked_first: bool) -> dict[str, int]:
        with Session(engine) as session:
            if checked_first:
                permissions.require(system("test"), Permission.MANAGE_STAFF)
            session.execute(update(Staff).where(Staff.id == -1).values(full_name="x"))
            session.commit()
        return {"ok": 1}

    app.add_api_route("/test/unchecked", lambda: write(False), methods=["POST"])
    app.add_api_route("/test/checked", lambda: write(True), methods=["POST"])
    with TestClient(app, raise_server_exceptions=False) as client:
        assert client.post("/test/unchecked").status_code == 500
        assert client.post("/test/checked").json() == {"ok": 1}
        assert client.get("/healthz").status_code == 200  # reads are never refused
    with use_case_scope(), engine.connect() as conn:
        with pytest.raises(UncheckedWrite, match="without a permission check"):
            conn.execute(update(Staff).where(Staff.id == -1).values(full_name="x"))
        conn.rollback()
    with engine.connect() as conn:  # outside a request (CLI, sweep, jobs): system actors
        conn.execute(update(Staff).where(Staff.id == -1).values(full_name="x"))
        conn.rollback()

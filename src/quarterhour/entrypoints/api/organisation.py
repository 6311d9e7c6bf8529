"""Organisation data: districts, departments, routing rules and staff."""

from __future__ import annotations

from fastapi import APIRouter, status
from pydantic import BaseModel, ConfigDict, Field

from quarterhour.access.actor import Role
from quarterhour.entrypoints.api.deps import CtxDep
from quarterhour.entrypoints.api.errors import REFUSED, SIGNED_IN, answers
from quarterhour.kit.bounds import DbId, DbInt, Text
from quarterhour.kit.masking import mask_phone
from quarterhour.organisation import service as organisation
from quarterhour.organisation import staff_accounts
from quarterhour.organisation.models import DepartmentKind
from quarterhour.workorders import routing
from quarterhour.workorders.kinds import OrderType

router = APIRouter(tags=["organisation"], responses=SIGNED_IN)


class DistrictOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    id: int
    code: str
    name: str


class DepartmentOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    id: int
    code: str
    name: str
    kind: str
    district_id: int | None
    supervisor_id: int | None
    is_active: bool


class DepartmentIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    code: Text = Field(min_length=1, max_length=32)
    name: Text = Field(min_length=1, max_length=100)
    kind: DepartmentKind
    district_id: DbId | None = None


class RoutingRuleOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    id: int
    order_type: str
    subtype: str | None
    district_id: int | None
    department_id: int
    priority: int
    dispatch_to_crew: bool = Field(
        default=False, description="a fault repair it routes goes at once to the crew on duty"
    )


class RoutingRuleIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    order_type: OrderType
    subtype: Text | None = Field(default=None, max_length=32)
    district_id: DbId | None = None
    department_id: DbId
    priority: DbInt = 0
    dispatch_to_crew: bool = Field(
        default=False,
        description="fault repairs only, to a repair department: each one it routes is sent at"
        " once to the district's available crew on duty (派单 by the system)",
    )


class StaffOut(BaseModel):
    id: int
    username: str
    full_name: str
    role: str
    department_id: int | None
    phone: str | None
    is_active: bool


class StaffIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    username: Text = Field(min_length=1, max_length=64)
    full_name: Text = Field(min_length=1, max_length=64)
    role: Role
    password: str = Field(min_length=8, max_length=200)
    department_id: DbId | None = None
    phone: Text | None = Field(default=None, max_length=32)


@router.get("/districts", response_model=list[DistrictOut])
def districts(ctx: CtxDep) -> list[DistrictOut]:
    return [DistrictOut.model_validate(d) for d in organisation.list_districts(ctx.session)]


@router.get("/departments", response_model=list[DepartmentOut])
def departments(ctx: CtxDep) -> list[DepartmentOut]:
    return [DepartmentOut.model_validate(d) for d in organisation.list_departments(ctx.session)]


@router.post(
    "/departments",
    response_model=DepartmentOut,
    status_code=status.HTTP_201_CREATED,
    responses=REFUSED | answers(409),
)
def add_department(body: DepartmentIn, ctx: CtxDep) -> DepartmentOut:
    department = organisation.add_department(
        ctx.session,
        by=ctx.actor,
        code=body.code,
        name=body.name,
        kind=body.kind,
        district_id=body.district_id,
    )
    ctx.session.commit()
    return DepartmentOut.model_validate(department)


@router.get("/routing-rules", response_model=list[RoutingRuleOut], responses=answers(403))
def routing_rules(ctx: CtxDep) -> list[RoutingRuleOut]:
    rules = routing.list_routing_rules(ctx.session, by=ctx.actor)
    return [RoutingRuleOut.model_validate(r) for r in rules]


@router.post(
    "/routing-rules",
    response_model=RoutingRuleOut,
    status_code=status.HTTP_201_CREATED,
    responses=REFUSED | answers(409),
)
def add_routing_rule(body: RoutingRuleIn, ctx: CtxDep) -> RoutingRuleOut:
    rule = routing.add_routing_rule(
        ctx.session,
        by=ctx.actor,
        order_type=body.order_type,
        subtype=body.subtype,
        district_id=body.district_id,
        department_id=body.department_id,
        priority=body.priority,
        dispatch_to_crew=body.dispatch_to_crew,
    )
    ctx.session.commit()
    return RoutingRuleOut.model_validate(rule)


@router.get("/staff", response_model=list[StaffOut], responses=answers(403))
def staff(ctx: CtxDep) -> list[StaffOut]:
    return [
        StaffOut(
            id=s.id,
            username=s.username,
            full_name=s.full_name,
            role=s.role,
            department_id=s.department_id,
            phone=mask_phone(s.phone),
            is_active=s.is_active,
        )
        for s in staff_accounts.list_staff(ctx.session, by=ctx.actor)
    ]


@router.post(
    "/staff",
    response_model=StaffOut,
    status_code=status.HTTP_201_CREATED,
    responses=REFUSED | answers(409),
)
def add_staff(body: StaffIn, ctx: CtxDep) -> StaffOut:
    s = staff_accounts.create_staff(
        ctx.session,
        by=ctx.actor,
        username=body.username,
        full_name=body.full_name,
        role=body.role,
        password=body.password,
        department_id=body.department_id,
        phone=body.phone,
    )
    ctx.session.commit()
    return StaffOut(
        id=s.id,
        username=s.username,
        full_name=s.full_name,
        role=s.role,
        department_id=s.department_id,
        phone=mask_phone(s.phone),
        is_active=s.is_active,
    )

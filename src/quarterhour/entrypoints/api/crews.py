"""Repair crews and vehicles: the list with status and vehicles, one crew with its history, the
roster, status and position reports, who is on duty and which crew to send."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Annotated, Literal

from fastapi import APIRouter, Query, Response, status
from pydantic import BaseModel, ConfigDict, Field

from quarterhour.crews import labels
from quarterhour.crews import service as crews
from quarterhour.crews.models import Crew, CrewShift, CrewStatus, Vehicle, VehicleKind
from quarterhour.entrypoints.api.deps import CtxDep
from quarterhour.entrypoints.api.errors import REFUSED, SIGNED_IN, answers
from quarterhour.kit.bounds import DbId, Latitude, Longitude, SaneDateTime, Text

router = APIRouter(prefix="/crews", tags=["crews"], responses=SIGNED_IN)


class MemberOut(BaseModel):
    staff_id: int
    name: str
    phone: str | None = Field(description="masked: 139****5678")
    is_leader: bool


class VehicleOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    id: int
    plate: str
    kind: VehicleKind
    crew_id: int | None
    is_active: bool


class ShiftOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    id: int
    crew_id: int
    starts_at: datetime
    ends_at: datetime


class PositionOut(BaseModel):
    latitude: Decimal
    longitude: Decimal
    reported_at: datetime


class StatusChangeOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    from_status: CrewStatus | None
    to_status: CrewStatus
    at: datetime
    recorded_at: datetime
    by_id: int | None
    by_name: str


class CrewOut(BaseModel):
    id: int
    code: str
    name: str
    department_id: int
    department: str
    district_id: int | None
    district: str | None
    status: CrewStatus
    status_label: str = Field(description="the status in Chinese, as dispatchers say it")
    status_since: datetime
    next_statuses: list[CrewStatus] = Field(description="the statuses it may move to")
    position: PositionOut | None = Field(description="the last known position, if any")
    is_active: bool
    members: list[MemberOut]
    vehicles: list[VehicleOut]
    shifts_today: list[ShiftOut]


class CrewDetail(CrewOut):
    history: list[StatusChangeOut] = Field(description="status changes, newest first (50)")


def _position(crew: Crew) -> PositionOut | None:
    if crew.latitude is None or crew.longitude is None or crew.position_reported_at is None:
        return None
    return PositionOut(
        latitude=crew.latitude, longitude=crew.longitude, reported_at=crew.position_reported_at
    )


def _out(view: crews.CrewView) -> CrewOut:
    crew = view.crew
    return CrewOut(
        id=crew.id,
        code=crew.code,
        name=crew.name,
        department_id=crew.department_id,
        department=view.department_name,
        district_id=view.district_id,
        district=view.district_name,
        status=CrewStatus(crew.status),
        status_label=labels.STATUS[crew.status][0],
        status_since=crew.status_since,
        next_statuses=list(view.next_statuses),
        position=_position(crew),
        is_active=crew.is_active,
        members=[MemberOut(**m.__dict__) for m in view.members],
        vehicles=[VehicleOut.model_validate(v) for v in view.vehicles],
        shifts_today=[ShiftOut.model_validate(s) for s in view.shifts],
    )


def _detail(view: crews.CrewView) -> CrewDetail:
    return CrewDetail(
        **_out(view).model_dump(),
        history=[StatusChangeOut.model_validate(h) for h in view.history],
    )


class CrewIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    code: Text = Field(min_length=1, max_length=32)
    name: Text = Field(min_length=1, max_length=64)
    department_id: DbId = Field(description="a repair department (kind `repair`)")


class CrewEdit(BaseModel):
    model_config = ConfigDict(extra="forbid")
    name: Text | None = Field(default=None, min_length=1, max_length=64)
    department_id: DbId | None = None
    is_active: bool | None = None


class MemberIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    staff_id: DbId = Field(description="a handler of the crew's department")
    is_leader: bool = False


class VehicleIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    plate: Text = Field(min_length=1, max_length=16, examples=["皖A·D1234"])
    kind: VehicleKind
    crew_id: DbId | None = None


class VehicleEdit(BaseModel):
    model_config = ConfigDict(extra="forbid")
    kind: VehicleKind | None = None
    crew_id: DbId | None = Field(
        default=None, description="the crew it goes to; null (given) sends it back to the yard"
    )
    is_active: bool | None = None


class ShiftIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    starts_at: SaneDateTime
    ends_at: SaneDateTime = Field(description="after starts_at, at most 24 hours later")


class StatusIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    status: CrewStatus
    at: SaneDateTime | None = Field(
        default=None, description="when it happened (now); never ahead, at most a day ago"
    )


class PositionIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    latitude: Latitude
    longitude: Longitude
    reported_at: SaneDateTime | None = Field(
        default=None, description="when the phone took the fix (now); an older report is kept out"
    )


class SuggestionOut(BaseModel):
    crew: CrewOut | None = Field(description="the crew to send; null when none is available")
    reason: Literal["distance", "district", "none"]
    distance_km: Decimal | None = Field(description="great-circle distance, to 0.1 km")
    explanation: str = Field(examples=["距离2.3公里", "本区值班"])
    explanation_en: str
    candidates: int = Field(description="the district's crews on duty and available")


# Fixed paths first: /crews/{crew_id} would otherwise take "vehicles" for a crew's number.


@router.get("", response_model=list[CrewOut], responses=REFUSED)
def list_crews(
    ctx: CtxDep,
    district_id: DbId | None = None,
    include_inactive: bool = False,
) -> list[CrewOut]:
    return [
        _out(v)
        for v in crews.list_crews(
            ctx.session, by=ctx.actor, district_id=district_id, include_inactive=include_inactive
        )
    ]


@router.post(
    "",
    response_model=CrewDetail,
    status_code=status.HTTP_201_CREATED,
    responses=REFUSED | answers(409),
)
def create_crew(body: CrewIn, ctx: CtxDep) -> CrewDetail:
    crew = crews.create_crew(
        ctx.session, by=ctx.actor, code=body.code, name=body.name, department_id=body.department_id
    )
    ctx.session.commit()
    return _detail(crews.get_crew(ctx.session, crew.id, by=ctx.actor))


@router.get("/vehicles", response_model=list[VehicleOut], responses=REFUSED)
def list_vehicles(ctx: CtxDep) -> list[VehicleOut]:
    return [VehicleOut.model_validate(v) for v in crews.list_vehicles(ctx.session, by=ctx.actor)]


@router.post(
    "/vehicles",
    response_model=VehicleOut,
    status_code=status.HTTP_201_CREATED,
    responses=REFUSED | answers(404, 409),
)
def add_vehicle(body: VehicleIn, ctx: CtxDep) -> VehicleOut:
    vehicle = crews.add_vehicle(
        ctx.session, by=ctx.actor, plate=body.plate, kind=body.kind, crew_id=body.crew_id
    )
    ctx.session.commit()
    return VehicleOut.model_validate(vehicle)


@router.patch("/vehicles/{vehicle_id}", response_model=VehicleOut, responses=REFUSED | answers(404))
def edit_vehicle(vehicle_id: DbId, body: VehicleEdit, ctx: CtxDep) -> VehicleOut:
    vehicle: Vehicle = crews.edit_vehicle(
        ctx.session,
        vehicle_id,
        by=ctx.actor,
        kind=body.kind,
        is_active=body.is_active,
        **({"crew_id": body.crew_id} if "crew_id" in body.model_fields_set else {}),
    )
    ctx.session.commit()
    return VehicleOut.model_validate(vehicle)


@router.get("/roster", response_model=list[ShiftOut], responses=REFUSED | answers(404))
def roster(
    ctx: CtxDep,
    start: SaneDateTime,
    end: SaneDateTime,
    crew_id: DbId | None = None,
) -> list[ShiftOut]:
    return [
        ShiftOut.model_validate(s)
        for s in crews.roster(ctx.session, by=ctx.actor, start=start, end=end, crew_id=crew_id)
    ]


@router.get("/on-duty", response_model=list[CrewOut], responses=REFUSED)
def on_duty(ctx: CtxDep, district_id: DbId, at: SaneDateTime | None = None) -> list[CrewOut]:
    found = {c.id for c in crews.on_duty(ctx.session, by=ctx.actor, district_id=district_id, at=at)}
    views = crews.list_crews(ctx.session, by=ctx.actor, district_id=district_id, day_of=at)
    return [_out(v) for v in views if v.crew.id in found]


@router.get("/suggest", response_model=SuggestionOut, responses=REFUSED)
def suggest(
    ctx: CtxDep,
    district_id: DbId,
    latitude: Annotated[float, Query(ge=-90, le=90, allow_inf_nan=False)],
    longitude: Annotated[float, Query(ge=-180, le=180, allow_inf_nan=False)],
    at: SaneDateTime | None = None,
) -> SuggestionOut:
    found = crews.suggest_crew(
        ctx.session,
        by=ctx.actor,
        district_id=district_id,
        latitude=latitude,
        longitude=longitude,
        at=at,
    )
    crew = None
    if found.crew is not None:
        crew = _out(crews.get_crew(ctx.session, found.crew.id, by=ctx.actor))
    return SuggestionOut(
        crew=crew,
        reason=found.reason,
        distance_km=found.distance_km,
        explanation=found.explanation("zh"),
        explanation_en=found.explanation("en"),
        candidates=found.candidates,
    )


@router.get("/{crew_id}", response_model=CrewDetail, responses=REFUSED | answers(404))
def get_crew(crew_id: DbId, ctx: CtxDep) -> CrewDetail:
    return _detail(crews.get_crew(ctx.session, crew_id, by=ctx.actor))


@router.patch("/{crew_id}", response_model=CrewDetail, responses=REFUSED | answers(404, 409))
def edit_crew(crew_id: DbId, body: CrewEdit, ctx: CtxDep) -> CrewDetail:
    crews.edit_crew(
        ctx.session,
        crew_id,
        by=ctx.actor,
        name=body.name,
        department_id=body.department_id,
        is_active=body.is_active,
    )
    ctx.session.commit()
    return _detail(crews.get_crew(ctx.session, crew_id, by=ctx.actor))


@router.post(
    "/{crew_id}/members",
    response_model=CrewDetail,
    status_code=status.HTTP_201_CREATED,
    responses=REFUSED | answers(404, 409),
)
def add_member(crew_id: DbId, body: MemberIn, ctx: CtxDep) -> CrewDetail:
    crews.add_member(
        ctx.session, crew_id, by=ctx.actor, staff_id=body.staff_id, is_leader=body.is_leader
    )
    ctx.session.commit()
    return _detail(crews.get_crew(ctx.session, crew_id, by=ctx.actor))


@router.delete(
    "/{crew_id}/members/{staff_id}",
    status_code=status.HTTP_204_NO_CONTENT,
    response_class=Response,
    responses=REFUSED | answers(404),
)
def remove_member(crew_id: DbId, staff_id: DbId, ctx: CtxDep) -> Response:
    crews.remove_member(ctx.session, crew_id, by=ctx.actor, staff_id=staff_id)
    ctx.session.commit()
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.post(
    "/{crew_id}/roster",
    response_model=ShiftOut,
    status_code=status.HTTP_201_CREATED,
    responses=REFUSED | answers(404, 409),
)
def add_shift(crew_id: DbId, body: ShiftIn, ctx: CtxDep) -> ShiftOut:
    shift: CrewShift = crews.add_shift(
        ctx.session, crew_id, by=ctx.actor, starts_at=body.starts_at, ends_at=body.ends_at
    )
    ctx.session.commit()
    return ShiftOut.model_validate(shift)


@router.delete(
    "/{crew_id}/roster/{shift_id}",
    status_code=status.HTTP_204_NO_CONTENT,
    response_class=Response,
    responses=REFUSED | answers(404),
)
def remove_shift(crew_id: DbId, shift_id: DbId, ctx: CtxDep) -> Response:
    crews.remove_shift(ctx.session, crew_id, by=ctx.actor, shift_id=shift_id)
    ctx.session.commit()
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.post("/{crew_id}/status", response_model=CrewDetail, responses=REFUSED | answers(404, 409))
def set_status(crew_id: DbId, body: StatusIn, ctx: CtxDep) -> CrewDetail:
    crews.set_status(ctx.session, crew_id, by=ctx.actor, status=body.status, at=body.at)
    ctx.session.commit()
    return _detail(crews.reported_crew(ctx.session, crew_id, by=ctx.actor))


@router.post("/{crew_id}/position", response_model=CrewDetail, responses=REFUSED | answers(404))
def report_position(crew_id: DbId, body: PositionIn, ctx: CtxDep) -> CrewDetail:
    crews.report_position(
        ctx.session,
        crew_id,
        by=ctx.actor,
        latitude=body.latitude,
        longitude=body.longitude,
        reported_at=body.reported_at,
    )
    ctx.session.commit()
    return _detail(crews.reported_crew(ctx.session, crew_id, by=ctx.actor))

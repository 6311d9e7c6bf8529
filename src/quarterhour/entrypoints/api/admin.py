"""Administration: working-day calendars, time-limit policies, warnings and the deadline sweep."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Any

from fastapi import APIRouter, File, Form, Path, UploadFile, status
from pydantic import BaseModel, Field
from sqlalchemy.orm import Session

from quarterhour.calendar import service as calendar_service
from quarterhour.calendar.schedule_file import parse_schedule
from quarterhour.entrypoints.api.deps import CtxDep
from quarterhour.entrypoints.api.errors import REFUSED, SIGNED_IN, answers
from quarterhour.errors import ValidationFailed
from quarterhour.kit import clock
from quarterhour.kit.bounds import Text
from quarterhour.tariffs import tariff_book
from quarterhour.tariffs.schemas import PublishedTariff, TariffIn, TariffVersionIn
from quarterhour.workorders import policies, sla

router = APIRouter(prefix="/admin", tags=["administration"], responses=SIGNED_IN)
MAX_SCHEDULE_BYTES = 256 * 1024


class CalendarOut(BaseModel):
    covered_years: list[int]
    loaded_years: list[dict[str, object]]
    warning: str | None


class LoadedYearOut(BaseModel):
    year: int
    source: str
    holidays: int
    makeup_workdays: int
    rescheduled_orders: int


class LimitOut(BaseModel):
    order_type: str
    subtype: str | None
    area_class: str | None
    kind: str
    amount: int
    unit: str
    source: str


class PolicyOut(BaseModel):
    id: int
    code: str
    effective_from: date
    follow_up: dict[str, bool]
    limits: list[LimitOut]


class WarningOut(BaseModel):
    code: str
    message: str  # in English; `code` and `values` let a client say it in its own words
    count: int | None = None
    values: dict[str, Any] = Field(default_factory=dict)  # years, count


class SweepOut(BaseModel):
    at: datetime
    warned: int
    escalated: int


def _message(missing: calendar_service.MissingYears | None) -> str | None:
    return missing.message if missing else None


@router.get("/calendar", response_model=CalendarOut, responses=answers(403))
def calendar(ctx: CtxDep) -> CalendarOut:
    return CalendarOut(
        covered_years=calendar_service.covered_years(ctx.session),
        loaded_years=[
            {
                "year": y.year,
                "source": y.source,
                "loaded_at": y.loaded_at.isoformat(),
                "loaded_by": y.loaded_by,
            }
            for y in calendar_service.loaded_years(ctx.session, by=ctx.actor)
        ],
        warning=_message(calendar_service.missing_year_warning(ctx.session, clock.now().date())),
    )


@router.post("/calendar/years", response_model=LoadedYearOut, responses=REFUSED | answers(400))
async def load_year(
    ctx: CtxDep,
    file: Annotated[UploadFile, File(description="CSV (date,kind,name) or JSON schedule")],
    year: Annotated[int | None, Form(ge=1980, le=2100)] = None,
    source: Annotated[Text | None, Form(max_length=300)] = None,
) -> LoadedYearOut:
    data = await file.read(MAX_SCHEDULE_BYTES + 1)
    if len(data) > MAX_SCHEDULE_BYTES:
        raise ValidationFailed("a year's schedule is at most 256 KiB", field="file")
    schedule = parse_schedule(data, filename=file.filename or "", year=year, source=source)
    rescheduled = sla.load_official_year(ctx.session, schedule, by=ctx.actor, settings=ctx.settings)
    ctx.session.commit()
    return LoadedYearOut(
        year=schedule.year,
        source=schedule.source,
        holidays=len(schedule.holidays),
        makeup_workdays=len(schedule.makeup_workdays),
        rescheduled_orders=rescheduled,
    )


@router.get("/policies", response_model=list[PolicyOut])
def list_policies(ctx: CtxDep) -> list[PolicyOut]:
    # Time limits are service commitments, published to customers; any staff member may read them.
    return [
        PolicyOut(
            id=p.id,
            code=p.code,
            effective_from=p.effective_from,
            follow_up=p.follow_up,
            limits=[
                LimitOut(
                    order_type=lim.order_type,
                    subtype=lim.subtype,
                    area_class=lim.area_class,
                    kind=lim.kind,
                    amount=lim.amount,
                    unit=lim.unit,
                    source=lim.source,
                )
                for lim in p.limits
            ],
        )
        for p in policies.policies(ctx.session)
    ]


@router.get("/warnings", response_model=list[WarningOut], responses=answers(403))
def warnings(ctx: CtxDep) -> list[WarningOut]:
    return [
        WarningOut(code=w.code, message=w.message, count=w.count, values=dict(w.values))
        for w in sla.admin_warnings(ctx.session, clock.now().date(), by=ctx.actor)
    ]


@router.post("/sweep", response_model=SweepOut, responses=answers(403))
def run_sweep(ctx: CtxDep) -> SweepOut:
    report = sla.sweep(ctx.session, by=ctx.actor)
    ctx.session.commit()
    return SweepOut(at=report.at, warned=report.warned, escalated=report.escalated)


@router.post(
    "/tariffs",
    response_model=PublishedTariff,
    status_code=status.HTTP_201_CREATED,
    responses=REFUSED | answers(409),
)
def add_tariff(body: TariffIn, ctx: CtxDep) -> PublishedTariff:
    """A utility's own tariff with its first version (the disclosure publishes it at once)."""
    version = body.first_version
    tariff = tariff_book.add_tariff(
        ctx.session,
        by=ctx.actor,
        code=body.code,
        name=body.name,
        region=body.region,
        source=version.source,
        first_version=version.model_dump(exclude={"source"}),
    )
    out = _published(ctx.session, tariff.code)
    ctx.session.commit()
    return out


@router.post(
    "/tariffs/{code}/versions",
    response_model=PublishedTariff,
    status_code=status.HTTP_201_CREATED,
    responses=REFUSED | answers(404, 409),
)
def add_tariff_version(
    code: Annotated[Text, Path(max_length=32)], body: TariffVersionIn, ctx: CtxDep
) -> PublishedTariff:
    """New prices from a day on; the version in force until then ends there."""
    row = tariff_book.add_version_by(
        ctx.session, code, body.model_dump(exclude={"source"}), by=ctx.actor, source=body.source
    )
    out = _published(ctx.session, code, on=row.effective_from)
    ctx.session.commit()
    return out


def _published(session: Session, code: str, on: date | None = None) -> PublishedTariff:
    day = on or clock.now().date()
    tariff = tariff_book.get_tariff(session, code)
    versions = tariff_book.versions_by_tariff(session)[tariff.id]
    version = next((v for v in versions if v.covers(day)), versions[-1])
    return tariff_book.published(tariff, version)

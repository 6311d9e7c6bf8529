"""Messages to customers: the administrators' templates and webhook endpoints, and a customer's
contact preferences."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Path, Response, status
from pydantic import BaseModel, Field

from quarterhour.customers import contact_preferences
from quarterhour.entrypoints.api.deps import CtxDep
from quarterhour.entrypoints.api.errors import REFUSED, SIGNED_IN, answers
from quarterhour.kit.bounds import DbId, Text
from quarterhour.notifications import admin as messages_admin
from quarterhour.notifications import templates

router = APIRouter(tags=["messages"], responses=SIGNED_IN)

Kind = Annotated[Text, Path(max_length=32)]
Channel = Annotated[Text, Path(max_length=8)]
Lang = Annotated[Text, Path(max_length=2)]
KindName = Annotated[Text, Field(max_length=32)]


class VariableOut(BaseModel):
    name: str
    zh: str
    en: str
    sample: str


class TextOut(BaseModel):
    subject: str | None
    body: str


class OverrideOut(TextOut):
    updated_at: datetime
    updated_by_id: int | None


class TemplateOut(BaseModel):
    kind: str
    channel: str
    lang: str
    variables: list[VariableOut]
    default: TextOut
    override: OverrideOut | None = Field(description="the administrators' text, when there is one")
    statutory: bool = Field(description="sent even to customers who refused this kind")


class TemplateIn(BaseModel):
    subject: Annotated[Text | None, Field(max_length=templates.SUBJECT_MAX_CHARS)] = None
    body: Annotated[Text, Field(max_length=templates.BODY_MAX_CHARS)]


class PreviewIn(TemplateIn):
    kind: KindName
    channel: Annotated[Text, Field(max_length=8)]
    lang: Annotated[Text, Field(max_length=2)] = "zh"
    variables: Annotated[
        dict[Annotated[Text, Field(max_length=32)], Annotated[Text, Field(max_length=500)]],
        Field(max_length=20),
    ] = Field(default_factory=dict)


def _template_out(entry: messages_admin.TemplateEntry) -> TemplateOut:
    o = entry.override
    return TemplateOut(
        kind=entry.kind.name,
        channel=entry.channel,
        lang=entry.lang,
        variables=[
            VariableOut(name=v.name, zh=v.zh, en=v.en, sample=v.sample)
            for v in entry.kind.variables
        ],
        default=TextOut(subject=entry.default.subject, body=entry.default.body),
        override=OverrideOut(
            subject=o.subject, body=o.body, updated_at=o.updated_at, updated_by_id=o.updated_by_id
        )
        if o is not None
        else None,
        statutory=entry.kind.name in templates.STATUTORY,
    )


@router.get("/admin/message-templates", response_model=list[TemplateOut], responses=answers(403))
def list_templates(ctx: CtxDep) -> list[TemplateOut]:
    """Every kind × channel × language: its variables, default text and override."""
    return [_template_out(e) for e in messages_admin.template_entries(ctx.session, by=ctx.actor)]


@router.put(
    "/admin/message-templates/{kind}/{channel}/{lang}",
    response_model=TemplateOut,
    responses=REFUSED | answers(404),
)
def set_template(
    kind: Kind, channel: Channel, lang: Lang, body: TemplateIn, ctx: CtxDep
) -> TemplateOut:
    """The administrators' text for new messages (those written before keep theirs)."""
    messages_admin.set_template(
        ctx.session, kind, channel, lang, subject=body.subject, body=body.body, by=ctx.actor
    )
    out = _template_out(
        messages_admin.template_entry(ctx.session, kind, channel, lang, by=ctx.actor)
    )
    ctx.session.commit()
    return out


@router.delete(
    "/admin/message-templates/{kind}/{channel}/{lang}",
    status_code=status.HTTP_204_NO_CONTENT,
    responses=REFUSED | answers(404),
)
def reset_template(kind: Kind, channel: Channel, lang: Lang, ctx: CtxDep) -> Response:
    """Back to the default text."""
    messages_admin.reset_template(ctx.session, kind, channel, lang, by=ctx.actor)
    ctx.session.commit()
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.post(
    "/admin/message-templates/preview", response_model=TextOut, responses=REFUSED | answers(404)
)
def preview(body: PreviewIn, ctx: CtxDep) -> TextOut:
    """A text rendered as a customer would read it, with the given values or the samples."""
    text = messages_admin.preview(
        body.kind,
        body.channel,
        body.lang,
        subject=body.subject,
        body=body.body,
        variables=body.variables,
        by=ctx.actor,
    )
    return TextOut(subject=text.subject, body=text.body)


# --- webhook endpoints --------------------------------------------------------------------------


class WebhookIn(BaseModel):
    url: Annotated[Text, Field(max_length=500)]
    kinds: Annotated[list[KindName], Field(min_length=1, max_length=len(templates.KINDS))]
    active: bool = True


class DeliveryOut(BaseModel):
    message_id: int
    kind: str
    status: str
    at: datetime
    outcome: str
    detail: str | None


class WebhookOut(BaseModel):
    id: int
    url: str
    kinds: list[str]
    active: bool
    created_at: datetime
    recent_deliveries: list[DeliveryOut] = Field(default_factory=list)


class NewWebhookOut(WebhookOut):
    secret: str = Field(
        description="the HMAC-SHA256 key of X-QuarterHour-Signature: shown this once only"
    )


def _webhook_out(e: messages_admin.Endpoint) -> WebhookOut:
    return WebhookOut(
        id=e.row.id,
        url=e.row.url,
        kinds=e.row.kinds,
        active=e.row.active,
        created_at=e.row.created_at,
        recent_deliveries=[
            DeliveryOut(
                message_id=d.message_id,
                kind=d.kind,
                status=d.status,
                at=d.at,
                outcome=d.outcome,
                detail=d.detail,
            )
            for d in e.recent
        ],
    )


@router.get("/admin/webhooks", response_model=list[WebhookOut], responses=answers(403))
def list_webhooks(ctx: CtxDep) -> list[WebhookOut]:
    """The endpoints with their latest deliveries."""
    return [_webhook_out(e) for e in messages_admin.endpoints(ctx.session, by=ctx.actor)]


@router.post(
    "/admin/webhooks",
    response_model=NewWebhookOut,
    status_code=status.HTTP_201_CREATED,
    responses=REFUSED,
)
def add_webhook(body: WebhookIn, ctx: CtxDep) -> NewWebhookOut:
    row = messages_admin.add_endpoint(ctx.session, body.url, body.kinds, by=ctx.actor)
    row.active = body.active
    ctx.session.commit()
    return NewWebhookOut(
        **_webhook_out(messages_admin.Endpoint(row, [])).model_dump(), secret=row.secret
    )


@router.put(
    "/admin/webhooks/{endpoint_id}", response_model=WebhookOut, responses=REFUSED | answers(404)
)
def change_webhook(endpoint_id: DbId, body: WebhookIn, ctx: CtxDep) -> WebhookOut:
    row = messages_admin.change_endpoint(
        ctx.session, endpoint_id, url=body.url, kinds=body.kinds, active=body.active, by=ctx.actor
    )
    ctx.session.commit()
    return _webhook_out(messages_admin.Endpoint(row, []))


@router.delete(
    "/admin/webhooks/{endpoint_id}",
    status_code=status.HTTP_204_NO_CONTENT,
    responses=REFUSED | answers(404),
)
def remove_webhook(endpoint_id: DbId, ctx: CtxDep) -> Response:
    """No more events to it; it stays, inactive, with its delivery log."""
    messages_admin.remove_endpoint(ctx.session, endpoint_id, by=ctx.actor)
    ctx.session.commit()
    return Response(status_code=status.HTTP_204_NO_CONTENT)


# --- a customer's contact preferences -----------------------------------------------------------


class PreferencesIn(BaseModel):
    sms_allowed: bool = True
    email: Annotated[Text | None, Field(max_length=254)] = None
    email_allowed: bool = False
    lang: Annotated[Text, Field(max_length=2)] = "zh"
    opted_out: Annotated[list[KindName], Field(max_length=len(templates.KINDS))] = Field(
        default_factory=list
    )


class PreferencesOut(BaseModel):
    customer_id: int
    sms_allowed: bool
    email: str | None
    email_allowed: bool
    lang: str
    opted_out: list[str]
    statutory: list[str] = Field(description="kinds sent even when refused (the law requires them)")


def _preferences_out(p: contact_preferences.Preferences) -> PreferencesOut:
    return PreferencesOut(
        customer_id=p.customer_id,
        sms_allowed=p.sms_allowed,
        email=p.email,
        email_allowed=p.email_allowed,
        lang=p.lang,
        opted_out=p.opted_out,
        statutory=p.statutory,
    )


@router.get(
    "/customers/{customer_id}/contact-preferences",
    response_model=PreferencesOut,
    responses=REFUSED | answers(404),
    tags=["customers"],
)
def get_preferences(customer_id: DbId, ctx: CtxDep) -> PreferencesOut:
    return _preferences_out(contact_preferences.preferences(ctx.session, customer_id, by=ctx.actor))


@router.put(
    "/customers/{customer_id}/contact-preferences",
    response_model=PreferencesOut,
    responses=REFUSED | answers(404),
    tags=["customers"],
)
def set_preferences(customer_id: DbId, body: PreferencesIn, ctx: CtxDep) -> PreferencesOut:
    out = contact_preferences.set_preferences(
        ctx.session,
        customer_id,
        sms_allowed=body.sms_allowed,
        email=body.email,
        email_allowed=body.email_allowed,
        lang=body.lang,
        opted_out=body.opted_out,
        by=ctx.actor,
    )
    ctx.session.commit()
    return _preferences_out(out)

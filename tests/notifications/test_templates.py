"""Templates: every default fits its channel, an administrator's text is checked before it is
kept, and rendering replaces `{name}` and nothing else."""

from __future__ import annotations

import pytest

from quarterhour.errors import NotFound, ValidationFailed
from quarterhour.notifications import templates

KINDS = (
    "contact_accepted",
    "crew_on_the_way",
    "crew_arrived",
    "result_replied",
    "follow_up_survey",
    "planned_outage_notice",
    "arrears_reminder",
    "disconnection_notice",
    "bill_ready",
    "verification_code",
)


def test_the_kinds_the_product_names() -> None:
    assert set(templates.KINDS) == set(KINDS)


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("lang", ["zh", "en"])
@pytest.mark.parametrize("channel", ["sms", "email"])
def test_every_default_passes_its_own_check(kind: str, lang: str, channel: str) -> None:
    text = templates.default(kind, channel, lang)
    templates.check(kind, channel, lang, text.subject, text.body)
    rendered = templates.render(text, templates.KINDS[kind].samples())
    assert "{" not in rendered.body
    assert (rendered.subject is None) == (channel == "sms")


def test_the_survey_asks_for_a_digit() -> None:
    assert templates.default("follow_up_survey", "sms", "zh").body.endswith(
        "回复1满意 2基本满意 3不满意"
    )


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ("工单{number}，{phone}", "body"),
        ("{number.__class__.__mro__}", "body"),
        ("{0}", "body"),
        ("   ", "body"),
        ("长" * 301, "body"),
    ],
)
def test_an_administrators_text_is_refused_naming_the_field(body: str, field: str) -> None:
    with pytest.raises(ValidationFailed) as refused:
        templates.check("crew_arrived", "sms", "zh", None, body)
    assert refused.value.field == field


def test_an_sms_is_measured_with_the_sample_values() -> None:
    # 292 characters as written, 327 with the sample link.
    with pytest.raises(ValidationFailed, match="300"):
        templates.check("crew_on_the_way", "sms", "zh", None, "长" * 280 + "{status_url}")
    templates.check("crew_on_the_way", "sms", "zh", None, "长" * 250 + "{status_url}")
    # An e-mail may be long.
    templates.check("crew_arrived", "email", "zh", "主题", "长" * 2000 + "{crew}")


def test_a_subject_with_an_unknown_variable_names_the_subject() -> None:
    with pytest.raises(ValidationFailed) as refused:
        templates.check("crew_arrived", "email", "zh", "{secret}", "{crew}")
    assert refused.value.field == "subject"


def test_an_unknown_kind_or_channel() -> None:
    with pytest.raises(NotFound):
        templates.check("nothing", "sms", "zh", None, "x")
    with pytest.raises(ValidationFailed) as refused:
        templates.check("crew_arrived", "webhook", "zh", None, "x")
    assert refused.value.field == "channel"


def test_rendering_replaces_names_only() -> None:
    text = templates.Text("{number}", "{number} {{number}} {number!r} {number:>9} {crew}")
    rendered = templates.render(text, {"number": "GD1", "crew": "{number}"})
    assert rendered.subject == "GD1"
    # A value is never read as a template again.
    assert rendered.body == "GD1 {GD1} {number!r} {number:>9} {number}"

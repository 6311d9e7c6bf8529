"""Phone numbers dictated into free text are masked in lists, and in detail for roles that do
not need them whole."""

from __future__ import annotations

from workorders.loop_client import LoopApi

DICTATED = "13912345678"


def test_a_phone_in_the_title_is_masked_in_lists(loop: LoopApi) -> None:
    order = loop.intake("complaint", title=f"请回电{DICTATED}")
    assert DICTATED not in order["title"]
    listed = loop.client.get("/api/v1/orders", headers=loop.headers("dispatcher")).json()
    titles = [o["title"] for o in listed["items"]]
    assert titles == ["请回电139****5678"]


def test_notes_are_whole_for_the_handler_and_masked_for_the_supervisor(loop: LoopApi) -> None:
    order = loop.intake("complaint", description=f"备用电话{DICTATED}")
    loop.act("dispatcher", order["id"], "comment", note=f"客户另留号码{DICTATED}")
    handler_view = loop.order(order["id"], by="dispatcher")
    assert handler_view["description"] == f"备用电话{DICTATED}"
    assert any(DICTATED in (e["note"] or "") for e in handler_view["events"])
    supervisor_view = loop.order(order["id"], by="supervisor")
    assert DICTATED not in str(supervisor_view)
    assert supervisor_view["description"] == "备用电话139****5678"

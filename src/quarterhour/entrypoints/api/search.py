"""One search over orders and customers (the console's top bar asks the same use case)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query

from quarterhour.entrypoints.api.deps import CtxDep
from quarterhour.entrypoints.api.errors import REFUSED, SIGNED_IN
from quarterhour.kit.bounds import Text
from quarterhour.views import search as finder
from quarterhour.views.schemas import SearchOut

router = APIRouter(tags=["search"], responses=SIGNED_IN)


@router.get("/search", response_model=SearchOut, responses=REFUSED)
def search(
    ctx: CtxDep,
    q: Annotated[
        Text,
        Query(
            min_length=1,
            max_length=finder.MAX_TERM,
            description="an order number (GD…) or a contact's (LD…), a phone or its last four "
            "digits, an account number (户号), or words: the start of a name, part of an "
            "address or of an order's text (three characters at least)",
            examples=["GD20261127000001"],
        ),
    ],
    limit: Annotated[int, Query(ge=1, le=finder.MAX_LIMIT, description="per list")] = 20,
) -> SearchOut:
    """Orders in any state, archived and cancelled too (only those the reader may see: a
    department's handler his department's), newest first, and customers; personal data masked.
    Each list is one query."""
    return finder.search(ctx.session, q, by=ctx.actor, limit=limit)

"""Quality figures (filled in by analytics)."""

from __future__ import annotations

from fastapi import APIRouter

router = APIRouter(prefix="/stats", tags=["quality figures"])

from __future__ import annotations

from quarterhour.entrypoints.cli.common import console


def stats() -> None:
    """Quality figures for a period (filled in by analytics)."""
    console.print("not yet")

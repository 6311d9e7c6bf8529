"""The targets the quality figures are read against on the supervisor's dashboard.

A utility publishes its own commitments; these defaults come from the programme the product is
modelled on (seed article: "受理投诉处置率100%，客户满意率95.55%"), which also gives every complaint
and emergency repair a follow-up visit. The on-time target has no published source; 95 %
is this product's default. Administrators will set their own with the commitments they publish
(not yet in the console: named in the issue's closing note).
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal


@dataclass(frozen=True)
class Target:
    figure: str  # a rate of analytics.schemas.Figures
    minimum: Decimal
    source: str


TARGETS: tuple[Target, ...] = (
    Target("handling_rate", Decimal("1.00"), "seed article: 受理投诉处置率100%"),
    Target(
        "follow_up_rate", Decimal("1.00"), "seed article: 对于投诉处理、事故抢修等均实行回访制度"
    ),
    Target("satisfaction_rate", Decimal("0.95"), "seed article: 客户满意率95.55%"),
    Target("on_time_rate", Decimal("0.95"), "Quarter Hour default (no published source)"),
)

"""The crews' vocabulary, one (zh, en) each: statuses, vehicle kinds, why a crew is suggested.

The console reads its own words from entrypoints/web/wording.py; these are what the API and the
CLI say to a dispatcher, in both languages, without a page around them."""

from __future__ import annotations

from quarterhour.crews.models import CrewStatus, VehicleKind

STATUS: dict[str, tuple[str, str]] = {
    CrewStatus.AVAILABLE: ("待命", "available"),
    CrewStatus.EN_ROUTE: ("出发", "en route"),
    CrewStatus.ON_SITE: ("到场", "on site"),
    CrewStatus.OFF_DUTY: ("下班", "off duty"),
}

VEHICLE_KIND: dict[str, tuple[str, str]] = {
    VehicleKind.REPAIR: ("抢修车", "repair van"),
    VehicleKind.LIVE_LINE: ("带电作业车", "live-line truck"),
    VehicleKind.LIFT: ("升降车", "lift truck"),
}

# Why a crew is suggested; {km} is the distance, one decimal.
REASON: dict[str, tuple[str, str]] = {
    "distance": ("距离{km}公里", "{km} km away"),
    "district": ("本区值班", "on duty in the district"),
    "none": ("本区暂无待命的值班班组", "no crew of the district is on duty and available"),
}

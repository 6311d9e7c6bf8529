"""Every area's tables in one MetaData, for Alembic (migrations/env.py) and the tests.

It imports each module that declares models, so it sits above the areas (below the migrations
and the entrypoints), and `storage` imports no area.
"""

from __future__ import annotations

from sqlalchemy import MetaData

from quarterhour.billing import models as billing_models
from quarterhour.calendar import models as calendar_models
from quarterhour.crews import models as crew_models
from quarterhour.customers import models as customer_models
from quarterhour.jobs import models as job_models
from quarterhour.notifications import models as notification_models
from quarterhour.organisation import models as organisation_models
from quarterhour.outages import models as outage_models
from quarterhour.programme import models as programme_models
from quarterhour.records import models as record_models
from quarterhour.selfservice import models as selfservice_models
from quarterhour.storage.base import Base
from quarterhour.tariffs import models as tariff_models
from quarterhour.throttle import models as throttle_models
from quarterhour.workorders import models as workorder_models
from quarterhour.workorders import routing as routing_models

# The modules whose models make up the schema; importing them registers their tables.
MODULES = (
    billing_models,
    calendar_models,
    crew_models,
    customer_models,
    job_models,
    notification_models,
    organisation_models,
    outage_models,
    programme_models,
    record_models,
    selfservice_models,
    tariff_models,
    throttle_models,
    workorder_models,
    routing_models,
)


def metadata() -> MetaData:
    return Base.metadata

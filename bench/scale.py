"""The hot reads and the sweep with 1,000,000 work orders in PostgreSQL.

    .venv/bin/python -m bench.scale                  # fill qh_scale (about 10 min), then measure
    .venv/bin/python -m bench.scale --skip-fill      # measure again on the filled database

The fill is set-based (INSERT … SELECT over generate_series): three years of orders over the four
demo districts, the demo departments (as routing sends them) and every order type; ~5 % still open,
in every open state; each order has its contact, its deadlines (met, late, warned, escalated as a
sweep running every minute would have left them), its whole event history and its follow-up calls.
A few hundred deadlines are left due but not yet swept (a sweep has work to do).

Measured, each over --runs calls (p50/p99), with the EXPLAIN (ANALYZE, BUFFERS) of every statement:
(a) a department's queue: `workorders.repository.list_orders` with `OrderFilter(queue=True,
    department_id=…)` acting as that department's handler, in-process and over HTTP;
(b) the sweep `workorders.sla.sweep` with the due work left by the fill (rolled back after each
    run, so each run does the same work) and with nothing to do;
(c) the quality figures of one month (`analytics.service.quality_figures`, GET /api/v1/stats/quality);
and the peak RSS of the server workers after a concurrent mixed read load.
"""

from __future__ import annotations

import argparse
import itertools
import random
import sys
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import date, datetime, timedelta
from typing import Any

import httpx
from sqlalchemy import Connection, Engine, event, select, text
from sqlalchemy.orm import Session

from bench.common import (
    PG_BASE,
    Server,
    database_exists,
    latency,
    log,
    machine_facts,
    recreate_database,
    run_threads,
    terminate_as_interrupt,
    uptime_line,
    write_result,
)
from quarterhour.access.actor import Actor, system
from quarterhour.config import Settings
from quarterhour.demo import organisation as demo_org
from quarterhour.kit import clock
from quarterhour.organisation.models import Staff
from quarterhour.organisation.staff_accounts import actor_of
from quarterhour.storage.engine import make_engine, make_session_factory
from quarterhour.storage.migrate import upgrade
from quarterhour.workorders import repository, sla
from quarterhour.workorders.filters import OrderFilter

DISTRICTS = [code for code, _ in demo_org.DISTRICTS]  # baohe, shushan, luyang, yaohai
CENTRE_STAFF = ("agent", "dispatcher", "followup", "supervisor")

# --- the fill --------------------------------------------------------------------------------

# One path per kind of order: (action, to_state, who). `handler` is the order's department's
# handler; states before a step are the previous step's to_state.
PATHS: dict[str, list[tuple[str, str, str]]] = {
    "std_fu": [
        ("accept", "accepted", "agent"),
        ("dispatch", "dispatched", "dispatcher"),
        ("acknowledge", "acknowledged", "handler"),
        ("contact_customer", "in_progress", "handler"),
        ("return_result", "returned", "handler"),
        ("approve", "reviewed", "dispatcher"),
        ("reply", "replied", "followup"),
        ("follow_up", "followed_up", "followup"),
        ("archive", "archived", "followup"),
    ],
    "std": [
        ("accept", "accepted", "agent"),
        ("dispatch", "dispatched", "dispatcher"),
        ("acknowledge", "acknowledged", "handler"),
        ("contact_customer", "in_progress", "handler"),
        ("return_result", "returned", "handler"),
        ("approve", "reviewed", "dispatcher"),
        ("reply", "replied", "followup"),
        ("archive", "archived", "followup"),
    ],
    "repair": [
        ("accept", "accepted", "agent"),
        ("dispatch", "dispatched", "dispatcher"),
        ("acknowledge", "acknowledged", "handler"),
        ("arrive", "in_progress", "handler"),
        ("restore", "in_progress", "handler"),
        ("return_result", "returned", "handler"),
        ("approve", "reviewed", "dispatcher"),
        ("reply", "replied", "followup"),
        ("follow_up", "followed_up", "followup"),
        ("archive", "archived", "followup"),
    ],
    "intake": [("accept", "accepted", "agent"), ("close_on_intake", "archived", "agent")],
    "cancel": [
        ("accept", "accepted", "agent"),
        ("dispatch", "dispatched", "dispatcher"),
        ("cancel", "cancelled", "dispatcher"),
    ],
}

# Order types by share of calls, routing as the demo's rules send them, follow-up as the default
# policy requires it (workorders.policies.DEFAULT_FOLLOW_UP).
TYPES = [
    # (type, cumulative share, department code pattern, follow-up required)
    ("fault_repair", 0.30, "repair-{d}", True),
    ("service_request", 0.50, "hall-{d}", True),
    ("complaint", 0.58, "hall-{d}", True),
    ("misconduct_report", 0.60, "inspection", True),
    ("opinion", 0.64, "marketing", False),
    ("suggestion", 0.67, "marketing", False),
    ("praise", 0.70, "marketing", False),
    ("consultation", 1.00, "marketing", False),
]
OPEN_STATES = [  # (state, cumulative share among open orders)
    ("accepted", 0.04),
    ("dispatched", 0.34),
    ("acknowledged", 0.50),
    ("in_progress", 0.70),
    ("returned", 0.78),
    ("reviewed", 0.82),
    ("replied", 0.95),
    ("followed_up", 1.00),
]


def _case(column: str, pairs: list[tuple[str, float]], otherwise: str) -> str:
    arms = " ".join(f"WHEN {column} < {share} THEN '{value}'" for value, share in pairs)
    return f"CASE {arms} ELSE '{otherwise}' END"


def _fill_statements(ids: dict[str, Any]) -> list[tuple[str, str]]:
    """(label, SQL) in order; parameters :t (reference time), :n (orders), :c (customers)."""
    dept = ids["departments"]
    staff = ids["staff"]
    type_case = _case("r_type", [(t, share) for t, share, _, _ in TYPES[:-1]], TYPES[-1][0])
    # Orders without a follow-up go from 答复 straight to 归档: none of them waits in 回访.
    open_case = _case(
        "least(p.r_state, CASE WHEN p.path = 'std' THEN 0.94 ELSE 1.0 END)",
        OPEN_STATES[:-1],
        OPEN_STATES[-1][0],
    )
    district_rows = ", ".join(
        f"({i}, {ids['districts'][code]}, '{code}', '{name}')"
        for i, (code, name) in enumerate(demo_org.DISTRICTS)
    )
    dept_rows = ", ".join(
        f"('{code}', {dept_id}, {staff[code]})" for code, dept_id in dept.items() if code in staff
    )
    type_rows = ", ".join(f"('{t}', '{pattern}', {fu})" for t, _, pattern, fu in TYPES)
    step_rows = ", ".join(
        f"('{path}', {k}, '{action}', {repr(steps[k - 1][1]) if k else 'NULL'}, '{to}', '{who}')"
        for path, steps in PATHS.items()
        for k, (action, to, who) in enumerate(steps)
    )
    centre = {name: staff[name] for name in CENTRE_STAFF}
    working_day_due = (
        "((date_trunc('day', start_at AT TIME ZONE 'Asia/Shanghai')"
        " + (ceil(amount * 1.4)::int + 1) * interval '1 day' - interval '1 second')"
        " AT TIME ZONE 'Asia/Shanghai')"
    )
    return [
        ("seed", "SELECT setseed(0.1996)"),
        (
            "lookup tables",
            f"""
            CREATE TEMP TABLE b_district(idx int, id int, code text, name text);
            INSERT INTO b_district VALUES {district_rows};
            CREATE TEMP TABLE b_dept(code text, id int, handler_id int);
            INSERT INTO b_dept VALUES {dept_rows};
            CREATE TEMP TABLE b_type(order_type text, pattern text, follow_up boolean);
            INSERT INTO b_type VALUES {type_rows};
            CREATE TEMP TABLE b_step(path text, k int, action text, from_state text,
                                     to_state text, who text);
            INSERT INTO b_step VALUES {step_rows};
            """,
        ),
        (
            "customers",
            """
            INSERT INTO customer (id, name, phone, phone_last4, address, district_id, created_at)
            SELECT g, '客户' || g, '13' || lpad((g * 7 + 100000000)::text, 9, '0'),
                   right(lpad((g * 7 + 100000000)::text, 9, '0'), 4),
                   '合肥市' || d.name || '示范路' || (g % 997 + 1) || '号', d.id,
                   CAST(:t AS timestamptz) - interval '1200 days'
            FROM generate_series(1, :c) g JOIN b_district d ON d.idx = g % 4
            """,
        ),
        (
            "plan: type, place, state",
            f"""
            CREATE TEMP TABLE b_plan AS
            SELECT p.*, ty.follow_up AS follow_up_required,
                   CASE WHEN p.order_type = 'fault_repair' THEN 'repair'
                        WHEN p.order_type = 'consultation' AND p.r_sub < 0.8 THEN 'intake'
                        WHEN ty.follow_up THEN 'std_fu' ELSE 'std' END AS path,
                   dp.id AS department_id, dp.handler_id
            FROM (
                SELECT g AS id,
                       CAST(:t AS timestamptz)
                         - make_interval(secs => 94608000.0 * (:n - g + random()) / :n)
                         AS accepted_at,
                       1 + (g::bigint * 7919) % :c AS customer_id,
                       {type_case} AS order_type,
                       r_sub, r_state, r_open, r_met, r_x
                FROM (SELECT g, random() AS r_type, random() AS r_sub, random() AS r_state,
                             random() AS r_open, random() AS r_met, random() AS r_x
                      FROM generate_series(1, :n) g) r
            ) p
            JOIN b_type ty ON ty.order_type = p.order_type
            JOIN b_district d ON d.idx = p.customer_id % 4
            JOIN b_dept dp ON dp.code = CASE
                WHEN p.order_type = 'service_request' AND p.r_sub < 0.25 THEN 'metering'
                ELSE replace(ty.pattern, '{{d}}', d.code) END
            """,
        ),
        (
            "plan: state and milestones",
            f"""
            CREATE TEMP TABLE b_order AS
            SELECT q.*, l.last_k, f.full_k
            FROM (
              SELECT p.*, d.id AS district_id,
                CASE
                  WHEN p.path = 'intake' THEN 'archived'
                  WHEN p.r_open < 0.9 * exp(-least(50.0, age_days / CASE
                         WHEN p.order_type = 'fault_repair' THEN 1.0 ELSE 130.0 END))
                    THEN {open_case}
                  WHEN p.r_state < 0.01 THEN 'cancelled'
                  ELSE 'archived' END AS state,
                CASE WHEN p.order_type = 'service_request' THEN
                  CASE WHEN p.r_sub < 0.15 THEN 'meter_anomaly'
                       WHEN p.r_sub < 0.25 THEN 'reading_anomaly'
                       WHEN p.r_sub < 0.40 THEN 'reconnection'
                       WHEN p.r_sub < 0.55 THEN 'new_connection'
                       WHEN p.r_sub < 0.60 THEN 'meter_split' ELSE 'general' END END AS subtype,
                CASE WHEN p.order_type = 'fault_repair' THEN
                  CASE WHEN p.r_sub < 0.70 THEN 'urban' WHEN p.r_sub < 0.95 THEN 'rural'
                       ELSE 'remote' END END AS area_class,
                -- how long a finished order took: repairs hours, the rest days
                CASE WHEN p.order_type = 'fault_repair'
                     THEN make_interval(secs => 3600 * (2 + 6 * p.r_x))
                     ELSE make_interval(secs => 86400 * (1 + 7 * p.r_x)) END AS span
              FROM (SELECT *, (extract(epoch FROM CAST(:t AS timestamptz) - accepted_at)
                               / 86400.0)::float8 AS age_days FROM b_plan) p
              JOIN b_district d ON d.idx = p.customer_id % 4
            ) q
            LEFT JOIN (SELECT path, to_state, max(k) AS last_k FROM b_step GROUP BY 1, 2) l
              ON l.path = q.path AND l.to_state = q.state
            JOIN (SELECT path, max(k) AS full_k FROM b_step GROUP BY 1) f ON f.path = q.path
            """,
        ),
        (
            "plan: closing times",
            """
            ALTER TABLE b_order ADD COLUMN closed_at timestamptz, ADD COLUMN progress_end timestamptz;
            UPDATE b_order SET
              path = CASE WHEN state = 'cancelled' THEN 'cancel' ELSE path END,
              last_k = CASE WHEN state = 'cancelled' THEN 2 ELSE last_k END,
              full_k = CASE WHEN state = 'cancelled' THEN 2 ELSE full_k END,
              closed_at = CASE
                WHEN path = 'intake' THEN accepted_at
                WHEN state IN ('archived', 'cancelled')
                  THEN least(accepted_at + span, CAST(:t AS timestamptz) - interval '1 minute')
                END,
              progress_end = CASE
                WHEN path = 'intake' THEN accepted_at
                WHEN state IN ('archived', 'cancelled')
                  THEN least(accepted_at + span, CAST(:t AS timestamptz) - interval '1 minute')
                ELSE accepted_at + (CAST(:t AS timestamptz) - accepted_at) * 0.9 END;
            CREATE INDEX ON b_order (id);
            ANALYZE b_order;
            """,
        ),
        (
            "contacts",
            f"""
            INSERT INTO contact (id, number, channel, customer_id, caller_name, caller_phone,
                                 received_at, taken_by_id, summary, created_at)
            SELECT o.id, 'LD' || to_char(o.accepted_at AT TIME ZONE 'Asia/Shanghai', 'YYYYMMDD')
                         || lpad(o.id::text, 7, '0'),
                   CASE WHEN o.r_x < 0.70 THEN 'hotline' WHEN o.r_x < 0.80 THEN 'gov_12345'
                        WHEN o.r_x < 0.86 THEN 'counter' WHEN o.r_x < 0.92 THEN 'web'
                        WHEN o.r_x < 0.97 THEN 'sms' ELSE 'programme' END,
                   o.customer_id, c.name, c.phone, o.accepted_at, {centre["agent"]},
                   NULL, o.accepted_at
            FROM b_order o JOIN customer c ON c.id = o.customer_id
            ORDER BY o.id
            """,
        ),
        (
            "work orders",
            f"""
            INSERT INTO work_order (
              id, number, contact_id, customer_id, order_type, subtype, title, description,
              address, district_id, department_id, assignee_id, state, accepted_at, due_at,
              is_overdue, is_escalated, has_provisional_deadline, rework_count, closed_on_intake,
              returned_at, result, replied_at, replied_by_id, reply_method, follow_up_required,
              follow_up_attempts, follow_up_outcome, answered_follow_ups, satisfied_follow_ups,
              followed_up_at, closed_at, area_class,
              crew, crew_dispatched_at, arrived_at, restored_at, updated_at, version)
            SELECT o.id,
                   'GD' || to_char(o.accepted_at AT TIME ZONE 'Asia/Shanghai', 'YYYYMMDD')
                        || lpad(o.id::text, 7, '0'),
                   o.id, o.customer_id, o.order_type, o.subtype,
                   CASE o.order_type WHEN 'fault_repair' THEN '停电报修'
                        WHEN 'complaint' THEN '服务投诉' WHEN 'service_request' THEN '业务办理'
                        WHEN 'consultation' THEN '电费咨询' ELSE '客户来电' END
                     || ' ' || o.id,
                   '客户来电反映情况，需核实处理。', c.address, o.district_id, o.department_id,
                   CASE WHEN o.last_k >= 2 AND o.path <> 'cancel' AND o.path <> 'intake'
                        THEN o.handler_id END,
                   o.state, o.accepted_at, NULL, false, false, false,
                   CASE WHEN o.follow_up_required AND o.state IN ('followed_up', 'archived')
                             AND o.r_met > 0.97 THEN 1 ELSE 0 END,
                   o.path = 'intake',
                   CASE WHEN o.path IN ('std', 'std_fu') AND o.last_k >= 4
                          OR o.path = 'repair' AND o.last_k >= 5
                        THEN o.accepted_at + (o.progress_end - o.accepted_at) * 0.6 END,
                   CASE WHEN o.path = 'intake' OR o.last_k >= 4 AND o.path <> 'cancel'
                        THEN '已处理完毕' END,
                   CASE WHEN o.path = 'intake' THEN o.accepted_at
                        WHEN o.state IN ('replied', 'followed_up', 'archived')
                        THEN o.accepted_at + (o.progress_end - o.accepted_at) * 0.8 END,
                   CASE WHEN o.path = 'intake' THEN {centre["agent"]}
                        WHEN o.state IN ('replied', 'followed_up', 'archived')
                        THEN {centre["followup"]} END,
                   CASE WHEN o.path = 'intake' OR o.state IN ('replied', 'followed_up', 'archived')
                        THEN 'phone' END,
                   o.follow_up_required, 0,
                   CASE WHEN o.follow_up_required AND o.state IN ('followed_up', 'archived')
                        THEN CASE WHEN o.r_met < 0.86 THEN 'satisfied'
                                  WHEN o.r_met < 0.94 THEN 'basically_satisfied'
                                  WHEN o.r_met < 0.97 THEN 'unreachable'
                                  ELSE 'satisfied' END END,
                   -- the counters the follow-up action keeps: an answered call is any but
                   -- unreachable (a reworked order also had its dissatisfied call)
                   CASE WHEN o.follow_up_required AND o.state IN ('followed_up', 'archived')
                        THEN CASE WHEN o.r_met < 0.94 THEN 1 WHEN o.r_met < 0.97 THEN 0
                                  ELSE 2 END ELSE 0 END,
                   CASE WHEN o.follow_up_required AND o.state IN ('followed_up', 'archived')
                             AND NOT (o.r_met >= 0.94 AND o.r_met < 0.97) THEN 1 ELSE 0 END,
                   CASE WHEN o.follow_up_required AND o.state IN ('followed_up', 'archived')
                        THEN o.accepted_at + (o.progress_end - o.accepted_at) * 0.9 END,
                   o.closed_at, o.area_class,
                   CASE WHEN o.order_type = 'fault_repair' AND o.last_k >= 1 THEN '抢修一班' END,
                   CASE WHEN o.order_type = 'fault_repair' AND o.last_k >= 1
                        THEN o.accepted_at + (o.progress_end - o.accepted_at) * 0.05 END,
                   CASE WHEN o.path = 'repair' AND o.last_k >= 3
                        THEN o.accepted_at + (o.progress_end - o.accepted_at) * 0.2 END,
                   CASE WHEN o.path = 'repair' AND o.last_k >= 4
                        THEN o.accepted_at + (o.progress_end - o.accepted_at) * 0.5 END,
                   o.progress_end, o.last_k + 1
            FROM b_order o JOIN customer c ON c.id = o.customer_id
            ORDER BY o.id
            """,
        ),
        (
            "deadlines: plan",
            f"""
            CREATE TEMP TABLE b_deadline AS
            SELECT o.id AS order_id, l.kind, l.amount, l.unit, l.start_at, o.state, o.path,
                   o.last_k, o.r_met, o.r_x, o.accepted_at, o.progress_end,
                   CASE WHEN l.unit = 'working_days' THEN {working_day_due}
                        WHEN l.unit = 'hours' THEN l.start_at + l.amount * interval '1 hour'
                        ELSE l.start_at + l.amount * interval '1 minute' END AS due_at,
                   -- settled once the order passed the step that meets it
                   CASE WHEN o.state IN ('archived', 'cancelled') THEN true
                        WHEN l.kind = 'completion' THEN o.state IN ('replied', 'followed_up')
                        WHEN l.kind = 'first_contact'
                          THEN o.state NOT IN ('accepted', 'dispatched', 'acknowledged')
                        WHEN l.kind = 'arrival' THEN o.last_k >= 3
                        WHEN l.kind = 'restoration' THEN o.last_k >= 4
                        END AS is_met
            FROM b_order o
            CROSS JOIN LATERAL (
              SELECT * FROM (VALUES
                ('arrival', CASE o.area_class WHEN 'urban' THEN 45 WHEN 'rural' THEN 90
                                 ELSE 120 END, 'minutes', o.accepted_at,
                 o.order_type = 'fault_repair'),
                ('restoration', CASE o.area_class WHEN 'urban' THEN 3 ELSE 4 END, 'hours',
                 o.accepted_at + (o.progress_end - o.accepted_at) * 0.2,
                 o.path = 'repair' AND o.last_k >= 3),
                ('first_contact', 24, 'hours', o.accepted_at, o.order_type = 'complaint'),
                ('completion',
                 CASE WHEN o.order_type = 'complaint' THEN 4
                      WHEN o.order_type = 'misconduct_report' THEN 9
                      WHEN o.subtype = 'meter_anomaly' THEN 4
                      WHEN o.subtype = 'reading_anomaly' THEN 6
                      WHEN o.subtype = 'reconnection' THEN 24 ELSE 5 END,
                 CASE WHEN o.subtype = 'reconnection' THEN 'hours' ELSE 'working_days' END,
                 o.accepted_at, o.order_type <> 'fault_repair')
              ) AS v(kind, amount, unit, start_at, applies)
              WHERE v.applies
            ) l
            """,
        ),
        (
            "deadlines: met, warned, escalated",
            """
            ALTER TABLE b_deadline ADD COLUMN warn_at timestamptz, ADD COLUMN met_at timestamptz,
              ADD COLUMN warned_at timestamptz, ADD COLUMN escalated_at timestamptz;
            UPDATE b_deadline SET
              warn_at = due_at - greatest((due_at - start_at) * 0.2, interval '15 minutes'),
              -- 4 % met late, the rest in time, never after the reference time
              met_at = CASE WHEN is_met THEN least(
                         CASE WHEN r_x < 0.04 THEN due_at + (due_at - start_at) * 0.3 * r_met
                              ELSE start_at + (due_at - start_at) * (0.2 + 0.7 * r_met) END,
                         CAST(:t AS timestamptz) - interval '2 minutes') END;
            -- the steady state of a sweep every minute: everything due is warned and escalated,
            -- except the most recent :due_now / :warn_now (the work a sweep finds now)
            UPDATE b_deadline SET warned_at = warn_at + interval '30 seconds'
             WHERE warn_at <= coalesce(met_at, CAST(:t AS timestamptz));
            UPDATE b_deadline SET escalated_at = due_at + interval '30 seconds'
             WHERE due_at <= coalesce(met_at, CAST(:t AS timestamptz));
            UPDATE b_deadline b SET warned_at = NULL FROM (
              SELECT ctid FROM b_deadline WHERE met_at IS NULL AND warn_at <= CAST(:t AS timestamptz)
              ORDER BY warn_at DESC LIMIT :warn_now) x WHERE b.ctid = x.ctid;
            UPDATE b_deadline b SET escalated_at = NULL FROM (
              SELECT ctid FROM b_deadline WHERE met_at IS NULL AND due_at <= CAST(:t AS timestamptz)
              ORDER BY due_at DESC LIMIT :due_now) x WHERE b.ctid = x.ctid;
            """,
        ),
        (
            "deadlines",
            f"""
            INSERT INTO deadline (order_id, kind, seq, start_at, amount, unit, due_at, warn_at,
                                  is_provisional, met_at, warned_at, escalated_at, policy_id)
            SELECT order_id, kind, 1, start_at, amount, unit, due_at, warn_at, false, met_at,
                   warned_at, escalated_at, {ids["policy_id"]}
            FROM b_deadline ORDER BY order_id, kind
            """,
        ),
        (
            "work orders: nearest deadline and flags",
            """
            UPDATE work_order w SET due_at = x.due_at, is_overdue = x.overdue,
                                    is_escalated = x.escalated
            FROM (SELECT order_id,
                         min(due_at) FILTER (WHERE met_at IS NULL) AS due_at,
                         bool_or(coalesce(met_at > due_at, false) OR escalated_at IS NOT NULL) AS overdue,
                         bool_or(escalated_at IS NOT NULL) AS escalated
                  FROM b_deadline GROUP BY order_id) x
            WHERE w.id = x.order_id
              AND (x.due_at IS NOT NULL OR x.overdue OR x.escalated)
            """,
        ),
        (
            "events",
            f"""
            INSERT INTO order_event (order_id, action, from_state, to_state, actor_id, at, note,
                                     data)
            SELECT o.id, s.action, s.from_state, s.to_state,
                   CASE s.who WHEN 'handler' THEN o.handler_id
                              WHEN 'agent' THEN {centre["agent"]}
                              WHEN 'dispatcher' THEN {centre["dispatcher"]}
                              ELSE {centre["followup"]} END,
                   o.accepted_at + (o.progress_end - o.accepted_at) * s.k / greatest(o.full_k, 1),
                   NULL, NULL
            FROM b_order o JOIN b_step s ON s.path = o.path AND s.k <= o.last_k
            ORDER BY o.id, s.k
            """,
        ),
        (
            "follow-up calls",
            f"""
            INSERT INTO follow_up (order_id, at, outcome, by_id, note)
            SELECT w.id, w.followed_up_at - interval '1 day' * v.back, v.outcome,
                   {centre["followup"]}, NULL
            FROM work_order w CROSS JOIN LATERAL (VALUES
                (0, w.follow_up_outcome, true),
                -- a reworked order had a dissatisfied call before the satisfied one
                (2, 'dissatisfied', w.rework_count > 0)) AS v(back, outcome, applies)
            WHERE w.followed_up_at IS NOT NULL AND v.applies
            ORDER BY w.id
            """,
        ),
        (
            "sequences",
            """
            SELECT setval(pg_get_serial_sequence('customer', 'id'), (SELECT max(id) FROM customer));
            SELECT setval(pg_get_serial_sequence('contact', 'id'), (SELECT max(id) FROM contact));
            SELECT setval(pg_get_serial_sequence('work_order', 'id'),
                          (SELECT max(id) FROM work_order));
            """,
        ),
    ]


def _ids(engine: Engine) -> dict[str, Any]:
    with engine.connect() as db:
        districts: dict[str, int] = dict(db.execute(text("SELECT code, id FROM district")).all())
        departments: dict[str, int] = dict(
            db.execute(text("SELECT code, id FROM department")).all()
        )
        staff: dict[str, int] = dict(db.execute(text("SELECT username, id FROM staff")).all())
        policy_id = db.scalar(text("SELECT id FROM time_limit_policy WHERE code = 'SGCC-2021'"))
    return {
        "districts": districts,
        "departments": departments,
        "staff": staff,
        "policy_id": policy_id,
    }


def fill(url: str, *, orders: int, due_now: int, warn_now: int, force: bool) -> dict[str, Any]:
    recreate_database(url, force=force)
    engine = make_engine(Settings(database_url=url))
    t = clock.now().replace(second=0, microsecond=0)
    timings: dict[str, float] = {}
    try:
        upgrade(engine)
        with make_session_factory(engine)() as session:
            demo_org.install(session)
            session.commit()
        ids = _ids(engine)
        params = {
            "t": t,
            "n": orders,
            "c": max(1, orders // 3),
            "due_now": due_now,
            "warn_now": warn_now,
        }
        with engine.begin() as db:
            for label, sql in _fill_statements(ids):
                started = time.perf_counter()
                for statement in (s for s in sql.split(";") if s.strip()):
                    used = {k: v for k, v in params.items() if f":{k}" in statement}
                    db.execute(text(statement), used)
                timings[label] = round(time.perf_counter() - started, 1)
                log(f"  fill: {label}: {timings[label]} s")
            db.execute(text("CREATE TABLE bench_meta (key text PRIMARY KEY, value text NOT NULL)"))
            db.execute(
                text("INSERT INTO bench_meta VALUES ('reference_time', :t), ('orders', :n)"),
                {"t": t.isoformat(), "n": str(orders)},
            )
        started = time.perf_counter()
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as db:
            db.execute(text("VACUUM (ANALYZE)"))
        timings["vacuum analyze"] = round(time.perf_counter() - started, 1)
    finally:
        engine.dispose()
    return {"reference_time": t.isoformat(), "seconds": timings}


def is_filled(url: str) -> bool:
    """bench_meta is written in the fill's own transaction, so it exists only after a whole fill."""
    if not database_exists(url):
        return False
    engine = make_engine(Settings(database_url=url))
    try:
        with engine.connect() as db:
            return db.scalar(text("SELECT to_regclass('bench_meta')")) is not None
    finally:
        engine.dispose()


def describe(engine: Engine, t: datetime) -> dict[str, Any]:
    """What the filled database holds, for the record."""
    with engine.connect() as db:
        one = db.execute(
            text(
                "SELECT count(*) AS orders,"
                " count(*) FILTER (WHERE state NOT IN ('archived', 'cancelled')) AS open,"
                " count(*) FILTER (WHERE state IN ('dispatched', 'acknowledged', 'in_progress'))"
                "   AS with_departments,"
                " min(accepted_at) AS first, max(accepted_at) AS last FROM work_order"
            )
        ).one()
        counts = {
            table: db.scalar(text(f"SELECT count(*) FROM {table}"))
            for table in ("customer", "contact", "deadline", "order_event", "follow_up")
        }
        states: dict[str, int] = dict(
            db.execute(text("SELECT state, count(*) FROM work_order GROUP BY 1")).all()
        )
        types: dict[str, int] = dict(
            db.execute(text("SELECT order_type, count(*) FROM work_order GROUP BY 1")).all()
        )
        queues = db.execute(
            text(
                "SELECT d.code, count(*) FROM work_order w JOIN department d"
                " ON d.id = w.department_id"
                " WHERE w.state IN ('dispatched', 'acknowledged', 'in_progress')"
                " GROUP BY d.code ORDER BY 2 DESC"
            )
        ).all()
        due = db.execute(
            text(
                "SELECT count(*) FILTER (WHERE met_at IS NULL AND escalated_at IS NULL"
                "   AND due_at <= :t) AS to_escalate,"
                " count(*) FILTER (WHERE met_at IS NULL AND warned_at IS NULL AND warn_at <= :t)"
                "   AS to_warn,"
                " count(*) FILTER (WHERE met_at IS NULL) AS unmet FROM deadline"
            ),
            {"t": t},
        ).one()
        sizes: dict[str, str] = dict(
            db.execute(
                text(
                    "SELECT relname, pg_size_pretty(pg_total_relation_size(oid)) FROM pg_class"
                    " WHERE relname IN ('work_order', 'order_event', 'deadline', 'contact',"
                    " 'follow_up', 'customer')"
                )
            ).all()
        )
        database_size = db.scalar(
            text("SELECT pg_size_pretty(pg_database_size(current_database()))")
        )
    return {
        "orders": one.orders,
        "open": one.open,
        "open_share": round(one.open / max(one.orders, 1), 4),
        "in_department_queues": one.with_departments,
        "accepted_from": one.first.isoformat() if one.first else None,
        "accepted_to": one.last.isoformat() if one.last else None,
        "rows": counts,
        "states": states,
        "types": types,
        "department_queues": dict(queues),
        "deadlines_due_now": {"to_escalate": due.to_escalate, "to_warn": due.to_warn},
        "deadlines_unmet": due.unmet,
        "table_sizes": sizes,
        "database_size": database_size,
    }


# --- measuring -------------------------------------------------------------------------------


@contextmanager
def captured(engine: Engine) -> Iterator[list[tuple[str, Any]]]:
    """The SQL statements (with parameters) run on `engine` inside the block."""
    seen: list[tuple[str, Any]] = []

    def listen(_c: Any, _cur: Any, statement: str, parameters: Any, _ctx: Any, many: bool) -> None:
        if not many:
            seen.append((statement, parameters))

    event.listen(engine, "before_cursor_execute", listen)
    try:
        yield seen
    finally:
        event.remove(engine, "before_cursor_execute", listen)


def explain(connection: Connection, statements: list[tuple[str, Any]]) -> list[dict[str, str]]:
    """EXPLAIN (ANALYZE, BUFFERS) of each statement, run in order on `connection` (whose
    transaction the caller rolls back), so an UPDATE sees what the SELECT before it locked."""
    plans = []
    for statement, parameters in statements:
        verb = statement.lstrip().split(None, 1)[0].upper()
        if verb not in ("SELECT", "UPDATE", "INSERT", "DELETE", "WITH"):
            continue
        rows = connection.exec_driver_sql("EXPLAIN (ANALYZE, BUFFERS) " + statement, parameters)
        plans.append(
            {"sql": _literal(statement, parameters), "plan": "\n".join(r[0] for r in rows)}
        )
    return plans


def explain_apart(engine: Engine, statements: list[tuple[str, Any]]) -> list[dict[str, str]]:
    with engine.connect() as connection:
        plans = explain(connection, statements)
        connection.rollback()
    return plans


def _literal(statement: str, parameters: Any) -> str:
    """The statement with its parameters shown inline, for the document (not for running)."""
    if isinstance(parameters, dict):
        for key in sorted(parameters, key=len, reverse=True):
            value = parameters[key]
            if isinstance(value, datetime):
                shown = f"'{value.isoformat()}'"
            elif isinstance(value, str):  # StrEnum members too: their value, quoted
                shown = "'" + str.__str__(value).replace("'", "''") + "'"
            else:
                shown = str(value)
            statement = statement.replace(f"%({key})s", shown)
    return statement


def timed_runs(runs: int, call: Callable[[], Any], warmup: int = 5) -> list[float]:
    for _ in range(warmup):
        call()
    out = []
    for _ in range(runs):
        started = time.perf_counter()
        call()
        out.append(time.perf_counter() - started)
    return out


def actor(session: Session, username: str) -> Actor:
    staff = session.scalar(select(Staff).where(Staff.username == username))
    if staff is None:
        raise SystemExit(f"no staff member {username!r} in the scale database")
    return actor_of(staff)


def measure_queue(engine: Engine, department: str, runs: int) -> dict[str, Any]:
    factory = make_session_factory(engine)
    with factory() as session:
        handler = actor(session, department)
        f = OrderFilter(queue=True, department_id=handler.department_id)
        # One session for all runs, as a worker's pooled connection: psycopg prepares a statement
        # after 5 executions, so these runs also show whether a generic plan takes over.
        page = repository.list_orders(session, f, by=handler)
        with captured(engine) as statements:
            repository.list_orders(session, f, by=handler)
        lat = timed_runs(runs, lambda: repository.list_orders(session, f, by=handler))
        lat_total = timed_runs(
            runs // 4 or 1, lambda: repository.list_orders(session, f, by=handler, with_total=True)
        )
        last = repository.list_orders(session, f, by=handler, with_total=True)
        session.rollback()
    due = [item.due_at for item in page.items]
    return {
        "department": department,
        "queue_size": last.total,
        "page_rows": len(page.items),
        "ordered_by_due": all(a <= b for a, b in itertools.pairwise(due) if a and b),
        "latency": latency(lat),
        "latency_with_total": latency(lat_total),
        "plans": explain_apart(engine, statements),
    }


def measure_sweep(engine: Engine, t: datetime, runs: int) -> dict[str, Any]:
    factory = make_session_factory(engine)
    work_lat: list[float] = []
    idle_lat: list[float] = []
    reports = []
    for _ in range(runs):
        with factory() as session:
            started = time.perf_counter()
            report = sla.sweep(session, now=t, by=system("bench"))
            session.flush()
            work_lat.append(time.perf_counter() - started)
            started = time.perf_counter()
            idle = sla.sweep(session, now=t, by=system("bench"))
            idle_lat.append(time.perf_counter() - started)
            reports.append((report.warned, report.escalated, idle.warned + idle.escalated))
            session.rollback()
    with factory() as session, captured(engine) as with_work:
        sla.sweep(session, now=t, by=system("bench"))
        session.rollback()
    plans_with_work = explain_apart(engine, with_work)
    # Nothing to do is the minute after a sweep: explained in the transaction that just swept.
    with factory() as session:
        sla.sweep(session, now=t, by=system("bench"))
        with captured(engine) as without_work:
            sla.sweep(session, now=t, by=system("bench"))
        plans_no_work = explain(session.connection(), without_work)
        session.rollback()
    warned, escalated, idle_work = reports[-1]
    return {
        "reference_time": t.isoformat(),
        "warned_per_run": warned,
        "escalated_per_run": escalated,
        "same_work_every_run": len(set(reports)) == 1,
        "idle_run_work": idle_work,
        "latency_with_work": latency(work_lat),
        "latency_no_work": latency(idle_lat),
        "plans_with_work": plans_with_work,
        "plans_no_work": plans_no_work,
        "note": "statements sent as executemany (the event INSERTs) are timed but not explained",
    }


def month_before(t: datetime) -> tuple[date, date]:
    first_this = t.date().replace(day=1)
    last_prev = first_this - timedelta(days=1)
    return last_prev.replace(day=1), last_prev


def measure_quality(engine: Engine, t: datetime, runs: int) -> dict[str, Any]:
    try:
        from quarterhour.analytics import service as analytics
        from quarterhour.analytics.schemas import StatsQuery
    except ImportError as exc:  # the read side is written in parallel; say so instead of failing
        return {"todo": f"quarterhour.analytics has no quality function yet ({exc})"}
    start, end = month_before(t)
    query = StatsQuery(start=start, end=end)
    with make_session_factory(engine)() as session:
        by = actor(session, "supervisor")
        report = analytics.quality_figures(session, query, by=by)
        with captured(engine) as statements:
            analytics.quality_figures(session, query, by=by)
        lat = timed_runs(runs, lambda: analytics.quality_figures(session, query, by=by))
        session.rollback()
    return {
        "month": [start.isoformat(), end.isoformat()],
        "accepted_in_month": report.total.accepted,
        "handling_rate": str(report.total.handling_rate),
        "satisfaction_rate": str(report.total.satisfaction_rate),
        "on_time_rate": str(report.total.on_time_rate),
        "latency": latency(lat),
        "plans": explain_apart(engine, statements),
    }


def measure_http(
    url: str, t: datetime, department: str, runs: int, load_requests: int, concurrency: int
) -> dict[str, Any]:
    """The same reads through `quarterhour serve --workers 2`: latency one at a time, then a
    concurrent mixed load, then the workers' peak RSS."""
    # The background sweep would commit the work the sweep measurement relies on.
    server = Server(url, workers=2, env={"QUARTERHOUR_BACKGROUND_SWEEP": "0"})
    start, end = month_before(t)
    out: dict[str, Any] = {}
    try:
        server.start()
        with httpx.Client(base_url=server.base, timeout=60) as client:
            tokens = {}
            for username in (department, "supervisor"):
                response = client.post(
                    "/api/v1/auth/token",
                    json={"username": username, "password": demo_org.DEMO_PASSWORD},
                )
                response.raise_for_status()
                tokens[username] = {"Authorization": f"Bearer {response.json()['access_token']}"}
            department_id = client.get("/api/v1/auth/me", headers=tokens[department]).json()[
                "department_id"
            ]
            queue = f"/api/v1/orders?queue=true&department_id={department_id}&per_page=50"
            quality = f"/api/v1/stats/quality?start={start.isoformat()}&end={end.isoformat()}"

            def get(path: str, who: str) -> Callable[[], None]:
                def call() -> None:
                    response = client.get(path, headers=tokens[who])
                    if response.status_code != 200:
                        raise RuntimeError(
                            f"GET {path}: {response.status_code} {response.text[:200]}"
                        )

                return call

            out["queue"] = latency(timed_runs(runs, get(queue, department)))
            if client.get(quality, headers=tokens["supervisor"]).status_code == 200:
                out["quality"] = latency(timed_runs(max(runs // 4, 10), get(quality, "supervisor")))
            else:
                out["quality"] = {"todo": "GET /api/v1/stats/quality does not answer 200 yet"}
            ids = [
                item["id"]
                for page in (1, 2, 3)
                for item in client.get(f"{queue}&page={page}", headers=tokens[department]).json()[
                    "items"
                ]
            ]
        out["load"] = _load(server.base, tokens, queue, quality, ids, load_requests, concurrency)
        out["memory"] = server.worker_memory()
    finally:
        server.stop()
    return out


def _load(
    base: str,
    tokens: dict[str, dict[str, str]],
    queue: str,
    quality: str,
    ids: list[int],
    requests: int,
    concurrency: int,
) -> dict[str, Any]:
    """Mixed reads at concurrency 16: queue pages, order details, state counts, a month's figures."""
    handler = next(k for k in tokens if k != "supervisor")
    mix: list[tuple[str, str, str]] = [
        ("queue page", queue + "&page={page}", handler),
        ("order detail", "/api/v1/orders/{order}", handler),
        ("state counts", "/api/v1/orders/counts", "supervisor"),
        ("quality month", quality, "supervisor"),
    ]
    weights = [6, 6, 2, 1]
    counter = itertools.count()
    lock = threading.Lock()
    lat: dict[str, list[float]] = {name: [] for name, _, _ in mix}
    errors: list[str] = []

    seeds = itertools.count()

    def worker(stop: threading.Event) -> None:
        with lock:
            rng = random.Random(next(seeds))
        mine: dict[str, list[float]] = {name: [] for name, _, _ in mix}
        failed: list[str] = []
        with httpx.Client(base_url=base, timeout=60) as client:
            while not stop.is_set():
                with lock:
                    k = next(counter)
                if k >= requests:
                    break
                name, path, who = rng.choices(mix, weights)[0]
                path = path.format(page=rng.randint(1, 5), order=rng.choice(ids))
                started = time.perf_counter()
                response = client.get(path, headers=tokens[who])
                if response.status_code == 200:
                    mine[name].append(time.perf_counter() - started)
                else:
                    failed.append(f"{path}: {response.status_code}")
        with lock:
            errors.extend(failed)
            for name in mine:
                lat[name].extend(mine[name])

    started = time.perf_counter()
    run_threads(concurrency, worker)
    wall = time.perf_counter() - started
    return {
        "requests": requests,
        "concurrency": concurrency,
        "wall_s": round(wall, 2),
        "requests_per_s": round(sum(len(v) for v in lat.values()) / wall, 1),
        "errors": len(errors),
        "error_samples": errors[:5],
        "latency": {name: latency(values) for name, values in lat.items()},
    }


# --- output ----------------------------------------------------------------------------------


def markdown(result: dict[str, Any]) -> str:
    rows = ["| measurement | p50 ms | p99 ms | n |", "|---|---:|---:|---:|"]

    def row(label: str, figures: dict[str, Any] | None) -> None:
        if figures and "p50_ms" in figures:
            rows.append(f"| {label} | {figures['p50_ms']} | {figures['p99_ms']} | {figures['n']} |")
        elif figures and "todo" in figures:
            rows.append(f"| {label} | TODO: {figures['todo']} | | |")

    q = result["queue"]
    row(f"queue of {q['department']} ({q['queue_size']} orders), list_orders", q["latency"])
    row("… with_total=True", q["latency_with_total"])
    s = result["sweep"]
    row(
        f"sweep, {s['warned_per_run']} warned + {s['escalated_per_run']} escalated",
        s["latency_with_work"],
    )
    row("sweep, nothing to do", s["latency_no_work"])
    quality = result["quality"]
    row(f"quality figures, month {quality.get('month')}", quality.get("latency", quality))
    if "http" in result:
        h = result["http"]
        row("HTTP GET queue page (1 client)", h["queue"])
        row("HTTP GET quality month (1 client)", h["quality"])
        for name, figures in h["load"]["latency"].items():
            row(f"HTTP load c={h['load']['concurrency']}: {name}", figures)
        rows.append("")
        rows.append(
            f"mixed load {h['load']['requests_per_s']} req/s, errors {h['load']['errors']}; "
            f"worker peak RSS MiB {h['memory']['worker_peak_rss_mib']}"
        )
    return "\n".join(rows)


def plans_text(result: dict[str, Any]) -> str:
    parts = []
    sections = [
        ("queue", result["queue"].get("plans", [])),
        ("sweep with work", result["sweep"].get("plans_with_work", [])),
        ("sweep without work", result["sweep"].get("plans_no_work", [])),
        ("quality", result["quality"].get("plans", [])),
    ]
    for title, plans in sections:
        for i, p in enumerate(plans, 1):
            parts.append(f"-- {title}, statement {i}\n{p['sql'].strip()}\n\n{p['plan']}\n")
    return "\n".join(parts)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database-url", default=f"{PG_BASE}/qh_scale")
    parser.add_argument("--orders", type=int, default=1_000_000)
    parser.add_argument("--skip-fill", action="store_true", help="reuse the filled database")
    parser.add_argument("--runs", type=int, default=200)
    parser.add_argument("--sweep-runs", type=int, default=50)
    parser.add_argument("--due-now", type=int, default=300, help="deadlines due, not yet swept")
    parser.add_argument("--warn-now", type=int, default=300, help="warnings due, not yet sent")
    parser.add_argument(
        "--department", help="whose queue (default: the department with the longest queue)"
    )
    parser.add_argument("--load-requests", type=int, default=3000)
    parser.add_argument("--concurrency", type=int, default=16)
    parser.add_argument("--skip-http", action="store_true")
    parser.add_argument(
        "--no-vacuum",
        action="store_true",
        help="with --skip-fill: measure without the VACUUM (ANALYZE) that clears earlier runs",
    )
    parser.add_argument("--out", help="result JSON (default bench/results/scale-<time>.json)")
    parser.add_argument("--force-drop", action="store_true")
    args = parser.parse_args(argv)

    result: dict[str, Any] = {
        "benchmark": "scale",
        "args": {k: v for k, v in vars(args).items() if k != "out"},
    }
    with terminate_as_interrupt():
        if args.skip_fill and not is_filled(args.database_url):
            raise SystemExit(f"{args.database_url} is not filled; run without --skip-fill")
        if not args.skip_fill:
            log(f"filling {args.database_url} with {args.orders:,} orders")
            result["uptime_fill"] = uptime_line()
            result["fill"] = fill(
                args.database_url,
                orders=args.orders,
                due_now=args.due_now,
                warn_now=args.warn_now,
                force=args.force_drop,
            )
        result["facts"] = machine_facts(args.database_url)
        engine = make_engine(Settings(database_url=args.database_url))
        try:
            if args.skip_fill and not args.no_vacuum:
                # Earlier runs roll their sweeps back; the dead rows would slow this run's.
                started = time.perf_counter()
                with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as db:
                    db.execute(text("VACUUM (ANALYZE)"))
                result["vacuum_s"] = round(time.perf_counter() - started, 1)
                log(f"VACUUM (ANALYZE): {result['vacuum_s']} s")
            with engine.connect() as db:
                t = datetime.fromisoformat(
                    db.scalar(text("SELECT value FROM bench_meta WHERE key = 'reference_time'"))
                )
            result["database"] = describe(engine, t)
            queues = result["database"]["department_queues"]
            department = args.department or next(iter(queues))
            log(f"measuring (queue of {department}, reference time {t.isoformat()})")
            result["uptime_measure"] = uptime_line()
            result["queue"] = measure_queue(engine, department, args.runs)
            log(f"  queue: {result['queue']['latency']}")
            result["sweep"] = measure_sweep(engine, t, args.sweep_runs)
            log(f"  sweep: {result['sweep']['latency_with_work']}")
            result["quality"] = measure_quality(engine, t, args.runs)
            log(f"  quality: {result['quality'].get('latency', result['quality'])}")
        finally:
            engine.dispose()
        if not args.skip_http:
            result["http"] = measure_http(
                args.database_url, t, department, args.runs, args.load_requests, args.concurrency
            )
            result["uptime_after_http"] = uptime_line()
    path = write_result("scale", result, args.out)
    plans = path.with_suffix(".plans.txt")
    plans.write_text(plans_text(result), encoding="utf-8")
    print(markdown(result))
    log(f"result: {path}\nplans: {plans}")
    return 0


if __name__ == "__main__":
    try:
        sys.exit(main())
    except KeyboardInterrupt:
        log("interrupted: what the benchmark started has been stopped")
        sys.exit(130)

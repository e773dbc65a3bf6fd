"""The timelines (``case_events``) of the bulk-loaded cases, derived from the case rows in SQL.

Each case gets the events of the path that led to its state (``bulk_cases.PATHS``): ``register``,
then e.g. accept → reply → feedback → auto_close, spread evenly between ``created_at`` and the
case's last change; a breach of the handling clock after ``accept`` when ``is_breached`` says so
(the same test on the case id's first 16 bits); and the repeat visits (``visit``) of an open case
at the end, a minute apart. ``event_seq`` of the case row is the number of its events. The
statistics' facts (``stat_facts``) are then derived from the timelines as a deployment's backfill
derives them."""

from __future__ import annotations

from typing import Any

import psycopg

from activities.stat_facts import DERIVE_SQL
from bench.bulk_cases import BREACH_PERCENT, BREACHABLE, PATHS, TO_STATE

PATH_ROWS_SQL = """
CREATE TEMP TABLE bench_paths (
    state text, breached bool, seq int, action text, from_state text, to_state text,
    frac float8
)"""
ID_BITS = "('x' || substr(c.case_id, {start}, 4))::bit(16)::int"
PATH_EVENTS_SQL = f"""
INSERT INTO case_events
    (event_id, case_id, seq, action, actor, role, from_state, to_state, at, params)
SELECT c.case_id || ':' || p.seq, c.case_id, p.seq, p.action,
    CASE WHEN p.action IN ('breach', 'auto_close') THEN 'system'
         ELSE 'u-officer-' || c.unit_id END,
    CASE WHEN p.action IN ('breach', 'auto_close') THEN 'system' ELSE 'officer' END,
    p.from_state, p.to_state,
    c.created_at
        + (c.updated_at - (c.visit_count - 1) * interval '1 minute' - c.created_at) * p.frac,
    CASE p.action
        WHEN 'register' THEN json_build_object('channel', c.channel, 'severity', c.severity)
        WHEN 'reply' THEN json_build_object('summary', '已书面答复')
        WHEN 'feedback' THEN json_build_object(
            'rating', (ARRAY['satisfied', 'satisfied', 'satisfied', 'satisfied', 'satisfied',
                             'satisfied', 'satisfied', 'basically_satisfied',
                             'basically_satisfied', 'unsatisfied'])[1 + mod(h.other, 10)],
            'note', '')
        WHEN 'decline' THEN json_build_object(
            'reason', (ARRAY['legal_channel', 'out_of_scope', 'other'])[1 + mod(h.other, 3)],
            'note', '')
        WHEN 'review_opinion' THEN json_build_object(
            'decision', (ARRAY['upheld', 'revised'])[1 + mod(h.other, 2)], 'summary', '复查意见')
        WHEN 'breach' THEN json_build_object('clock', 'handling#1')
        WHEN 'auto_close' THEN json_build_object('clock', 'review_window#1')
        ELSE json_build_object('note', '')
    END
FROM cases c
CROSS JOIN LATERAL (
    SELECT {ID_BITS.format(start=1)} AS first, {ID_BITS.format(start=5)} AS other
) h
JOIN bench_paths p
  ON p.state = c.state
 AND p.breached = (c.state = ANY(%(breachable)s) AND mod(h.first, 100) < %(percent)s)
"""
VISIT_EVENTS_SQL = """
INSERT INTO case_events
    (event_id, case_id, seq, action, actor, role, from_state, to_state, at, params)
SELECT c.case_id || ':' || (c.event_seq - c.visit_count + 1 + k), c.case_id,
    c.event_seq - c.visit_count + 1 + k, 'visit', 'u-officer-' || c.unit_id, 'officer',
    c.state, c.state, c.updated_at - (c.visit_count - 1 - k) * interval '1 minute',
    json_build_object('channel', 'visit', 'visit_count', k + 1)
FROM cases c CROSS JOIN LATERAL generate_series(1, c.visit_count - 1) AS k
WHERE c.visit_count > 1
"""


def path_rows() -> list[tuple[str, bool, int, str, str | None, str, float]]:
    rows = []
    for state, path in PATHS.items():
        for breached in (False, True) if state in BREACHABLE else (False,):
            steps = ["register", *path]
            if breached:
                steps.insert(steps.index("accept") + 1, "breach")
            current: str | None = None
            last = len(steps) - 1
            for seq, action in enumerate(steps, start=1):
                to_state = TO_STATE.get(action, current) or "registered"
                frac = (seq - 1) / last if last else 0.0
                rows.append((state, breached, seq, action, current, to_state, frac))
                current = to_state
    return rows


def derive(cur: psycopg.Cursor[Any]) -> int:
    """Insert the timelines of every case in the table; returns how many events."""
    cur.execute(PATH_ROWS_SQL)
    cur.executemany("INSERT INTO bench_paths VALUES (%s, %s, %s, %s, %s, %s, %s)", path_rows())
    cur.execute(
        PATH_EVENTS_SQL,
        {"breachable": sorted(BREACHABLE), "percent": BREACH_PERCENT},
    )
    count = cur.rowcount
    cur.execute(VISIT_EVENTS_SQL)
    count += cur.rowcount
    cur.execute("DROP TABLE bench_paths")
    return count


def derive_facts(cur: psycopg.Cursor[Any]) -> int:
    """The statistics' facts of every timeline; returns how many."""
    cur.execute(DERIVE_SQL)
    return cur.rowcount

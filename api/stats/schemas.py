"""Supervisor statistics (``GET /api/v1/stats``): the response model and its definitions.

The figures are computed in SQL on the projection (``api/stats/workload.py``, ``period.py``), for
the cases held now by the units of one subtree (within the caller's scope); a case counts for the
unit that holds it *now*, so a case escalated from a village to its town counts for the town. The
period is counted from the facts the projection writes with the events (``stat_facts``, which
event makes which fact: ``models/stat_facts.py``), each at the unit and level holding its case
now.

Two views:

``workload`` — the open cases as of ``generated_at``, whatever the date range (an ageing chart
cut off at the range's start would hide the oldest cases):

- *open*: a case not in a final state (closed 办结, not_accepted 不予受理, withdrawn 撤回);
  counted by state, by level and by holding unit;
- *overdue* (超期): the current phase's statutory clock has breached (the projected ``overdue``
  flag) or the projected next due time has passed — the same rule as ``GET /cases?overdue=true``,
  so the tile and the list agree even while a worker is behind;
- *at risk* (预警): a running clock has passed its warning time (``at_risk`` flag, or the projected
  next warning time has passed) — the rule of ``GET /cases?at_risk=true``;
- *backlog* (积案): an open case that is overdue now and first breached a statutory clock at least
  ``BACKLOG_OVERDUE_DAYS`` (30) days ago — far past its deadline — or that the petitioner has
  raised ``BACKLOG_VISITS`` (3) or more times (visit count, 重复信访);
- *with_repeat_visits*: open cases raised two or more times;
- *ageing*: open cases by whole days (24-hour periods) since registration: 0–7, 8–15, 16–30,
  31–60, over 60.

``period`` — what happened in the range [``starts_at``, ``ends_at``) (end exclusive):

- *intake*: cases registered in the range, counted by their current state and level;
- *replied* (书面答复, the base of on-time, resolved-at-level and time-to-reply): cases whose
  **standing** written reply was given in the range — the case's latest ``reply`` event, not
  followed by a ``reopen``. A reply undone by reopening after an unsatisfied rating is not a
  resolution; the case counts again when it is replied anew;
- *on-time completion rate* (按期办结率) = replied cases that never breached a statutory duty clock
  (acceptance, handling, review, re-review; a ``breach`` event, i.e. a clock whose status in the
  snapshot's ``deadlines`` became ``breached``) before their standing reply ÷ replied cases.
  Level windows (village 7 d, town 15 d) are internal targets, not law, and do not make a case
  late; a breach at one unit makes the case late even after it was escalated and replied in time
  at the next. Null when nothing was replied;
- *resolved at level* (小事不出村、大事不出镇): replied cases by the level that replied. A case's
  level changes only by forwarding or escalation, which happen before a reply (registered,
  handling); after a standing reply it never changes, so the case's current level *is* the level
  of the reply. Shares are of all replied cases;
- *satisfaction rate* (满意率) = (satisfied + basically satisfied) ÷ rated, counting each case
  once, by its latest rating given in the range (an unsatisfied rating followed, after reopening,
  by a satisfied one counts as satisfied). Null when nothing was rated;
- *closed* (办结) / *not_accepted* / *withdrawn*: cases that entered that final state in the
  range (办结 comes by itself when the review window lapses, or with the re-review opinion);
- *repeat_visits*: repeat petitions (重复信访) received in the range; *repeat_visit_cases*: the
  cases they went to;
- *time to reply*: registration → standing reply, over the replied cases; *time to close*:
  registration → entering ``closed``, over the cases closed in the range. p50 and p90 are
  nearest-rank percentiles: the duration at rank ⌈p·n/100⌉ of the n durations in order, so "90 % of
  replies within p90" is literally true and the figure is a duration that occurred. Null when n = 0;
- *weekly*: the same counts per calendar week (Monday 00:00 in the policy's time zone), the first
  and last weeks clipped to the range, so the weeks add up to the period's totals.

``assessment`` (``GET /api/v1/stats/assessment``) — the 考核 figures a 信访局 is assessed on, for
the same subtree and range, in total and for each unit directly below the one asked for (its
subtree), ranked:

- *按期受理率* (on-time acceptance) = cases whose acceptance was decided in the range on time ÷
  cases whose acceptance was decided in the range. The decision is the case's first ``accept``
  or ``decline``; it is on time when no run of the ``acceptance`` clock (受理告知期限, 15 days from
  receipt) breached before it — a breach at a unit that then forwarded the case counts too;
- *一次性化解率* (resolved at once) = cases closed (办结) in the range that never had a repeat
  visit (重复信访), a request for review or re-review (复查、复核) or a reopening after an
  unsatisfied rating ÷ cases closed in the range;
- *重复信访率* (repeat rate) = repeat petitions received in the range ÷ every petition received in
  the range (信访件次: cases registered + repeat petitions);
- *积案* (backlog): the workload's rule above (open, overdue now and first breached a statutory
  clock ``BACKLOG_OVERDUE_DAYS`` or more days ago, or raised ``BACKLOG_VISITS`` or more times),
  counted now; *积案化解* (backlog resolved): cases that in the range left a duty phase — entered
  replied, reviewed or a final state — while they were backlog by the events: a statutory breach
  at least ``BACKLOG_OVERDUE_DAYS`` days before, or the ``BACKLOG_VISITS``-th visit before;
  *积案化解率* = resolved ÷ (resolved + backlog now);
- *越级访* (over a level): cases registered in the range at a level above the one their severity
  calls for (minor → village, major → town, group and urgent → county: 小事不出村、大事不出镇) —
  the petitioner went past the level that should first receive it. The level is the one the
  ``register`` event records (for cases registered before it recorded one, the level held now);
  *越级访率* = those ÷ cases registered in the range;
- *ranking*: the units directly below the unit asked for (or the unit itself if none is below),
  each over its subtree within the caller's scope, by *score* = the mean of the rates it has a
  base for, each oriented so that higher is better: 按期受理率, 一次性化解率, 积案化解率,
  1 − 重复信访率, 1 − 越级访率. Rank 1 is the highest score; equal scores share a rank; a unit with
  no base for any rate has no score and is listed last.
"""

from __future__ import annotations

from datetime import date, datetime

from pydantic import BaseModel, Field

BACKLOG_OVERDUE_DAYS = 30
BACKLOG_VISITS = 3
AGEING_BUCKETS: tuple[tuple[int, int | None], ...] = (
    (0, 7),
    (8, 15),
    (16, 30),
    (31, 60),
    (61, None),
)


class AgeingBucket(BaseModel):
    label: str = Field(description="e.g. '0-7', '61+' (days)")
    min_days: int = Field(description="whole days since registration, inclusive")
    max_days: int | None = Field(description="inclusive; null for the open-ended last bucket")
    count: int


class Workload(BaseModel):
    """Open cases as of ``generated_at``."""

    open: int
    by_state: dict[str, int] = Field(description="every open state, zeros included")
    by_level: dict[str, int] = Field(description="village, town, county")
    by_unit: dict[str, int] = Field(description="each unit of the subtree, by unit id")
    overdue: int
    at_risk: int
    backlog: int = Field(description="积案: long overdue or raised 3+ times")
    with_repeat_visits: int = Field(description="raised 2 or more times")
    ageing: list[AgeingBucket]


class OnTime(BaseModel):
    """按期办结率 over the cases replied in the period."""

    replied: int
    on_time: int
    late: int
    rate: float | None = Field(description="on_time / replied; null when replied is 0")


class Satisfaction(BaseModel):
    """满意率: each rated case once, by its latest rating in the period."""

    rated: int
    satisfied: int
    basically_satisfied: int
    unsatisfied: int
    rate: float | None = Field(
        description="(satisfied + basically_satisfied) / rated; null when rated is 0"
    )


class LevelShare(BaseModel):
    count: int
    share: float | None = Field(description="count / replied; null when replied is 0")


class ResolvedAtLevel(BaseModel):
    """小事不出村、大事不出镇: the level that gave the standing reply."""

    replied: int
    village: LevelShare
    town: LevelShare
    county: LevelShare


class Durations(BaseModel):
    count: int
    p50_seconds: float | None
    p90_seconds: float | None
    p50_days: float | None = Field(description="p50_seconds / 86400, 2 decimals")
    p90_days: float | None


class WeekCounts(BaseModel):
    week_start: date = Field(description="the Monday, in the policy's time zone")
    starts_at: datetime = Field(description="the week's start, clipped to the period")
    ends_at: datetime = Field(description="the week's end (exclusive), clipped to the period")
    intake: int
    replied: int
    closed: int
    not_accepted: int
    withdrawn: int


class Period(BaseModel):
    """What happened in [starts_at, ends_at)."""

    starts_at: datetime
    ends_at: datetime
    intake: int
    intake_by_state: dict[str, int] = Field(description="current state; every state, zeros too")
    intake_by_level: dict[str, int] = Field(description="current level")
    replied: int
    closed: int
    not_accepted: int
    withdrawn: int
    on_time: OnTime
    satisfaction: Satisfaction
    resolved_at_level: ResolvedAtLevel
    repeat_visits: int = Field(description="repeat petitions received in the period")
    repeat_visit_cases: int = Field(description="cases those repeat petitions went to")
    time_to_reply: Durations
    time_to_close: Durations
    weekly: list[WeekCounts]


class Stats(BaseModel):
    """``GET /api/v1/stats``: one unit subtree, one period; see the module for definitions."""

    unit_id: str
    unit_name: str
    generated_at: datetime = Field(description="the instant the workload is counted at")
    timezone: str = Field(description="the zone of date parameters and weeks")
    workload: Workload
    period: Period


class Kpi(BaseModel):
    """The 考核 figures of one set of units for the range (definitions in the module)."""

    acceptance_decided: int = Field(description="cases whose acceptance was decided in the range")
    accepted_on_time: int
    on_time_acceptance_rate: float | None = Field(description="按期受理率")
    closed: int = Field(description="cases closed (办结) in the range")
    resolved_at_once: int
    resolved_at_once_rate: float | None = Field(description="一次性化解率")
    intake: int = Field(description="cases registered in the range")
    repeat_visits: int = Field(description="repeat petitions received in the range")
    repeat_rate: float | None = Field(description="重复信访率: repeat_visits / (intake + repeats)")
    backlog: int = Field(description="积案 now")
    backlog_resolved: int = Field(description="积案 resolved in the range")
    backlog_resolution_rate: float | None = Field(description="积案化解率")
    over_level: int = Field(description="越级访: registered above their severity's level")
    over_level_rate: float | None = Field(description="over_level / intake")


class UnitKpi(Kpi):
    unit_id: str
    unit_name: str
    level: str
    score: float | None = Field(description="mean of the rates with a base, higher is better")
    rank: int | None = Field(description="1 = best; null without a score")


class Assessment(BaseModel):
    """``GET /api/v1/stats/assessment``: the 考核 figures and the ranking of units."""

    unit_id: str
    unit_name: str
    generated_at: datetime
    timezone: str
    starts_at: datetime
    ends_at: datetime
    total: Kpi
    ranking: list[UnitKpi] = Field(description="best first; units without a score last")

"""The synthetic history of a county: projected cases and their timelines, as the workflows would
have written them, for the supervisor reads at volume.

The mix follows DOMAIN.md: three years of petitions, more of them recent; most are closed (办结)
long ago, the recent ones are still open; village 60 %, town 28 %, county 12 % with a skewed share
per unit; a few are overdue, at risk, or raised again (重复信访). Each case gets the events of the
path that brought it to its state (register, accept, reply, feedback, auto_close, …), a breach on
some, and a compact snapshot with the keys the list and the detail view read.

Cases come out as COPY text lines; a million must be generated in about a minute on a small
machine, so the hot loop uses precomputed pickers and JSON fragments (every value written here is
ours — no tab, newline, backslash or quote — so nothing needs escaping). Their ~4.5 million
events are derived from the loaded rows in SQL (``bench/bulk_timelines.py``), ten times faster than
formatting them in Python."""

from __future__ import annotations

import base64
import bisect
import itertools
import random
from collections.abc import Iterator, Sequence
from datetime import UTC, datetime, timedelta

from bench.units import UnitTree
from bench.workload import CATEGORIES, CHANNELS, GIVEN, KINDS, SURNAMES
from models.lifecycle import FINAL_STATES
from models.vocabulary import STATE_LABELS

HISTORY_DAYS = 3 * 365
DAY = timedelta(days=1)
NULL = "\\N"
# State mix by age (days since registration): (upper bound of the age, [(state, weight)...]).
STATE_BY_AGE: list[tuple[float, list[tuple[str, float]]]] = [
    (
        15,
        [
            ("registered", 25),
            ("handling", 58),
            ("suspended", 2),
            ("replied", 5),
            ("not_accepted", 7),
            ("withdrawn", 3),
        ],
    ),
    (
        75,
        [
            ("handling", 42),
            ("replied", 22),
            ("closed", 16),
            ("suspended", 3),
            ("under_review", 4),
            ("not_accepted", 8),
            ("withdrawn", 5),
        ],
    ),
    (
        150,
        [
            ("closed", 62),
            ("replied", 8),
            ("under_review", 5),
            ("reviewed", 5),
            ("under_re_review", 3),
            ("handling", 6),
            ("not_accepted", 7),
            ("withdrawn", 4),
        ],
    ),
    (
        float("inf"),
        [
            ("closed", 86.5),
            ("not_accepted", 7),
            ("withdrawn", 4.5),
            ("reviewed", 1),
            ("under_re_review", 0.5),
            ("handling", 0.5),
        ],
    ),
]
# The events (after ``register``) that lead to each state, each with its range of days after
# the previous one.
PATHS: dict[str, list[str]] = {
    "registered": [],
    "handling": ["accept", "assess"],
    "suspended": ["accept", "assess", "suspend"],
    "replied": ["accept", "assess", "reply"],
    "under_review": ["accept", "reply", "request_review"],
    "reviewed": ["accept", "reply", "request_review", "review_opinion"],
    "under_re_review": ["accept", "reply", "request_review", "review_opinion", "request_re_review"],
    "closed": ["accept", "reply", "feedback", "auto_close"],
    "not_accepted": ["decline"],
    "withdrawn": ["accept", "withdraw"],
}
GAP_DAYS = {
    "accept": (1, 12),
    "assess": (1, 10),
    "suspend": (3, 20),
    "reply": (10, 50),
    "request_review": (5, 25),
    "review_opinion": (10, 30),
    "request_re_review": (5, 25),
    "feedback": (2, 10),
    "auto_close": (30, 31),
    "decline": (1, 12),
    "withdraw": (1, 20),
}
TO_STATE = {
    "register": "registered",
    "accept": "handling",
    "assess": "handling",
    "suspend": "suspended",
    "reply": "replied",
    "request_review": "under_review",
    "review_opinion": "reviewed",
    "request_re_review": "under_re_review",
    "feedback": "replied",
    "auto_close": "closed",
    "decline": "not_accepted",
    "withdraw": "withdrawn",
}  # breach and visit leave the state as it is
CLOCK_OF_STATE = {
    "registered": ("acceptance", 15),
    "handling": ("handling", 60),
    "suspended": ("handling", 60),
    "replied": ("review_window", 30),
    "under_review": ("review", 30),
    "reviewed": ("re_review_window", 30),
    "under_re_review": ("re_review", 30),
}
LEVELS = [("village", 60), ("town", 28), ("county", 12)]
SEVERITY_OF_LEVEL = {"village": "minor", "town": "major", "county": "group"}
CASE_COLUMNS = (
    "case_id",
    "tracking_code",
    "state",
    "level",
    "unit_id",
    "assignee",
    "kind",
    "category",
    "severity",
    "channel",
    "title",
    "description",
    "created_at",
    "updated_at",
    "visit_count",
    "next_due_at",
    "next_warn_at",
    "at_risk",
    "overdue",
    "event_seq",
    "snapshot",
    "petitioner_name_enc",
    "petitioner_id_number_enc",
    "petitioner_phone_enc",
    "petitioner_address_enc",
    "petitioner_name_masked",
    "petitioner_id_number_masked",
    "petitioner_phone_masked",
    "petitioner_key",
)


BREACHABLE = frozenset(PATHS) - {"registered", "not_accepted"}
BREACH_PERCENT = 6


def is_breached(case_id: str, state: str) -> bool:
    """Whether the case's handling clock ran out once: decided by the case id's first 16 bits,
    so that the SQL deriving the timeline (``bulk_timelines.py``) agrees without a column."""
    return state in BREACHABLE and int(case_id[:4], 16) % 100 < BREACH_PERCENT


NAMES = [s + g for s in SURNAMES for g in GIVEN]


def sealed(rng: random.Random, size: int) -> str:
    """A stand-in of a stored ciphertext of ``size`` plaintext bytes (nonce and tag included)."""
    return "pf1:k1:" + base64.urlsafe_b64encode(rng.randbytes(12 + size + 16)).decode()


class Picker:
    """A weighted choice by bisecting cumulative weights (``random.choices`` rebuilds them on
    every call, which would dominate millions of draws)."""

    def __init__(self, values: list[str], weights: list[float]) -> None:
        self.values = values
        self.cumulative = list(itertools.accumulate(weights))
        self.total = self.cumulative[-1]

    @classmethod
    def of(cls, pairs: Sequence[tuple[str, float]]) -> Picker:
        return cls([p for p, _ in pairs], [w for _, w in pairs])

    @classmethod
    def zipf(cls, ids: list[str], rng: random.Random) -> Picker:
        """A few busy units, many quiet ones (weight 1/rank, ranks shuffled)."""
        ranks = list(range(1, len(ids) + 1))
        rng.shuffle(ranks)
        return cls(ids, [1 / r for r in ranks])

    def __call__(self, rng: random.Random) -> str:
        return self.values[bisect.bisect(self.cumulative, rng.random() * self.total)]


class CaseHistory:
    """Rows for ``cases`` and ``case_events`` as COPY text lines."""

    def __init__(self, tree: UnitTree, *, now: datetime, seed: int = 7) -> None:
        self.rng = random.Random(seed)
        self.now = now
        self.units = {
            "village": Picker.zipf(tree.villages, self.rng),
            "town": Picker.zipf(tree.towns, self.rng),
            "county": Picker([tree.specs[0].id], [1.0]),
        }
        self.states = [(bound, Picker.of(mix)) for bound, mix in STATE_BY_AGE]
        self.level = Picker.of(LEVELS)
        self.category = Picker.of([(c, w) for c, w, _ in CATEGORIES])
        self.titles = {c: t for c, _, t in CATEGORIES}
        self.kind = Picker.of(KINDS)
        self.channel = Picker.of(CHANNELS)

    def _state(self, age_days: float) -> str:
        for bound, picker in self.states:
            if age_days < bound:
                return picker(self.rng)
        raise AssertionError("unreachable")

    def rows(self, count: int) -> Iterator[str]:
        """One ``cases`` line per case; its timeline follows from the line (``timeline_sql``)."""
        rng, now = self.rng, self.now
        for index in range(count):
            # Density grows towards now (sqrt): recent years see more petitions.
            age_days = HISTORY_DAYS * (1 - rng.random() ** 0.5) + 1 / 24
            created = now - timedelta(days=age_days)
            state = self._state(age_days)
            level = self.level(rng)
            unit_id = self.units[level](rng)
            case_id = f"{rng.getrandbits(80):020x}"
            breached = is_breached(case_id, state)
            visits = 1
            if state not in FINAL_STATES:  # a repeat petition links to the open case
                visits += (rng.random() < 0.08) + (rng.random() < 0.025) + (rng.random() < 0.01)
            at = created
            for action in PATHS[state]:
                low, high = GAP_DAYS[action]
                at += timedelta(days=low + (high - low) * rng.random())
            updated = min(at, now - timedelta(minutes=visits))
            updated += timedelta(minutes=visits - 1)  # the repeat visits, a minute apart
            events = 1 + len(PATHS[state]) + breached + visits - 1
            yield self._case_line(
                index, case_id, state, level, unit_id, created, updated, visits, breached, events
            )

    def _case_line(
        self,
        index: int,
        case_id: str,
        state: str,
        level: str,
        unit_id: str,
        created: datetime,
        updated: datetime,
        visits: int,
        breached: bool,
        event_seq: int,
    ) -> str:
        rng, now = self.rng, self.now
        due = warn = None
        clock = CLOCK_OF_STATE.get(state) if state not in FINAL_STATES else None
        if clock is not None:
            due = updated + timedelta(days=clock[1])
            if breached and rng.random() < 0.5:
                due = now - timedelta(days=90 * rng.random() + 1)  # long past: backlog
            warn = due - timedelta(days=clock[1] * 0.2)
        overdue = due is not None and due <= now
        at_risk = warn is not None and warn <= now
        category = self.category(rng)
        title = self.titles[category]
        kind, channel = self.kind(rng), self.channel(rng)
        severity = SEVERITY_OF_LEVEL[level]
        # as the service makes them (16 base32 letters); the index keeps them unique
        tracking = base64.b32encode(index.to_bytes(4, "big") + rng.randbytes(6)).decode()
        name = NAMES[rng.randrange(len(NAMES))]
        created_text = created.isoformat()
        due_text = NULL if due is None else due.isoformat()
        warn_text = NULL if warn is None else warn.isoformat()
        zh, en = STATE_LABELS[state]
        deadlines = "[]"
        if clock is not None:
            deadlines = (
                f'[{{"clock": "{clock[0]}", "id": "{clock[0]}#1", "unit_id": "{unit_id}", '
                f'"level": "{level}", "due_at": "{due_text}", "warn_at": "{warn_text}", '
                f'"status": "{"breached" if overdue else "running"}"}}]'
            )
        flags = f'"at_risk": {"true" if at_risk else "false"}, ' + (
            f'"overdue": {"true" if overdue else "false"}'
        )
        snapshot = (
            f'{{"case_id": "{case_id}", "tracking_code": "{tracking}", "state": "{state}", '
            f'"state_label": "{zh}", "state_label_en": "{en}", "level": "{level}", '
            f'"unit_id": "{unit_id}", "kind": "{kind}", "category": "{category}", '
            f'"severity": "{severity}", "channel": "{channel}", "title": "{title}", '
            f'"created_at": "{created_text}", "visit_count": {visits}, '
            f'"deadlines": {deadlines}, "escalations": [], "feedback": [], '
            f'"petitioner": {{"name": "{name[0]}*", '
            f'"id_number": "330482********{index % 10000:04d}", '
            f'"phone": "138****{index % 10000:04d}"}}, '
            f'"next_due_at": {"null" if due is None else chr(34) + due_text + chr(34)}, '
            f'{flags}, "event_seq": {event_seq}}}'
        )
        return "\t".join(
            (
                case_id,
                tracking,
                state,
                level,
                unit_id,
                NULL if state == "registered" else f"u-officer-{unit_id}",
                kind,
                category,
                severity,
                channel,
                title,
                f"{title}，请求协调处理",
                created_text,
                updated.isoformat(),
                str(visits),
                due_text,
                warn_text,
                "t" if at_risk else "f",
                "t" if overdue else "f",
                str(event_seq),
                snapshot,
                # the service stores these AES-256-GCM encrypted (petitionflow/field_crypto.py):
                # random bytes of the same size stand in for the ciphertexts
                sealed(rng, len(name.encode())),
                sealed(rng, 18),
                sealed(rng, 11),
                sealed(rng, len(f"{unit_id.rsplit('.', 1)[-1]} {index % 300}号".encode())),
                f"{name[0]}*",
                f"330482********{index % 10000:04d}",
                f"138****{index % 10000:04d}",
                f"{rng.getrandbits(256):064x}",
            )
        )


def utc_now() -> datetime:
    return datetime.now(UTC).replace(microsecond=0)

"""``[retention]`` in the policy file: an ISO 8601 period counted on the calendar, read apart
from the SLA sections (which are snapshotted into each case)."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from models.errors import PolicyError
from models.policy import SlaPolicy, load_policy, parse_policy
from models.retention import load_retention, parse_retention


def test_shipped_default_keeps_personal_data_three_years_after_closure() -> None:
    policy = load_retention()
    assert policy.iso == "P3Y"
    now = datetime(2027, 3, 1, 12, tzinfo=UTC)
    assert policy.closed_before(now) == datetime(2024, 3, 1, 12, tzinfo=UTC)


@pytest.mark.parametrize(
    ("period", "now", "cutoff"),
    [
        ("P3Y", datetime(2027, 2, 28, tzinfo=UTC), datetime(2024, 2, 28, tzinfo=UTC)),
        ("P1Y", datetime(2025, 2, 28, tzinfo=UTC), datetime(2024, 2, 28, tzinfo=UTC)),
        ("P18M", datetime(2026, 8, 31, tzinfo=UTC), datetime(2025, 2, 28, tzinfo=UTC)),
        ("P90D", datetime(2026, 3, 1, tzinfo=UTC), datetime(2025, 12, 1, tzinfo=UTC)),
    ],
)
def test_years_and_months_count_on_the_calendar(
    period: str, now: datetime, cutoff: datetime
) -> None:
    policy = parse_retention(f'[retention]\npersonal_data = "{period}"\n')
    assert policy.iso == period
    assert policy.closed_before(now) == cutoff


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ('personal_data = "3 years"', "not an ISO 8601 duration"),
        ('personal_data = "PT12H"', "shorter than a day"),
        ("keep = 3", "unknown key"),
    ],
)
def test_bad_retention_is_refused_in_plain_words(text: str, reason: str) -> None:
    with pytest.raises(PolicyError) as refused:
        parse_retention(f"[retention]\n{text}\n", source="county.toml")
    message = str(refused.value)
    assert message.startswith("county.toml [retention]: ") and reason in message
    assert "Value error" not in message


def test_the_sla_policy_ignores_the_retention_section() -> None:
    text = '[clocks]\nacceptance = "P10D"\n[retention]\npersonal_data = "P2Y"\n'
    sla = parse_policy(text)
    assert sla.clocks.acceptance.days == 10
    assert "retention" not in sla.model_dump()
    assert (
        parse_retention(text).personal_data
        == parse_retention('[retention]\npersonal_data = "P2Y"').personal_data
    )
    assert load_policy() == SlaPolicy()  # the shipped file, retention section and all

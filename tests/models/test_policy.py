from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest
from pydantic import ValidationError

from models.errors import PolicyError
from models.policy import DEFAULT_POLICY_FILE, SlaPolicy, load_policy, parse_policy


def test_shipped_defaults_are_the_statutory_ones() -> None:
    policy = load_policy()
    assert policy == SlaPolicy()  # the file and the code agree
    c = policy.clocks
    assert [c.acceptance.days, c.handling.days, c.extension_max.days] == [15, 60, 30]
    assert [c.review_window.days, c.review.days, c.re_review_window.days, c.re_review.days] == [
        30,
        30,
        30,
        30,
    ]
    assert (policy.levels.village.days, policy.levels.town.days) == (7, 15)
    assert policy.alerts.warn_at == 0.8
    assert (policy.calendar.mode, policy.calendar.timezone) == ("natural", "Asia/Shanghai")
    assert DEFAULT_POLICY_FILE.name == "default_policy.toml"


def test_override_file_keeps_defaults_for_missing_keys(tmp_path: Path) -> None:
    file = tmp_path / "policy.toml"
    file.write_text('[clocks]\nacceptance = "PT30S"\n[calendar]\nmode = "working"\n')
    policy = load_policy(file)
    assert policy.clocks.acceptance.exact == timedelta(seconds=30)
    assert not policy.clocks.acceptance.whole_days
    assert policy.clocks.handling.days == 60
    assert policy.calendar.mode == "working"


@pytest.mark.parametrize(
    ("toml", "names"),
    [
        ('[clocks]\nacceptanse = "P15D"\n', "clocks.acceptanse: unknown key"),
        ("[extras]\nx = 1\n", "extras: unknown key"),
        ('[clocks]\nhandling = "60 days"\n', "clocks.handling"),
        ('[clocks]\nhandling = "P2M"\n', "clocks.handling"),
        ('[levels]\ntown = "P0D"\n', "levels.town"),
        ("[alerts]\nwarn_at = 1.2\n", "alerts.warn_at"),
        ('[clocks]\nextension_max = "PT1H"\n', "clocks.extension_max"),
        ('[calendar]\nmode = "lunar"\n', "calendar.mode"),
        ('[calendar]\ntimezone = "Asia/Nowhere"\n', "calendar.timezone"),
        ("[clocks\n", "not valid TOML"),
    ],
)
def test_bad_policies_fail_naming_the_key(toml: str, names: str) -> None:
    with pytest.raises(PolicyError, match=names.replace(".", r"\.")):
        parse_policy(toml)


def test_missing_file_is_an_error(tmp_path: Path) -> None:
    with pytest.raises(PolicyError, match="cannot read"):
        load_policy(tmp_path / "nope.toml")


def test_policy_is_an_immutable_snapshot_that_round_trips() -> None:
    policy = parse_policy('[clocks]\nacceptance = "PT45S"\n')
    with pytest.raises(ValidationError):
        policy.clocks.acceptance = policy.clocks.handling  # type: ignore[misc]
    text = policy.model_dump_json()
    assert '"acceptance":"PT45S"' in text
    assert SlaPolicy.model_validate_json(text) == policy

"""A file read on a hot path is parsed once per version of it, and an edit counts at once."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from models.changed_file import ChangedFile
from models.errors import PolicyError
from models.risk import load_risk


def test_parsed_once_per_version(tmp_path: Path) -> None:
    file, loads = tmp_path / "x.txt", []
    file.write_text("one", encoding="utf-8")

    def load(path: Path | None) -> str:
        assert path is not None
        loads.append(path.read_text(encoding="utf-8"))
        return loads[-1]

    read = ChangedFile(file, load)
    assert [read(), read(), read()] == ["one"] * 3
    assert loads == ["one"]
    file.write_text("two!", encoding="utf-8")
    assert read() == "two!"
    assert loads == ["one", "two!"]


def test_a_same_size_edit_counts_by_its_time(tmp_path: Path) -> None:
    file = tmp_path / "x.txt"
    file.write_text("aaa", encoding="utf-8")
    read = ChangedFile(file, lambda p: p.read_text(encoding="utf-8") if p else "")
    assert read() == "aaa"
    file.write_text("bbb", encoding="utf-8")
    os.utime(file, ns=(1, 1))  # another version, whatever the file system's clock resolution
    assert read() == "bbb"


def test_the_risk_policy_is_reread_when_edited_and_a_bad_edit_raises_until_mended(
    tmp_path: Path,
) -> None:
    policy = tmp_path / "policy.toml"
    policy.write_text("", encoding="utf-8")
    read = ChangedFile(policy, load_risk)
    default = read()
    policy.write_text("[risk]\nrepeat_visits = 7\n", encoding="utf-8")
    assert read().repeat_visits == 7 != default.repeat_visits
    policy.write_text("[risk]\nrepeat_visits = 'many'\n", encoding="utf-8")
    with pytest.raises(PolicyError):
        read()
    with pytest.raises(PolicyError):
        read()
    policy.write_text("[risk]\nrepeat_visits = 4\n", encoding="utf-8")
    assert read().repeat_visits == 4


def test_no_path_loads_the_defaults_once() -> None:
    calls: list[None] = []
    read = ChangedFile(None, lambda p: calls.append(None) or len(calls))
    assert (read(), read()) == (1, 1)

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from petitionflow.cli import main


def last_line(capsys: pytest.CaptureFixture[str]) -> str:
    return capsys.readouterr().out.strip().splitlines()[-1]


def test_deadline_prints_the_due_time_alone_on_the_last_line(capsys) -> None:
    assert main(["deadline", "--start", "2026-09-20T10:00:00+08:00", "--duration", "P15D"]) == 0
    assert last_line(capsys) == "2026-10-09T00:00:00+08:00"


def test_deadline_working_mode_and_exact(capsys) -> None:
    main(["deadline", "--start", "2026-02-01T11:00:00+08:00", "--duration", "P15D", "--mode",
          "working"])  # fmt: skip
    assert last_line(capsys) == "2026-02-28T00:00:00+08:00"
    main(["deadline", "--start", "2026-02-01T11:00:00Z", "--duration", "PT30S"])
    assert last_line(capsys) == "2026-02-01T19:00:30+08:00"


def test_deadline_uses_the_configured_calendar(tmp_path: Path, monkeypatch, capsys) -> None:
    cal = tmp_path / "calendar.toml"
    cal.write_text("[2027]\nholidays = [2027-03-16]\n")
    monkeypatch.setenv("PETITIONFLOW_CALENDAR", str(cal))
    main(["deadline", "--start", "2027-03-01T09:00:00+08:00", "--duration", "P15D"])
    assert last_line(capsys) == "2027-03-18T00:00:00+08:00"


def test_deadline_refuses_bad_input() -> None:
    with pytest.raises(SystemExit, match="duration"):
        main(["deadline", "--start", "2026-02-01T11:00:00+08:00", "--duration", "P1M"])
    with pytest.raises(SystemExit, match="offset"):
        main(["deadline", "--start", "2026-02-01T11:00:00", "--duration", "P1D"])


def test_bad_policy_stops_the_command(tmp_path: Path, monkeypatch, capsys) -> None:
    bad = tmp_path / "policy.toml"
    bad.write_text('[clocks]\nacceptance = "soon"\n')
    monkeypatch.setenv("PETITIONFLOW_POLICY", str(bad))
    assert main(["deadline", "--start", "2026-02-01T11:00:00Z", "--duration", "P1D"]) == 2
    assert "clocks.acceptance" in capsys.readouterr().err


def test_console_script_is_installed() -> None:
    exe = Path(sys.executable).with_name("petitionflow")
    out = subprocess.run(
        [str(exe), "deadline", "--start", "2026-03-07T09:00:00+08:00", "--duration", "P15D"],
        capture_output=True,
        text=True,
        check=True,
    )
    assert out.stdout.strip().splitlines()[-1] == "2026-03-24T00:00:00+08:00"

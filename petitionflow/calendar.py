"""Publishing a year's holiday schedule while cases run: the override file gains the year, and
every running case with a provisional due time is told to count again."""

from __future__ import annotations

import tomllib
from pathlib import Path

from temporalio.client import Client

from models.daycount import WorkCalendar, YearSchedule
from workflows.petition import PetitionWorkflow
from workflows.search_attributes import PROVISIONAL_RUNNING


def merge_schedule(target: Path, published: Path) -> list[int]:
    """Write the years of ``published`` into the override file ``target`` (a year listed in
    both is replaced); both files are checked first. Returns the years written."""
    WorkCalendar.from_file(published)  # refuses a malformed file, naming the problem
    years = _read(published)
    merged = {**(_read(target) if target.exists() else {}), **years}
    target.parent.mkdir(parents=True, exist_ok=True)
    staged = target.with_suffix(".tmp")
    staged.write_text(render_schedules(merged), encoding="utf-8")
    WorkCalendar.from_file(staged)
    staged.replace(target)  # the worker reads it again on its next computation
    return sorted(years)


async def signal_provisional_cases(client: Client) -> int:
    """Tell every running case whose due times are provisional to count them again."""
    count = 0
    async for execution in client.list_workflows(PROVISIONAL_RUNNING):
        handle = client.get_workflow_handle(execution.id)
        await handle.signal(PetitionWorkflow.calendar_published)
        count += 1
    return count


def _read(path: Path) -> dict[int, YearSchedule]:
    raw = tomllib.loads(path.read_text(encoding="utf-8"))
    return {int(year): YearSchedule.model_validate(table) for year, table in raw.items()}


def render_schedules(years: dict[int, YearSchedule]) -> str:
    lines = ["# Holiday schedules by year (国务院办公厅 放假安排), written by petitionflow"]
    for year in sorted(years):
        schedule = years[year]
        lines += [
            "",
            f"[{year}]",
            f"holidays = [{', '.join(str(d) for d in sorted(schedule.holidays))}]",
            f"workdays = [{', '.join(str(d) for d in sorted(schedule.workdays))}]",
        ]
    return "\n".join(lines) + "\n"

"""Excel workbooks (.xlsx, openpyxl) of the case list and of the statistics: Chinese headers,
times in the policy's zone in one notation (due times as ``YYYY-MM-DD 24:00``), personal data
masked as lists show it. Pure: rows and figures in, bytes out."""

from __future__ import annotations

import io
from collections.abc import Iterable, Sequence
from typing import Any
from zoneinfo import ZoneInfo

from openpyxl import Workbook
from openpyxl.styles import Alignment, Font
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

from api.dashboard.labels import CHANNEL_LABELS, KIND_LABELS, SEVERITY_LABELS
from api.stats.schemas import Assessment, Kpi, Stats
from models.notation import due_time, local_time
from models.tables import CaseRow
from models.vocabulary import LEVEL_LABELS, STATE_LABELS, Level

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
CASE_COLUMNS: tuple[tuple[str, int], ...] = (  # header, width
    ("查询码", 20),
    ("标题", 30),
    ("类别", 12),
    ("信访类型", 12),
    ("紧急程度", 10),
    ("信访形式", 10),
    ("状态", 12),
    ("层级", 8),
    ("承办单位", 14),
    ("承办人", 14),
    ("信访人", 10),
    ("身份证号", 20),
    ("联系电话", 14),
    ("登记时间", 18),
    ("最近期限", 18),
    ("超期", 6),
    ("预警", 6),
    ("信访次数", 8),
)


def _label(table: dict[Any, tuple[str, str]], key: str) -> str:
    return table.get(key, (key, key))[0]


def _level(value: str) -> str:
    return LEVEL_LABELS[Level(value)][0] if value in Level.__members__ else value


def _yes(flag: bool) -> str:
    return "是" if flag else "否"


def _sheet(book: Workbook, title: str, first: bool = False) -> Worksheet:
    sheet = book.active if first else book.create_sheet()
    assert isinstance(sheet, Worksheet)
    sheet.title = title
    return sheet


def _table(
    sheet: Worksheet, headers: Sequence[str], rows: Iterable[Sequence[Any]], start_row: int = 1
) -> int:
    """A bold header row and the rows under it; returns the next free row."""
    for column, header in enumerate(headers, start=1):
        cell = sheet.cell(row=start_row, column=column, value=header)
        cell.font = Font(bold=True)
    row_number = start_row
    for row_number, row in enumerate(rows, start=start_row + 1):
        for column, value in enumerate(row, start=1):
            sheet.cell(row=row_number, column=column, value=value)
    return row_number + 2


def _bytes(book: Workbook) -> bytes:
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def case_list(
    rows: Sequence[CaseRow], *, unit_names: dict[str, str], zone: ZoneInfo, truncated: int | None
) -> bytes:
    """One row per case; ``truncated``: the cap, when more cases matched than it."""
    book = Workbook()
    sheet = _sheet(book, "案件清单", first=True)
    for column, (_, width) in enumerate(CASE_COLUMNS, start=1):
        sheet.column_dimensions[get_column_letter(column)].width = width
    sheet.freeze_panes = "A2"
    end = _table(
        sheet,
        [header for header, _ in CASE_COLUMNS],
        (
            (
                r.tracking_code,
                r.title,
                r.category,
                _label(KIND_LABELS, r.kind),
                _label(SEVERITY_LABELS, r.severity),
                _label(CHANNEL_LABELS, r.channel),
                _label(STATE_LABELS, r.state),
                _level(r.level),
                unit_names.get(r.unit_id, r.unit_id),
                r.assignee or "",
                r.petitioner_name_masked,
                r.petitioner_id_number_masked,
                r.petitioner_phone_masked,
                local_time(r.created_at, zone),
                due_time(r.next_due_at, zone),
                _yes(r.overdue),
                _yes(r.at_risk),
                r.visit_count,
            )
            for r in rows
        ),
    )
    if truncated is not None:
        note = sheet.cell(
            row=end, column=1, value=f"仅导出前 {truncated} 件，请缩小筛选范围后再导出"
        )
        note.alignment = Alignment(wrap_text=False)
    return _bytes(book)


KPI_ROWS: tuple[tuple[str, str, bool], ...] = (  # field, label, is a rate
    ("acceptance_decided", "受理告知件数", False),
    ("accepted_on_time", "按期受理件数", False),
    ("on_time_acceptance_rate", "按期受理率", True),
    ("closed", "办结件数", False),
    ("resolved_at_once", "一次性化解件数", False),
    ("resolved_at_once_rate", "一次性化解率", True),
    ("intake", "登记件数", False),
    ("repeat_visits", "重复信访件次", False),
    ("repeat_rate", "重复信访率", True),
    ("backlog", "积案（当前）", False),
    ("backlog_resolved", "积案化解件数", False),
    ("backlog_resolution_rate", "积案化解率", True),
    ("over_level", "越级访件数", False),
    ("over_level_rate", "越级访率", True),
)


def _rate(value: float | None) -> str:
    return "—" if value is None else f"{value * 100:.1f}%"


def _kpi_value(kpi: Kpi, name: str, is_rate: bool) -> Any:
    value = getattr(kpi, name)
    return _rate(value) if is_rate else value


def statistics(
    stats: Stats, assessment: Assessment, *, unit_names: dict[str, str], zone: ZoneInfo
) -> bytes:
    """Four sheets: the workload now, the period, the 考核 figures, the ranking of units."""
    book = Workbook()
    work, period = stats.workload, stats.period
    # The end is exclusive: a range ending at midnight ends at 24:00 of its last day.
    span = f"{local_time(period.starts_at, zone)} 至 {due_time(period.ends_at, zone)}"

    sheet = _sheet(book, "在办概况", first=True)
    sheet.column_dimensions["A"].width = 22
    sheet.column_dimensions["B"].width = 14
    row = _table(
        sheet,
        ["项目", "数值"],
        [
            ("统计单位", stats.unit_name),
            ("统计时点", local_time(stats.generated_at, zone)),
            ("在办案件", work.open),
            ("超期", work.overdue),
            ("预警", work.at_risk),
            ("积案", work.backlog),
            ("重复信访案件（2次及以上）", work.with_repeat_visits),
        ],
    )
    row = _table(
        sheet,
        ["状态", "件数"],
        [(_label(STATE_LABELS, s), n) for s, n in work.by_state.items()],
        row,
    )
    row = _table(sheet, ["层级", "件数"], [(_level(lv), n) for lv, n in work.by_level.items()], row)
    row = _table(
        sheet,
        ["承办单位", "件数"],
        [(unit_names.get(u, u), n) for u, n in work.by_unit.items()],
        row,
    )
    _table(sheet, ["受理天数", "件数"], [(f"{b.label} 天", b.count) for b in work.ageing], row)

    sheet = _sheet(book, "期间统计")
    sheet.column_dimensions["A"].width = 22
    sheet.column_dimensions["B"].width = 34
    row = _table(
        sheet,
        ["项目", "数值"],
        [
            ("统计区间", span),
            ("登记", period.intake),
            ("书面答复", period.replied),
            ("办结", period.closed),
            ("不予受理", period.not_accepted),
            ("撤回", period.withdrawn),
            ("按期办结率", _rate(period.on_time.rate)),
            ("满意率", _rate(period.satisfaction.rate)),
            ("重复信访件次", period.repeat_visits),
            ("答复用时中位数（天）", period.time_to_reply.p50_days),
            ("答复用时 P90（天）", period.time_to_reply.p90_days),
        ],
    )
    for column, width in zip("CDEFG", (10, 10, 10, 10, 10), strict=True):
        sheet.column_dimensions[column].width = width
    _table(
        sheet,
        ["周起", "周止", "登记", "答复", "办结", "不予受理", "撤回"],
        [
            (
                local_time(w.starts_at, zone),
                due_time(w.ends_at, zone),
                w.intake,
                w.replied,
                w.closed,
                w.not_accepted,
                w.withdrawn,
            )
            for w in period.weekly
        ],
        row,
    )

    sheet = _sheet(book, "考核指标")
    sheet.column_dimensions["A"].width = 18
    sheet.column_dimensions["B"].width = 34
    _table(
        sheet,
        ["指标", "数值"],
        [("统计区间", span)]
        + [(label, _kpi_value(assessment.total, f, r)) for f, label, r in KPI_ROWS],
    )

    sheet = _sheet(book, "单位排名")
    sheet.freeze_panes = "A2"
    sheet.column_dimensions["B"].width = 14
    _table(
        sheet,
        ["排名", "单位", "层级", "综合得分", *(label for _, label, _ in KPI_ROWS)],
        [
            (
                u.rank if u.rank is not None else "—",
                u.unit_name,
                _level(u.level),
                "—" if u.score is None else round(u.score * 100, 1),
                *(_kpi_value(u, f, r) for f, _, r in KPI_ROWS),
            )
            for u in assessment.ranking
        ],
    )
    return _bytes(book)

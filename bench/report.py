"""Writing the results: ``latest.json`` (everything) and ``latest.md`` (the table, the notes, the
query plans and profiles)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

SECTIONS = ("registrations", "actions", "clocks", "burst", "reads", "lag", "footprint")


def _ms(value: float | None) -> str:
    if value is None:
        return "—"
    return f"{value / 1000:.2f} s" if value >= 10_000 else f"{value:.0f} ms"


def _met(section: dict[str, Any]) -> str:
    if "met" not in section:
        return ""
    return "✅" if section["met"] else "❌"


def _within(figures: dict[str, Any], key: str, seconds: float) -> bool:
    value = figures.get(key)
    return value is not None and value <= seconds * 1000


def _rows(results: dict[str, Any]) -> list[tuple[str, str, str, str, str, str]]:
    """(measure, ours, bare, ratio, target, met) per line of the table."""
    rows = []
    reg = results.get("registrations")
    if reg:
        rows.append(
            (
                f"1 Registrations/s, concurrency {reg['concurrency']} (n={reg['count']})",
                f"{reg['api']['per_second']:.1f}/s (p50 {_ms(reg['api']['p50_ms'])})",
                f"{reg['bare']['per_second']:.1f}/s (p50 {_ms(reg['bare']['p50_ms'])}) "
                "update-with-start",
                f"{reg['ratio']}×",
                reg["target"],
                _met(reg),
            )
        )
        if "bare_start" in reg:
            start = reg["bare_start"]
            rows.append(
                (
                    "1 Registrations/s against a bare `start_workflow` (no worker on its path)",
                    f"{reg['api']['per_second']:.1f}/s",
                    f"{start['per_second']:.1f}/s (p50 {_ms(start['p50_ms'])})",
                    f"{reg['start_ratio']}×",
                    "recorded",
                    "",
                )
            )
    act = results.get("actions")
    if act:
        bare = act["bare"]
        for action in ("accept", "assess"):
            figures = act[action]
            rows.append(
                (
                    f"2 Action `{action}` p50 / p99 (n={act['count']})",
                    f"{_ms(figures['p50_ms'])} / {_ms(figures['p99_ms'])}",
                    f"{_ms(bare['p50_ms'])} / {_ms(bare['p99_ms'])}",
                    f"{figures['p50_ratio']}× / {figures['p99_ratio']}×",
                    figures["target"],
                    _met(figures),
                )
            )
            rows.append(
                (
                    f"2 Action `{action}` throughput",
                    f"{figures['per_second']:.1f}/s",
                    f"{bare['per_second']:.1f}/s",
                    f"{figures['throughput_ratio']}×",
                    "—",
                    "",
                )
            )
        serial = act.get("serial")
        if serial:
            rows.append(
                (
                    f"2 Action `accept` p50 / p99 at concurrency 1 (n={serial['count']})",
                    f"{_ms(serial['accept']['p50_ms'])} / {_ms(serial['accept']['p99_ms'])}",
                    f"{_ms(serial['bare']['p50_ms'])} / {_ms(serial['bare']['p99_ms'])}",
                    f"{serial['p50_ratio']}× / {serial['p99_ratio']}×",
                    serial["target"],
                    _met(serial),
                )
            )
    clk = results.get("clocks")
    if clk:
        late = clk["lateness"]
        rows.append(
            (
                f"3 Alert lateness p50 / p99 / max ({clk['cases']:,} cases, window "
                f"{clk['window_seconds']} s, {clk['open_when_first_fell_due']:,} open when the "
                "first fell due)",
                f"{_ms(late['p50_ms'])} / {_ms(late['p99_ms'])} / {_ms(late['max_ms'])}",
                "—",
                "—",
                "p99 ≤ 1 s",
                "✅" if late["p99_ms"] is not None and late["p99_ms"] <= 1000 else "❌",
            )
        )
        rows.append(
            (
                f"3 Clocks not fired within {clk['grace_seconds']:.0f} s of due",
                str(clk["never_fired"]),
                "—",
                "—",
                "0",
                "✅" if clk["never_fired"] == 0 else "❌",
            )
        )
    burst = results.get("burst")
    if burst:
        rec, note, act = burst["recorded"], burst["notified"], burst["actions"]
        n = f"{burst['cases']:,} cases due within {burst['due_span_s']} s"
        rows += [
            (
                f"7 Midnight burst: breaches recorded p99 / max ({n})",
                f"{_ms(rec['p99_ms'])} / {_ms(rec['max_ms'])}",
                "—",
                "—",
                "p99 ≤ 60 s, max ≤ 90 s",
                "✅" if _within(rec, "p99_ms", 60) and _within(rec, "max_ms", 90) else "❌",
            ),
            (
                "7 Midnight burst: lost (no breach event or alert row)",
                str(burst["lost"]),
                "—",
                "—",
                "0",
                "✅" if burst["lost"] == 0 else "❌",
            ),
            (
                f"7 Midnight burst: first webhook notice of each breach p99 / max "
                f"({burst['notified_count']:,} of {burst['cases']:,})",
                f"{_ms(note['p99_ms'])} / {_ms(note['max_ms'])}",
                "—",
                "—",
                "max ≤ 120 s, every breach",
                "✅"
                if _within(note, "max_ms", 120) and burst["notified_count"] == burst["cases"]
                else "❌",
            ),
            (
                f"7 Midnight burst: officer action `accept` p50 / p99 (n={act['n']})",
                f"{_ms(act['p50_ms'])} / {_ms(act['p99_ms'])}",
                "—",
                "—",
                "p99 ≤ 2 s",
                "✅" if _within(act, "p99_ms", 2) and not act["errors"] else "❌",
            ),
        ]
    reads = results.get("reads")
    if reads:
        bulk = results.get("bulk", {})
        n_cases = f"{bulk.get('cases', 0):,}"
        for name, figures in reads["list"].items():
            rows.append(
                (
                    f"4 List `{name}` p50 / p95 (n={figures['n']}, {n_cases} cases)",
                    f"{_ms(figures['p50_ms'])} / {_ms(figures['p95_ms'])}",
                    "—",
                    "—",
                    "p95 ≤ 50 ms",
                    _met(figures),
                )
            )
        for name, figures in reads["stats"].items():
            rows.append(
                (
                    f"4 Stats {name} p50 / p95 (n={figures['n']})",
                    f"{_ms(figures['p50_ms'])} / {_ms(figures['p95_ms'])}",
                    "—",
                    "—",
                    f"p95 ≤ {figures.get('target_p95_ms', 200):g} ms",
                    _met(figures),
                )
            )
        tl = reads["timeline"]
        rows.append(
            (
                f"4 Timeline p50 / p95 (n={tl['n']})",
                f"{_ms(tl['p50_ms'])} / {_ms(tl['p95_ms'])}",
                "—",
                "—",
                "(none; list's 50 ms)",
                _met(tl),
            )
        )
    lag = results.get("lag")
    if lag:
        rows.append(
            (
                f"5 Projection lag p50 / p99 (n={lag['samples']})",
                f"{_ms(lag['lag']['p50_ms'])} / {_ms(lag['lag']['p99_ms'])}",
                "—",
                "—",
                lag["target"],
                _met(lag),
            )
        )
    foot = results.get("footprint")
    if foot:
        rss = foot["rss_mb"]
        cache = foot["worker_cache"].get("temporal_sticky_cache_size")
        evicted = sum(v for k, v in foot["worker_cache"].items() if "eviction" in k)
        rows.append(
            (
                f"6 RSS at {foot['open_cases']:,} open cases (+{foot['open_alert_workflows']:,} "
                "alert workflows)",
                f"worker {rss['worker']:.0f} MB, dev server {rss['dev_server']:.0f} MB, "
                f"API {rss['api']:.0f} MB",
                f"bare worker {rss['bare_worker']:.0f} MB",
                "—",
                "recorded",
                "",
            )
        )
        extrapolated = foot.get("rss_mb_extrapolated_to_target")
        if extrapolated:
            growth = foot["rss_mb_per_1000_open_cases"]
            worker = (
                f"worker ≈ {extrapolated['worker']:.0f} MB (cache full: bounded by it)"
                if extrapolated.get("worker")
                else "worker: not extrapolated (cache not full)"
            )
            rows.append(
                (
                    f"6 RSS extrapolated to {foot['target_open_cases']:,} open cases",
                    f"dev server {extrapolated['dev_server']:.0f} MB ({growth['dev_server']} MB "
                    f"per 1,000 open cases), {worker}",
                    "—",
                    "—",
                    "recorded",
                    "",
                )
            )
        rows.append(
            (
                "6 Worker workflow cache",
                f"{cache:.0f} cached of max_cached_workflows={foot['max_cached_workflows']} "
                f"(worker setting), {evicted:.0f} forced evictions"
                if cache is not None
                else f"max_cached_workflows={foot['max_cached_workflows']}",
                "—",
                "—",
                "recorded",
                "",
            )
        )
    box = results.get("sandbox")
    if box:
        rows.append(
            (
                f"8 Workflow instance: replay of a saved case from its first event "
                f"({box['histories']} cases, {box['events']} events), CPU per case",
                f"{_ms(box['passed_through']['p50_ms'])} (project modules passed through)",
                f"{_ms(box['sandboxed']['p50_ms'])} (SDK default sandbox)",
                f"{box['ratio']:.2f}×" if box.get("ratio") else "—",
                "recorded",
                "",
            )
        )
    return rows


def table(results: dict[str, Any]) -> str:
    lines = [
        "| measure | petitionflow | bare Temporal | ratio | target | met |",
        "| --- | --- | --- | --- | --- | --- |",
    ]
    lines += ["| " + " | ".join(row) + " |" for row in _rows(results)]
    return "\n".join(lines)


def _plans_md(results: dict[str, Any]) -> list[str]:
    reads = results.get("reads")
    if not reads:
        return []
    out = [
        "## Query plans",
        "",
        "The statements the API ran for the first request of each read, recorded in the API "
        "process, explained on the same database: `EXPLAIN (ANALYZE, BUFFERS)` when the "
        "statement took under 2 s, else the estimated plan beside its measured time.",
        "",
    ]
    groups = [("list " + k, v) for k, v in reads["list"].items()]
    groups += [("stats " + k, v) for k, v in reads["stats"].items()]
    groups.append(("timeline", reads["timeline"]))
    for name, figures in groups:
        plans = figures.get("plans") or []
        total = sum(p["measured_ms"] or 0 for p in plans)
        slowest = max(plans, key=lambda p: p["measured_ms"] or 0, default=None)
        summary = f"{name}: {len(plans)} statement(s), {total:.0f} ms in the database"
        if slowest is not None and len(plans) > 1:
            summary += f" (slowest {slowest['measured_ms']:.0f} ms)"
        out += [f"<details><summary>{summary}</summary>", ""]
        for plan in plans:
            how = "EXPLAIN ANALYZE" if plan["analyzed"] else "EXPLAIN (estimated; not re-run)"
            out += [
                f"{how}, measured {plan['measured_ms']:.1f} ms in the API:",
                "",
                "```sql",
                plan["sql"][:3000],
                "```",
                "```",
                plan["plan"],
                "```",
                "",
            ]
        out += ["</details>", ""]
    return out


def _profiles_md(results: dict[str, Any]) -> list[str]:
    profiles = results.get("profiles")
    if not profiles:
        return []
    out = [
        "## Profiles",
        "",
        f"py-spy, {profiles['description']}. Share of the process's busy samples whose stack "
        "holds each part (a sample can count for several parts).",
        "",
    ]
    for process, summary in profiles.get("summaries", {}).items():
        out += [f"**{process}** ({summary['samples']} samples)", ""]
        out += ["| spent on | % of samples |", "| --- | --- |"]
        out += [f"| {name} | {share} |" for name, share in summary["buckets"]]
        out += [
            "",
            "Top frames (self): "
            + ", ".join(f"`{name}` {share} %" for name, share in summary["self"][:6]),
            "",
        ]
    return out


def markdown(results: dict[str, Any]) -> str:
    meta = results["meta"]
    head = [
        "# petitionflow benchmark — latest run",
        "",
        f"{meta['finished_at']} · {meta['machine']['cpus']} CPUs ({meta['machine']['cpu_model']}),"
        f" {meta['machine']['memory_gb']} GB · load average {meta['load_average_start']} → "
        f"{meta['load_average_end']} · {meta['duration_s']:.0f} s · "
        f"`python -m bench.run {meta['arguments']}`".rstrip(),
        "",
        table(results),
        "",
        "## Notes",
        "",
    ]
    head += [f"- {note}" for note in results.get("notes", [])]
    head.append("")
    return "\n".join(
        head + _sweep_md(results) + _cpu_md(results) + _plans_md(results) + _profiles_md(results)
    )


def _sweep_md(results: dict[str, Any]) -> list[str]:
    """The --workers sweep: the same load on each count of worker processes."""
    runs = (results.get("sweep") or {}).get("runs") or []
    if not runs:
        return []
    out = [
        "## Workers sweep",
        "",
        "The same load on each count of worker processes, fresh ones each time: registrations "
        "and `accept` through the API at the bench's concurrency, then a midnight burst with "
        "officer actions during it. Worker CPU-seconds: all worker processes together.",
        "",
        "| workers | registrations/s | `accept` p50 / p99 | burst: recorded p99 / max "
        "| burst: first webhook p99 (received) | burst: officer action p99 | lost "
        "| worker CPU-s (reg+accept / burst) |",
        "| --- | --- | --- | --- | --- | --- | --- | --- |",
    ]
    for run in runs:
        reg, acc, burst = run["registrations"], run["accept"], run["burst"]
        rec, note, act = burst["recorded"], burst["notified"], burst["actions"]
        spent = run["worker_cpu_s"]
        out.append(
            f"| {run['workers']} | {reg['per_second']:.1f}/s "
            f"| {_ms(acc['p50_ms'])} / {_ms(acc['p99_ms'])} "
            f"| {_ms(rec['p99_ms'])} / {_ms(rec['max_ms'])} ({burst['cases']:,} cases) "
            f"| {_ms(note['p99_ms'])} ({burst['notified_count']:,}) "
            f"| {_ms(act['p99_ms'])} | {burst['lost']} "
            f"| {spent['registrations_and_accept']} / {spent['burst']} |"
        )
    return [*out, ""]


def _cpu_md(results: dict[str, Any]) -> list[str]:
    """CPU-seconds each process spent in each section, beside its wall time."""
    spent = results.get("cpu_seconds") or {}
    if not spent:
        return []
    processes = sorted({p for per in spent.values() for p in per})
    wall = results["meta"].get("section_seconds", {})
    out = [
        "## CPU-seconds per section",
        "",
        "| section | wall s | " + " | ".join(processes) + " |",
        "| --- | --- | " + " | ".join("---" for _ in processes) + " |",
    ]
    for name, per in spent.items():
        cells = " | ".join(f"{per.get(p, 0):.1f}" for p in processes)
        out.append(f"| {name} | {wall.get(name, '—')} | {cells} |")
    return [*out, ""]


def write(results: dict[str, Any], out_dir: Path) -> tuple[Path, Path]:
    out_dir.mkdir(parents=True, exist_ok=True)
    as_json, as_md = out_dir / "latest.json", out_dir / "latest.md"
    public = {k: _public(v) for k, v in results.items()}
    as_json.write_text(json.dumps(public, ensure_ascii=False, indent=1, default=str) + "\n")
    as_md.write_text(markdown(public))
    return as_md, as_json


def _public(value: Any) -> Any:
    """Drop the working lists (keys starting with ``_``) the sections hand to each other."""
    if isinstance(value, dict):
        return {k: _public(v) for k, v in value.items() if not str(k).startswith("_")}
    if isinstance(value, list):
        return [_public(v) for v in value]
    return value

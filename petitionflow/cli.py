"""The ``petitionflow`` console script. Each command reads the same settings as the service."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from datetime import datetime

from pydantic import ValidationError

from models.daycount import compute_deadline
from models.errors import CalendarError, PolicyError
from models.policy import Span
from petitionflow.settings import Settings


def _deadline(args: argparse.Namespace, settings: Settings) -> int:
    policy = settings.sla_policy
    try:
        start = datetime.fromisoformat(args.start)
    except ValueError:
        raise SystemExit(f"--start: {args.start!r} is not an RFC 3339 time") from None
    if start.tzinfo is None:
        raise SystemExit("--start: give a UTC offset, e.g. 2026-09-20T10:00:00+08:00")
    try:
        span = Span.model_validate(args.duration)
    except ValidationError as exc:
        raise SystemExit(f"--duration: {exc.errors()[0]['msg']}") from None
    result = compute_deadline(
        start,
        span,
        mode=args.mode or policy.calendar.mode,
        zone=policy.zone,
        calendar=settings.work_calendar,
    )
    print(result.explanation)
    print(result.due_at.isoformat())
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="petitionflow", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)
    deadline = commands.add_parser(
        "deadline", help="print the due time the service would compute for a period"
    )
    deadline.add_argument("--start", required=True, help="RFC 3339 time of the event")
    deadline.add_argument("--duration", required=True, help="ISO 8601 duration, e.g. P15D")
    deadline.add_argument("--mode", choices=["natural", "working"], default=None)
    deadline.set_defaults(run=_deadline)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        settings = Settings()
        return int(args.run(args, settings))
    except (PolicyError, CalendarError) as exc:
        print(f"petitionflow: {exc}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())

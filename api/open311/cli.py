"""``petitionflow open311 keys create|list|revoke``: api keys for Open311 clients."""

from __future__ import annotations

import argparse
import sys

from petitionflow.settings import Settings


def add_commands(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Register ``open311`` on the console script's subparsers (``build_parser``)."""
    open311 = commands.add_parser("open311", help="the Open311 GeoReport v2 interface")
    keys = open311.add_subparsers(dest="open311_command", required=True).add_parser(
        "keys", help="manage api keys"
    )
    actions = keys.add_subparsers(dest="open311_keys_command", required=True)

    create = actions.add_parser(
        "create", help="issue a key bound to a unit and print it once, alone on the last line"
    )
    create.add_argument("--unit", required=True, help="the unit that receives what it submits")
    create.add_argument("--name", default="", help="the client it is for, e.g. 12345 热线")
    create.set_defaults(run=_create)

    actions.add_parser("list", help="list keys (never the keys themselves)").set_defaults(run=_list)

    revoke = actions.add_parser("revoke", help="revoke a key by its id")
    revoke.add_argument("key_id")
    revoke.set_defaults(run=_revoke)


def _create(args: argparse.Namespace, settings: Settings) -> int:
    from api.open311.keys import create_key
    from petitionflow.db import make_engine

    try:
        row, key = create_key(
            make_engine(settings.resolved_database_url), unit_id=args.unit, name=args.name
        )
    except ValueError as exc:
        print(f"petitionflow: {exc}", file=sys.stderr)
        return 2
    print(f"open311 key {row.id} for unit {row.unit_id} created; the key is shown once:")
    print(key)
    return 0


def _list(args: argparse.Namespace, settings: Settings) -> int:
    from api.open311.keys import list_keys
    from petitionflow.db import make_engine

    for row in list_keys(make_engine(settings.resolved_database_url)):
        revoked = f"revoked {row.revoked_at.isoformat()}" if row.revoked_at else "active"
        print(
            f"{row.id}\t{row.unit_id}\t{row.name or '-'}\t{row.created_at.isoformat()}\t{revoked}"
        )
    return 0


def _revoke(args: argparse.Namespace, settings: Settings) -> int:
    from api.open311.keys import revoke_key
    from petitionflow.db import make_engine

    if not revoke_key(make_engine(settings.resolved_database_url), args.key_id):
        print(f"petitionflow: no open311 key {args.key_id!r}", file=sys.stderr)
        return 2
    print(f"open311 key {args.key_id} revoked")
    return 0

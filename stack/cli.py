"""The ``ductwork`` command: ``up`` runs the embedded stack, ``migrate`` upgrades the store."""

from __future__ import annotations

import argparse
import sys


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="ductwork", description="Ductwork: data pipelines as durable Temporal workflows."
    )
    commands = parser.add_subparsers(dest="command", required=True)
    commands.add_parser(
        "up", help="start Temporal (dev server), the worker and the API; Ctrl-C stops them"
    )
    commands.add_parser("migrate", help="apply the metadata store's migrations")
    args = parser.parse_args(argv)

    if args.command == "up":
        from stack.processes import up

        return up()

    from core.settings import get_settings
    from store.migrate import upgrade

    settings = get_settings()
    upgrade(settings.store_url)
    sys.stdout.write(f"store migrated: {settings.store_url}\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())

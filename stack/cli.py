"""``python -m stack.cli up|migrate``: the local stack without the API client (the ``ductwork``
command, ``cli.main``, offers the same two and the API's operations)."""

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

    sys.stdout.write(f"store migrated: {migrate()}\n")
    return 0


def migrate() -> str:
    """Bring the metadata store to the current schema; its URL."""
    from core.settings import get_settings
    from store.migrate import upgrade

    settings = get_settings()
    upgrade(settings.store_url)
    return settings.store_url


if __name__ == "__main__":
    sys.exit(main())

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
    commands.add_parser(
        "rotate-key", help="re-encrypt every stored secret with DUCTWORK_SECURITY__ENCRYPTION_KEY"
    )
    args = parser.parse_args(argv)

    if args.command == "up":
        from stack.processes import up

        return up()

    if args.command == "rotate-key":
        sys.stdout.write(f"re-encrypted {rotate_key()} stored secrets with the current key\n")
        return 0
    sys.stdout.write(f"store migrated: {migrate()}\n")
    return 0


def rotate_key() -> int:
    """Re-encrypt every stored secret with the current key (the previous ones, in
    DUCTWORK_SECURITY__PREVIOUS_ENCRYPTION_KEYS, still decrypt); how many."""
    import asyncio

    from core.secrets import Cipher
    from core.settings import get_settings
    from store.db import Database
    from store.reencryption import reencrypt

    settings = get_settings()
    cipher = Cipher.from_settings(settings)

    async def run() -> int:
        db = Database(settings.store_url)
        try:
            async with db.session() as session:
                return await reencrypt(session, cipher.rotate)
        finally:
            await db.dispose()

    return asyncio.run(run())


def migrate() -> str:
    """Bring the metadata store to the current schema; its URL."""
    from core.settings import get_settings
    from store.migrate import upgrade

    settings = get_settings()
    upgrade(settings.store_url)
    return settings.store_url


if __name__ == "__main__":
    sys.exit(main())

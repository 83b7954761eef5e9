"""PostgreSQL connection options checked before the driver sees them."""

from __future__ import annotations

import pytest

from connectors.base import TerminalError
from connectors.postgres.client import connect
from connectors.postgres.config import PostgresConfig


async def test_an_unknown_ssl_mode_is_a_terminal_configuration_error():
    # asyncpg refuses it with an InterfaceError, which would read as an unreachable server.
    config = PostgresConfig("127.0.0.1", 1, "db", ssl_mode="required")
    with pytest.raises(TerminalError, match="sslMode 'required' is not one of") as raised:
        await connect(config)
    assert raised.value.error_type == "INVALID_CONNECTION"

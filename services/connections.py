"""Testing a stored connection: the one way every surface (and the dashboard) does it."""

from __future__ import annotations

from connectors.base import ConnectionTestResult, ConnectorError, PolicyDenied
from core.confinement import egress
from core.connections import connector_config
from core.secrets import Cipher, SecretReferenceError
from core.settings import Settings
from store.models import Connection


async def test(row: Connection, cipher: Cipher, settings: Settings) -> ConnectionTestResult:
    """Connect and say how it went; a secret that cannot be resolved, a connector that refuses
    its settings or a host name that does not resolve is a failed test with the reason.
    PolicyDenied (the confinement policy refuses the address or path) is raised: the caller
    answers it as a refusal."""
    try:
        connector, config = await connector_config(row, cipher, settings)
    except egress.Unresolvable as exc:  # no address yet: a failed test, not a refusal
        return ConnectionTestResult(connected=False, latency_ms=0, error=str(exc))
    except PolicyDenied:
        raise
    except (SecretReferenceError, ConnectorError) as exc:
        return ConnectionTestResult(connected=False, latency_ms=0, error=str(exc))
    return await connector.test_connection(config)

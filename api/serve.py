"""``python -m api.serve --host H --port P``: the API under uvicorn, every log line JSON.

uvicorn's own logging setup is left out (``log_config=None``): its lines, the access log
included, go through ``core.logging`` like the application's, from the first one.
"""

from __future__ import annotations

import argparse

import uvicorn

from core.logging import configure_logging
from core.settings import get_settings


def main(argv: list[str] | None = None) -> None:
    settings = get_settings()
    parser = argparse.ArgumentParser(prog="python -m api.serve")
    parser.add_argument("--host", default=settings.api.host)
    parser.add_argument("--port", type=int, default=settings.api.port)
    args = parser.parse_args(argv)
    configure_logging(settings.log_level)
    uvicorn.run(
        "api.main:create_app",
        factory=True,
        host=args.host,
        port=args.port,
        log_config=None,
        # uvicorn would take X-Forwarded-For from any loopback peer; the app reads proxy
        # headers itself, from DUCTWORK_AUTH__TRUSTED_PROXIES only (api.security).
        proxy_headers=False,
    )


if __name__ == "__main__":
    main()

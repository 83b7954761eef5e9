"""A property-based fuzz of the app's OpenAPI document: no request may get a 5xx.

schemathesis generates requests for every operation of the running API's ``/openapi.json``
and sends them, with an admin credential, to a real uvicorn process (``services``). The test
run is small; ``make fuzz`` sends many more (FUZZ_MAX_EXAMPLES, FUZZ_PHASES).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from tests.service_processes import Services

MAX_EXAMPLES = int(os.environ.get("FUZZ_MAX_EXAMPLES", "1"))
PHASES = os.environ.get("FUZZ_PHASES", "fuzzing")
SCHEMATHESIS = Path(sys.executable).parent / "schemathesis"


def test_no_request_gets_a_server_error(services: Services, tmp_path: Path):
    report = tmp_path / "fuzz.json"
    config = tmp_path / "schemathesis.toml"
    # No sign-up of its own: every request goes as the admin key of the "default" tenant.
    config.write_text("[auth]\nauto-signup = false\n")
    argv = [
        str(SCHEMATHESIS),
        "--config-file",
        str(config),
        "run",
        f"{services.base_url}/openapi.json",
        "--checks",
        "not_a_server_error",
        "--phases",
        PHASES,
        "--max-examples",
        str(MAX_EXAMPLES),
        "--request-timeout",
        "30",
        "--suppress-health-check",
        "all",
        "--continue-on-failure",
        "--report",
        "json",
        "--report-json-path",
        str(report),
    ]
    if os.environ.get("FUZZ_SEED"):
        argv += ["--seed", os.environ["FUZZ_SEED"]]
    for name, value in services.headers.items():
        argv += ["-H", f"{name}: {value}"]
    finished = subprocess.run(argv, capture_output=True, text=True, check=False)
    assert report.exists(), finished.stdout[-4000:] + finished.stderr[-2000:]
    result = json.loads(report.read_text())
    cases, operations = result["test_cases"], result["operations"]
    print(
        f"\nschemathesis: {cases['generated']} requests over {operations['tested']} operations "
        f"(phases {PHASES}, max {MAX_EXAMPLES} examples each, seed {result['seed']}): "
        f"{cases['with_failures']} with a server error"
    )
    failures = "\n".join(json.dumps(f)[:600] for f in result["failures"][:10])
    assert cases["with_failures"] == 0 and not result["failures"], (
        f"{finished.stdout[-6000:]}\n{failures}"
    )
    assert not result["errors"], json.dumps(result["errors"])[:3000]
    assert operations["tested"] == operations["selected"] > 50
    assert cases["generated"] >= operations["tested"]

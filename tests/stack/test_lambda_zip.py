"""The Lambda zip, built as ``brickguard deploy`` builds it, holds what the functions import and nothing local.

The CLI, the local AWS and the express-only serverful backend never reach Lambda: the zip is
listed, then every function's handler is imported from the unpacked zip alone (the repository
off the path), so a module the zip misses fails here as it would in AWS.
"""

from __future__ import annotations

import io
import json
import subprocess
import sys
import zipfile
from pathlib import Path

from api.functions import FUNCTIONS
from cli.stack import lambda_code_package

FIRST_PARTY = ("cli", "runtime", "guards", "api", "devstack", "rollout", "stack", "dashboards", "alarms")
NEVER_IN_LAMBDA = ("cli/", "devstack/", "rollout/", "stack/", "runtime/serverful/")

IMPORT_EVERY_HANDLER = """
import importlib, json, sys
for handler in sys.argv[1:]:
    module, _, name = handler.rpartition(".")
    assert callable(getattr(importlib.import_module(module), name)), handler
print(json.dumps(sorted(m.replace(".", "/") for m in sys.modules if m.partition(".")[0] in {first_party})))
"""


def _names() -> list[str]:
    return zipfile.ZipFile(io.BytesIO(lambda_code_package().data)).namelist()


def test_the_zip_holds_the_floor_the_guards_and_the_api_and_nothing_local():
    names = _names()
    assert {name.partition("/")[0] for name in names} == {"runtime", "guards", "api"}
    assert [name for name in names if name.startswith(NEVER_IN_LAMBDA)] == []
    assert "api/handlers.py" in names and "runtime/wrapper.py" in names


def test_every_handler_imports_from_the_unpacked_zip_alone(tmp_path: Path):
    zipfile.ZipFile(io.BytesIO(lambda_code_package().data)).extractall(tmp_path)
    handlers = sorted({function.handler for function in FUNCTIONS})
    code = IMPORT_EVERY_HANDLER.format(first_party=set(FIRST_PARTY))
    env = {"PATH": "/usr/bin:/bin", "PYTHONPATH": str(tmp_path), "BRICKGUARD_TRACING": "off",
           "AWS_DEFAULT_REGION": "us-east-1"}
    result = subprocess.run([sys.executable, "-c", code, *handlers], cwd=tmp_path, env=env,
                            capture_output=True, text=True, timeout=120, check=False)
    assert result.returncode == 0, result.stderr[-3000:]
    loaded = json.loads(result.stdout)
    assert loaded, "no first-party module was imported"
    assert [module for module in loaded if (module + "/").startswith(NEVER_IN_LAMBDA)] == []


def test_the_rollback_functions_own_zip_imports_its_handler_alone_and_holds_nothing_local(tmp_path: Path):
    """stack/auto_rollback.py's function runs ``rollout.auto_rollback.handler`` from its own package."""
    from cli.stack import rollback_code_package

    archive = zipfile.ZipFile(io.BytesIO(rollback_code_package().data))
    assert {name.partition("/")[0] for name in archive.namelist()} == {"rollout", "stack", "runtime"}
    assert not [name for name in archive.namelist() if name.startswith(("runtime/serverful/", "cli/", "devstack/"))]
    archive.extractall(tmp_path)
    code = IMPORT_EVERY_HANDLER.format(first_party=set(FIRST_PARTY))
    env = {"PATH": "/usr/bin:/bin", "PYTHONPATH": str(tmp_path), "AWS_DEFAULT_REGION": "us-east-1"}
    result = subprocess.run([sys.executable, "-S", "-c", code, "rollout.auto_rollback.handler"], cwd=tmp_path, env=env,
                            capture_output=True, text=True, timeout=120, check=False)
    assert result.returncode == 0, result.stderr[-3000:]
    loaded = json.loads(result.stdout)
    assert "rollout/auto_rollback" in loaded
    assert [m for m in loaded if m.partition("/")[0] in ("cli", "devstack", "api", "guards")] == []
    assert [m for m in loaded if m.startswith("runtime/") and not m.startswith("runtime/telemetry")] == []

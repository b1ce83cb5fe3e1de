"""Where the running ``brickguard up`` of a data directory listens, so commands find it by ``--data-dir``.

``up`` writes ``{data_dir}/up.json`` (its URL and pid) once it listens and
removes it when it stops; ``brickguard breaker`` reads it, like ``brickguard
token`` reads the signing key there. A file left by a killed ``up`` names a
pid that no longer runs and is ignored.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

RUNNING_FILE = "up.json"
ANY_INTERFACE = frozenset({"0.0.0.0", "::", ""})  # noqa: S104 - compared against, never bound


def announce(data_dir: str | Path, host: str, port: int, **services: str | None) -> None:
    """Record that this process serves the data directory at ``host:port`` (and the URLs of its ``services``)."""
    connect_host = "127.0.0.1" if host in ANY_INTERFACE else host
    if ":" in connect_host:
        connect_host = f"[{connect_host}]"
    record: dict[str, object] = {"url": f"http://{connect_host}:{port}", "pid": os.getpid()}
    record.update({name: url for name, url in services.items() if url})
    path = Path(data_dir) / RUNNING_FILE
    tmp = path.with_suffix(".tmp")
    tmp.write_text(json.dumps(record))
    tmp.replace(path)


def withdraw(data_dir: str | Path) -> None:
    """Forget the record, if it is this process's."""
    path = Path(data_dir) / RUNNING_FILE
    if _record(path).get("pid") == os.getpid():
        path.unlink(missing_ok=True)


def running_url(data_dir: str | Path, service: str = "url") -> str | None:
    """The URL of the ``up`` serving ``data_dir`` (or of its ``service``, e.g. ``redis_url``); None when none runs."""
    record = _record(Path(data_dir) / RUNNING_FILE)
    pid, url = record.get("pid"), record.get(service)
    if not isinstance(pid, int) or not isinstance(url, str):
        return None
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return None
    except PermissionError:
        pass  # running as another user: still running
    return url


def control_url(data_dir: str | Path) -> str | None:
    """Where operators' commands reach the ``up`` of ``data_dir``: its control listener, which keeps answering
    while express's public listener is stopped (``brickguard chaos express stop``); else its URL."""
    return running_url(data_dir, "control_url") or running_url(data_dir)


def _record(path: Path) -> dict:
    try:
        record = json.loads(path.read_text())
    except (OSError, ValueError):
        return {}
    return record if isinstance(record, dict) else {}

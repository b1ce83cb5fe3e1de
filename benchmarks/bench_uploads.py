"""Uploads: image latency on both backends, processing time and peak memory per size, the upload function's cold start.

1. **Upload latency** (``POST /api/images``, multipart JPEG of 100 KB, 1 MB, 4 MB): ``brickguard
   up`` with S3 on a local moto server; express and serverless are loaded *at the same time*
   (side by side, same machine state), open loop: request ``i`` is due at ``start + i / rate``
   and its latency counts from then, so a backlog shows as latency.
2. **Processing** (``api.uploads.image_processing.process``: decode, orient, resize, WebP) per size and
   per use — gallery (2048 px + 400 px thumbnail), wishlist (800 px), avatar (256x256 crop):
   time and peak RSS, each in a fresh process (Pillow allocates outside Python's allocator, so
   ``tracemalloc`` would not see it; the kernel's high-water mark ``VmHWM`` does).
3. **Cold start** of the ``upload`` function: its environments are destroyed, then the first
   ``POST /api/mocs/{id}/files`` through the local gateway is timed, against DESIGN.md's 2 s.

Bounded: a fixed number of requests per size and backend, each with a timeout. Every request's
outcome is recorded: a status other than the expected one, or a failure (timeout, connection
refused: its exception's name), is listed next to the latencies of the ones that succeeded.
Run: ``python -m benchmarks.bench_uploads [--write-docs]``; with ``--write-docs`` the figures go to
docs/performance.md.
"""

from __future__ import annotations

import contextlib
import dataclasses
import io
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

import requests
from urllib3 import encode_multipart_formdata

from api import object_keys
from benchmarks.bench_local_aws import _destroy_environments, _local_aws, _start_up
from benchmarks.report import command_line, machine_line, percentile, write_section
from devstack.embedded import EmbeddedPostgres, EmbeddedRedis
from devstack.lambda_.platform_logs import LogCollector
from devstack.s3 import local_s3
from runtime import config
from runtime.auth import mint_token

ROOT = Path(__file__).resolve().parent.parent
SIZES = {"100 KB": 100_000, "1 MB": 1_000_000, "4 MB": 4_000_000}
RATES = {"100 KB": 2.0, "1 MB": 1.0, "4 MB": 0.25}
"""Requests per second per backend: well under capacity, so latency is the request's own."""
REQUESTS = 8
REQUEST_TIMEOUT_S = 60.0
COLD_STARTS = 4
USER = "bench-uploader"
USES = ("gallery", "wishlist", "avatar")
"""The renditions ``api.uploads.image_processing`` makes per use (the specs of each, largest first)."""


def jpeg_of(target_bytes: int) -> bytes:
    """A photo-like JPEG (noise on gradients) of about ``target_bytes``, at most that many."""
    import numpy as np
    from PIL import Image

    rng = np.random.default_rng(7)
    side = 256
    best = b""
    while True:
        x = np.linspace(0, 255, side, dtype=np.float32)
        base = (x[None, :, None] + x[:, None, None]) / 2
        pixels = np.clip(base + rng.normal(0, 40, (side, side, 3)), 0, 255).astype("uint8")
        out = io.BytesIO()
        Image.fromarray(pixels, "RGB").save(out, "JPEG", quality=92)
        if out.tell() > target_bytes:
            return best
        best = out.getvalue()
        side = int(side * 1.08)


def _multipart(data: bytes) -> tuple[bytes, str]:
    body, content_type = encode_multipart_formdata([("title", "bench"), ("file", ("photo.jpg", data, "image/jpeg"))])
    return body, content_type


def post_outcome(url: str, body: bytes, headers: dict[str, str]) -> int | str:
    """The status of one POST, or the name of the exception that stopped it (never lost in a thread)."""
    try:
        return requests.post(url, data=body, headers=headers, timeout=REQUEST_TIMEOUT_S).status_code
    except requests.RequestException as exc:
        return type(exc).__name__


def open_loop_posts(
    url: str, body: bytes, content_type: str, token: str, rate: float, count: int
) -> tuple[list[float], list[int | str]]:
    """``count`` POSTs due at ``rate`` per second: latency (ms) of each 201 from its due time, other outcomes."""
    latencies: list[float] = []
    refused: list[int | str] = []
    lock = threading.Lock()
    start = time.monotonic() + 0.2

    def send(index: int) -> None:
        due = start + index / rate
        time.sleep(max(0.0, due - time.monotonic()))
        headers = {"Authorization": f"Bearer {token}", "Content-Type": content_type}
        outcome = post_outcome(url, body, headers)
        with lock:
            if outcome == 201:
                latencies.append((time.monotonic() - due) * 1000.0)
            else:
                refused.append(outcome)

    threads = [threading.Thread(target=send, args=(index,)) for index in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(REQUEST_TIMEOUT_S + count / rate)
    unanswered = count - len(latencies) - len(refused)
    return latencies, refused + ["unfinished"] * unanswered


def upload_latency(settings: config.Settings, data_dir: Path, images: dict[str, bytes]) -> dict[str, Any]:
    proc, express, serverless = _start_up(settings, data_dir)
    token = mint_token(settings, sub=USER)
    results: dict[str, Any] = {}
    try:
        for label, data in images.items():
            body, content_type = _multipart(data)
            warmups = {  # warm: environment, imports, connections (their outcome is recorded too)
                name: post_outcome(f"http://127.0.0.1:{port}/api/images", body,
                                   {"Authorization": f"Bearer {token}", "Content-Type": content_type})
                for name, port in (("express", express), ("serverless", serverless))
            }
            found: dict[str, tuple[list[float], list[int | str]]] = {}

            def run(name: str, port: int, body: bytes = body, content_type: str = content_type,
                    found: dict[str, tuple[list[float], list[int | str]]] = found, rate: float = RATES[label]) -> None:
                url = f"http://127.0.0.1:{port}/api/images"
                found[name] = open_loop_posts(url, body, content_type, token, rate, REQUESTS)

            side_by_side = [threading.Thread(target=run, args=("express", express)),
                            threading.Thread(target=run, args=("serverless", serverless))]
            for thread in side_by_side:
                thread.start()
            for thread in side_by_side:
                thread.join()
            results[label] = {
                name: {"p50": percentile(values, 0.5) if values else float("nan"),
                       "max": max(values, default=float("nan")), "ok": len(values),
                       "refused": sorted(refused, key=str), "warmup": warmups[name]}
                for name, (values, refused) in found.items()
            }
    finally:
        proc.send_signal(signal.SIGTERM)
        proc.wait(60)
    return results


PROCESS_PROBE = """
import sys, time
from api.uploads import image_processing as ip
from PIL import Image, ImageOps, WebPImagePlugin  # imported before the baseline, as in a warm environment

SPECS = {"gallery": (ip.GALLERY, ip.GALLERY_THUMBNAIL), "wishlist": (ip.WISHLIST,), "avatar": (ip.AVATAR,)}

def kib(field):
    return next(int(line.split()[1]) for line in open("/proc/self/status") if line.startswith(field))

data = open(sys.argv[1], "rb").read()
open("/proc/self/clear_refs", "w").write("5")  # reset the peak (VmHWM): ru_maxrss keeps the parent's after fork
before = kib("VmRSS:")
started = time.perf_counter()
ip.process(data, *SPECS[sys.argv[2]])
elapsed = (time.perf_counter() - started) * 1000
print(elapsed, before, kib("VmHWM:"))
"""


def processing(images: dict[str, bytes], work: Path) -> dict[str, Any]:
    """Per size and use: median time of 3 fresh processes, their largest peak RSS growth and peak."""
    from PIL import Image

    found: dict[str, Any] = {}
    for label, data in images.items():
        path = work / f"{label.replace(' ', '')}.jpg"
        path.write_bytes(data)
        width, height = Image.open(io.BytesIO(data)).size
        found[label] = {"pixels": f"{width}x{height}"}
        for use in USES:
            runs = []
            for _ in range(3):
                out = subprocess.run([sys.executable, "-c", PROCESS_PROBE, str(path), use], capture_output=True,
                                     text=True, env={**os.environ, "PYTHONPATH": str(ROOT)}, timeout=120, check=True)
                elapsed, before, after = (float(value) for value in out.stdout.split())
                runs.append((elapsed, (after - before) / 1024.0, after / 1024.0))  # KiB -> MiB
            found[label][use] = {
                "ms": sorted(run[0] for run in runs)[1],
                "peak_growth_mb": max(run[1] for run in runs),
                "peak_rss_mb": max(run[2] for run in runs),
            }
    return found


def upload_cold_starts(settings: config.Settings) -> dict[str, Any]:
    logs = LogCollector()
    aws = _local_aws(settings, logs, keep_warm=())
    aws.start()
    headers = {"Authorization": f"Bearer {mint_token(settings, sub=USER)}"}
    first: list[float] = []
    statuses: list[int | str] = []
    try:
        created = requests.post(aws.gateway_url + "/api/mocs", headers=headers, timeout=60,
                                json={"type": "moc", "title": f"cold {time.time()}", "author": "bench"})
        moc = created.json()["data"]["id"]
        body, content_type = encode_multipart_formdata(
            [("files", ("i.pdf", b"%PDF-1.7\n" + b"0" * 100_000 + b"\n%%EOF\n", "application/pdf"))]
        )
        for _ in range(COLD_STARTS):
            aws.call(_destroy_environments(aws, "upload"), timeout=30)
            started = time.perf_counter()
            outcome = post_outcome(f"{aws.gateway_url}/api/mocs/{moc}/files", body,
                                   {**headers, "Content-Type": content_type})
            first.append((time.perf_counter() - started) * 1000.0)
            statuses.append(outcome)
    finally:
        aws.stop()
    return {"first_ms": first, "statuses": statuses}


def main() -> None:
    args = command_line(__doc__).parse_args()
    base = Path(tempfile.mkdtemp(prefix="brickguard-bench-uploads-"))
    base.chmod(0o755)  # the embedded PostgreSQL runs as an unprivileged user
    images = {label: jpeg_of(size) for label, size in SIZES.items()}
    load_before = os.getloadavg()[0]
    try:
        with contextlib.ExitStack() as stack:
            postgres = stack.enter_context(EmbeddedPostgres(base / "postgres", durable=False))
            redis = stack.enter_context(EmbeddedRedis(base / "redis"))
            (base / "data").mkdir()
            settings = config.Settings(backend="serverless", database_url=postgres.url, redis_url=redis.url,
                                       data_dir=str(base / "data"), tracing="off")
            settings = local_s3.start(stack, settings, base, public_prefixes=object_keys.PUBLIC_PREFIXES)
            os.environ.update(local_s3.environment(settings))  # for the up subprocess
            processed = processing(images, base)
            latency = upload_latency(settings, base / "data", images)
            cold = upload_cold_starts(dataclasses.replace(settings))
    finally:
        shutil.rmtree(base, ignore_errors=True)
    sizes = {label: len(data) for label, data in images.items()}
    load = (load_before, os.getloadavg()[0])
    body = _report(sizes, processed, latency, cold, load)
    print(body)
    if args.write_docs:
        write_section("uploads", body)
    print(json.dumps({"sizes": sizes, "processing": processed, "latency": latency, "cold": cold}, indent=1))


def _report(
    sizes: dict[str, int], processed: dict[str, Any], latency: dict[str, Any], cold: dict[str, Any],
    load: tuple[float, float],
) -> str:
    lines = [
        "## Uploads (`benchmarks/bench_uploads.py`)",
        "",
        machine_line() + f" Load average {load[0]:.1f} before the run, {load[1]:.1f} after, on {os.cpu_count()} "
        "CPUs (above 1 the machine was shared: absolute figures are inflated, ratios side by side are the point).",
        "",
        "**Image processing** (decode, EXIF orientation, resize, WebP q80) per use: gallery 2048 px + 400 px "
        "thumbnail, wishlist 800 px, avatar 256x256 centre crop; median of 3, a fresh process each, peak RSS "
        "growth over the warm process (`VmHWM`):",
        "",
        "| JPEG | bytes | pixels | gallery ms | wishlist ms | avatar ms | peak growth MB gallery / wishlist / avatar "
        "| peak RSS MB (gallery) |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for label, found in processed.items():
        growth = " / ".join(f"{found[use]['peak_growth_mb']:.0f}" for use in USES)
        lines.append(f"| {label} | {sizes[label]:,} | {found['pixels']} | "
                     + " | ".join(f"{found[use]['ms']:.0f}" for use in USES)
                     + f" | {growth} | {found['gallery']['peak_rss_mb']:.0f} |")
    lines += [
        "",
        f"**Upload latency** `POST /api/images` (multipart), open loop, {REQUESTS} requests per size and backend, "
        "both backends loaded at the same time:",
        "",
        "| JPEG | rate/s | express p50 ms | serverless p50 ms | serverless / express | express max | serverless max "
        "| other outcomes (express / serverless) | warm-up (express / serverless) |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    for label, found in latency.items():
        express, serverless = found["express"], found["serverless"]
        ratio = serverless["p50"] / express["p50"] if express["p50"] else float("nan")
        lines.append(f"| {label} | {RATES[label]} | {express['p50']:.0f} ({express['ok']} ok) | "
                     f"{serverless['p50']:.0f} ({serverless['ok']} ok) | {ratio:.2f} | {express['max']:.0f} | "
                     f"{serverless['max']:.0f} | {express['refused']} / {serverless['refused']} | "
                     f"{express['warmup']} / {serverless['warmup']} |")
    first = cold["first_ms"]
    lines += [
        "",
        f"**Cold start of the upload function**: first `POST /api/mocs/{{id}}/files` (100 KB PDF) through the local "
        f"gateway after its environments were destroyed, {len(first)} times: "
        f"p50 {percentile(first, 0.5):.0f} ms, max {max(first):.0f} ms against the 2,000 ms target "
        f"({'met' if max(first) <= 2000 else 'missed'} on this machine); statuses {cold['statuses']}.",
    ]
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    main()

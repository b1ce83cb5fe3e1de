"""Writing a benchmark's section of ``docs/performance.md`` (each owns one marked section)."""

from __future__ import annotations

import argparse
import os
import platform
import re
import time
from pathlib import Path

DOC = Path(__file__).resolve().parents[1] / "docs" / "performance.md"
DOC_HEADER = (
    "# Performance\n\n"
    "Figures measured by the scripts in `benchmarks/`, each in one run, side by side (these machines are "
    "noisy: compare ratios, not absolute numbers). Each benchmark owns one section between "
    "`<!-- bench:NAME -->` markers and rewrites only that, and only when run with `--write-docs`.\n"
)


def command_line(doc: str | None) -> argparse.ArgumentParser:
    """A benchmark's command line: ``--help`` shows its docstring and exits; the docs change only when asked."""
    parser = argparse.ArgumentParser(description=doc, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--write-docs", action="store_true",
                        help="also write the figures into docs/performance.md (default: print them only)")
    return parser


def machine_line() -> str:
    """When and where the figures were measured, and how busy the machine was (it may be shared)."""
    stamp = time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime())
    load = os.getloadavg()[0]
    return (f"Measured {stamp} on {os.cpu_count()} CPUs, Python {platform.python_version()}, 1-minute load average "
            f"{load:.1f} at the end (a load near or above the CPU count means other work shared the machine).")


def write_section(name: str, body: str) -> None:
    """Replace (or append) the ``name`` section of docs/performance.md with ``body``."""
    begin, end = f"<!-- bench:{name} -->", f"<!-- /bench:{name} -->"
    section = f"{begin}\n{body.strip()}\n{end}"
    text = DOC.read_text() if DOC.exists() else DOC_HEADER
    pattern = re.compile(re.escape(begin) + r".*?" + re.escape(end), re.DOTALL)
    if pattern.search(text):
        text = pattern.sub(lambda _m: section, text)
    else:
        text = text.rstrip("\n") + "\n\n" + section + "\n"
    DOC.write_text(text)


def percentile(samples: list[float], q: float) -> float:
    """The ``q`` quantile (0 to 1) of ``samples``, nearest-rank."""
    ordered = sorted(samples)
    index = min(len(ordered) - 1, max(0, round(q * len(ordered) + 0.5) - 1))
    return ordered[index]

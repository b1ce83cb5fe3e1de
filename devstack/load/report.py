"""What a load run found: per-backend HDR histograms, the summary, the comparison, the JSON and the CDF.

Latencies are recorded in microseconds in an HdrHistogram per backend (1 µs to 10 min, 3
significant digits: percentiles within 0.1 %, constant memory whatever the run length); the JSON
percentiles come from it. The comparison of two backends is a two-sided **Mann-Whitney U** test on
the raw latencies (no normality assumed; latency distributions are skewed) with its p-value, and
an effect size: **Cliff's delta** = P(serverless > express) - P(serverless < express), from U
(-1..1; |δ| < 0.147 negligible, < 0.33 small, < 0.474 medium, else large — Romano et al. 2006).
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from hdrh.histogram import HdrHistogram

from devstack.load.scheduler import Sample
from runtime.telemetry import catalogue

LOWEST_US = 1
HIGHEST_US = 600_000_000
SIGNIFICANT_DIGITS = 3
PERCENTILES = (50.0, 90.0, 95.0, 99.0)
EFFECT_WORDS = ((0.147, "negligible"), (0.33, "small"), (0.474, "medium"), (1.01, "large"))


@dataclass
class BackendResult:
    """One backend's run: histogram, raw latencies (for the test), statuses."""

    backend: str
    histogram: HdrHistogram = field(
        default_factory=lambda: HdrHistogram(LOWEST_US, HIGHEST_US, SIGNIFICANT_DIGITS)
    )
    latencies_ms: list[float] = field(default_factory=list)
    statuses: Counter[int] = field(default_factory=Counter)

    def add(self, sample: Sample) -> None:
        self.histogram.record_value(min(HIGHEST_US, max(LOWEST_US, round(sample.latency_ms * 1000))))
        self.latencies_ms.append(sample.latency_ms)
        self.statuses[sample.status] += 1

    @property
    def requests(self) -> int:
        return len(self.latencies_ms)

    @property
    def errors(self) -> int:
        """Answers of 400 and above, and requests that got no answer at all."""
        return sum(count for status, count in self.statuses.items() if status >= 400 or status == 0)

    def percentile_ms(self, pct: float) -> float:
        return float(self.histogram.get_value_at_percentile(pct)) / 1000.0

    def summary(self, seconds: float) -> dict[str, Any]:
        """The per-backend block of the JSON result."""
        return {
            "requests": self.requests,
            "errors": self.errors,
            "rps": round(self.requests / seconds, 2) if seconds > 0 else 0.0,
            **{f"p{pct:g}_ms": round(self.percentile_ms(pct), 3) for pct in PERCENTILES},
            "max_ms": round(float(self.histogram.get_max_value()) / 1000.0, 3),
        }


@dataclass(frozen=True)
class Comparison:
    """Serverless against express: Mann-Whitney U, its p-value and Cliff's delta."""

    u: float
    p_value: float
    effect_size: float

    @property
    def effect_words(self) -> str:
        size = next(word for bound, word in EFFECT_WORDS if abs(self.effect_size) < bound)
        direction = "slower" if self.effect_size > 0 else "faster"
        return f"{size} ({'serverless ' + direction if size != 'negligible' else 'no practical difference'})"


def compare(serverless: Sequence[float], express: Sequence[float]) -> Comparison:
    """Two-sided Mann-Whitney U of serverless vs express latencies and Cliff's delta from U."""
    from scipy.stats import mannwhitneyu

    if not serverless or not express:
        raise ValueError("both backends need samples to be compared")
    result = mannwhitneyu(serverless, express, alternative="two-sided", method="asymptotic")
    u = float(result.statistic)
    delta = 2.0 * u / (len(serverless) * len(express)) - 1.0  # U counts pairs where serverless is larger
    return Comparison(u, float(result.pvalue), delta)


def collect(samples: Iterable[Sample], backends: Sequence[str]) -> dict[str, BackendResult]:
    results = {backend: BackendResult(backend) for backend in backends}
    for sample in samples:
        results[sample.backend].add(sample)
    return results


def result_document(results: dict[str, BackendResult], seconds: float) -> dict[str, Any]:
    """The JSON file's shape: ``{"backends": {...}, "comparison": {...}}`` (comparison only with both)."""
    document: dict[str, Any] = {"backends": {name: result.summary(seconds) for name, result in results.items()}}
    if set(catalogue.BACKENDS) <= results.keys():
        comparison = compare(results["serverless"].latencies_ms, results["express"].latencies_ms)
        document["comparison"] = {"mann_whitney_p": comparison.p_value, "effect_size": round(comparison.effect_size, 4)}
    return document


def write_json(document: dict[str, Any], path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(document, indent=2) + "\n")


def plot_cdf(results: dict[str, BackendResult], path: Path, title: str) -> None:
    """Latency CDF per backend (log x axis), express blue and serverless orange as on the page."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    import numpy as np

    colours = {catalogue.EXPRESS: "#0972d3", catalogue.SERVERLESS: "#d45b07"}
    figure, axes = plt.subplots(figsize=(8, 4.5))
    for name, result in results.items():
        if not result.latencies_ms:
            continue
        values = np.sort(np.asarray(result.latencies_ms))
        axes.plot(values, np.arange(1, len(values) + 1) / len(values), label=f"{name} (p95 "
                  f"{result.percentile_ms(95):.1f} ms)", color=colours.get(name))
    axes.set_xscale("log")
    axes.set_xlabel("latency from the scheduled time (ms, log scale)")
    axes.set_ylabel("fraction of requests")
    axes.set_title(title)
    axes.axhline(0.95, color="#888", linewidth=0.8, linestyle=":")
    axes.grid(True, which="both", alpha=0.3)
    axes.legend(loc="lower right")
    path.parent.mkdir(parents=True, exist_ok=True)
    figure.tight_layout()
    figure.savefig(path, dpi=110)
    plt.close(figure)

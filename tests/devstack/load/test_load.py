"""``brickguard load``: open-loop schedule, HDR percentiles, the statistical comparison, the JSON shape."""

from __future__ import annotations

import json
import random

import pytest

from devstack.load import mixes, report
from devstack.load.scheduler import Sample
from tests.support.running_up import RunningUp

IDS = ["1" * 36, "2" * 36]


def test_both_backends_get_the_same_reproducible_sequence() -> None:
    first, again = mixes.plan("read-heavy", 200, IDS), mixes.plan("read-heavy", 200, IDS)
    assert first == again
    kinds = {request.kind for request in first}
    assert kinds == {"GET /api/mocs/{id}", "GET /api/mocs", "GET /api/mocs?search"}
    writes = mixes.plan("write-heavy", 100, IDS)
    assert {request.method for request in writes} == {"POST", "PATCH", "GET"}
    assert all(request.body for request in writes if request.method != "GET")
    with pytest.raises(ValueError, match="no MOC"):
        mixes.plan("read-heavy", 10, [])


def _samples(backend: str, values: list[float]) -> list[Sample]:
    return [Sample(backend, "GET /api/mocs", 200, value) for value in values]


def test_a_clear_shift_is_significant_and_large_and_identical_runs_are_not() -> None:
    generator = random.Random(3)
    express = [generator.lognormvariate(2.5, 0.4) for _ in range(2000)]
    slower = [value * 1.6 for value in express]
    shifted = report.compare(slower, express)
    assert shifted.p_value < 1e-6 and 0.474 <= shifted.effect_size <= 1
    assert shifted.effect_words.startswith("large (serverless slower")
    same = report.compare(express, list(reversed(express)))
    assert same.p_value > 0.5 and abs(same.effect_size) < 0.01
    assert same.effect_words.startswith("negligible")


def test_the_json_document_has_the_documented_shape() -> None:
    samples = _samples("express", [float(n) for n in range(1, 101)]) + \
        _samples("serverless", [float(n) * 2 for n in range(1, 101)]) + [Sample("serverless", "GET /x", 503, 5.0)]
    results = report.collect(samples, ["express", "serverless"])
    document = report.result_document(results, seconds=10)
    keys = {"requests", "errors", "rps", "p50_ms", "p90_ms", "p95_ms", "p99_ms", "max_ms"}
    assert set(document) == {"backends", "comparison"}
    assert set(document["backends"]["express"]) == keys == set(document["backends"]["serverless"])
    assert document["backends"]["express"]["p95_ms"] == pytest.approx(95.0, rel=0.002)  # HDR: 3 digits
    assert document["backends"]["serverless"]["errors"] == 1 and document["backends"]["serverless"]["rps"] == 10.1
    assert set(document["comparison"]) == {"mann_whitney_p", "effect_size"}
    alone = report.result_document(report.collect(samples[:100], ["express"]), seconds=10)
    assert "comparison" not in alone


def test_load_against_the_running_up_writes_results_and_a_plot(observed_up: RunningUp, tmp_path) -> None:
    result = observed_up.cli("load", "--rps", "20", "--duration", "3", "--json", str(tmp_path / "load.json"),
                            "--plot", str(tmp_path / "load.png"))
    assert result.returncode == 0, result.stderr + result.stdout
    document = json.loads((tmp_path / "load.json").read_text())
    for backend in ("express", "serverless"):
        figures = document["backends"][backend]
        assert figures["requests"] == 60
        assert figures["p50_ms"] <= figures["p95_ms"] <= figures["max_ms"]
    assert 0 <= document["comparison"]["mann_whitney_p"] <= 1
    assert "Mann-Whitney U" in result.stdout and "serverless / express p95" in result.stdout
    assert (tmp_path / "load.png").read_bytes()[:4] == b"\x89PNG"


def test_load_says_when_no_up_runs(tmp_path) -> None:
    from click.testing import CliRunner

    from cli.main import cli

    outcome = CliRunner().invoke(cli, ["load", "--rps", "1", "--duration", "1", "--data-dir", str(tmp_path)])
    assert outcome.exit_code == 1 and "no running `brickguard up" in outcome.output

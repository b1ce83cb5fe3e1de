"""docs/telemetry.md's metric table stays in step with the catalogue."""

from __future__ import annotations

from runtime.telemetry.catalogue import CATALOGUE
from runtime.telemetry.prometheus import prometheus_name
from tests.runtime.conftest import REPO


def test_every_catalogue_metric_is_documented_with_its_names_and_dimensions() -> None:
    rows = {
        line.split("|")[1].strip().strip("`"): line
        for line in (REPO / "docs" / "telemetry.md").read_text().splitlines()
        if line.startswith("| `")
    }
    for spec in CATALOGUE:
        assert spec.name in rows, f"{spec.name} missing from docs/telemetry.md"
        row = rows[spec.name]
        assert f"`{prometheus_name(spec)}`" in row and f"| {spec.unit} |" in row and f"| {spec.kind} |" in row
        # the CloudWatch dimension set (what is billed), or that the EMF leaves the metric out
        assert f"[{', '.join(spec.published_dimensions)}]" in row if spec.in_cloudwatch else "*no EMF*" in row
        assert all(f"{name} a property" in row for name in spec.properties if spec.in_cloudwatch)

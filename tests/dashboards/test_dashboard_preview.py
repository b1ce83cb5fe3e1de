"""``brickguard synth`` writes a dashboard preview page showing every widget where CloudWatch puts it."""

from __future__ import annotations

import html
import re

from click.testing import CliRunner

from api.functions import FUNCTIONS
from cli.main import cli
from stack.template import dashboard_bodies, synthesize


def test_synth_writes_a_preview_with_every_dashboard_and_widget(tmp_path):
    result = CliRunner().invoke(cli, ["synth", "--out", str(tmp_path)], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    page = (tmp_path / "dashboards.html").read_text()
    bodies = dashboard_bodies(synthesize(FUNCTIONS, "test-release")["Resources"])
    assert len(bodies) >= 3
    for name, body in bodies:
        assert f"<h2>{html.escape(name)}</h2>" in page
        for widget in body["widgets"]:
            title = widget["properties"].get("title")
            if title:
                assert html.escape(title) in page
            span = f"grid-column: {widget['x'] + 1} / span {widget['width']}; grid-row: {widget['y'] + 1}"
            assert span in page
    assert len(re.findall(r'class="w', page)) == sum(len(body["widgets"]) for _, body in bodies)

"""The shipped alarm cases pass, and they cover every alarm and composite of both profiles."""

from __future__ import annotations

from pathlib import Path

import pytest

from alarms import casefile, runner
from alarms.composites import composite_alarms
from alarms.definitions import metric_alarms
from alarms.profiles import PROFILES
from alarms.routing import SHARED_SLUGS

CASES = runner.case_files([])


@pytest.mark.parametrize("path", CASES, ids=[path.name for path in CASES])
def test_shipped_case_file_matches(path: Path, functions: list[str]) -> None:
    results = runner.run_files([path], functions)
    assert results
    mismatches = [
        f"{r.scenario} @{r.at}s {r.alarm}: expected {r.expected}, got {r.actual}" for r in results if not r.passed
    ]
    assert mismatches == []


def _expectations(profile: str) -> list[casefile.Expectation]:
    return [
        expect
        for path in CASES
        for scenario in casefile.load(path).scenarios
        if scenario.profile == profile
        for expect in scenario.expect
    ]


@pytest.mark.parametrize("profile", list(PROFILES))
def test_every_alarm_is_seen_firing_and_quiet(profile: str, functions: list[str]) -> None:
    """Shared alarms (the same in both profiles, symptoms and rollback) may be seen in either profile's cases."""
    expectations = _expectations(profile)
    shared = [expect for other in PROFILES if other != profile for expect in _expectations(other)]
    slugs = [alarm.slug for alarm in metric_alarms(PROFILES[profile], functions)]
    slugs += [alarm.slug for alarm in composite_alarms(PROFILES[profile], functions)]
    for slug in slugs:
        seen = [*expectations, *(shared if slug in SHARED_SLUGS else [])]
        states = {expect.state for expect in seen if expect.alarm == slug}
        assert {"ALARM", "OK"} <= states, f"{profile}/{slug} has no firing or no quiet expectation"


def test_every_bau_composite_has_a_suppressed_and_a_resolved_case(functions: list[str]) -> None:
    """Suppressed composites are seen held by their suppressor; paging or acting ones are seen acting."""
    expectations = _expectations("bau")
    for alarm in composite_alarms(PROFILES["bau"], functions):
        mine = [expect for expect in expectations if expect.alarm == alarm.slug]
        if alarm.suppressor is not None:
            assert any(expect.suppressed_by == "Alarm" for expect in mine), alarm.slug
        if alarm.pages or alarm.invokes:
            assert any(expect.actions and expect.actions[-1] == "ALARM" for expect in mine), alarm.slug


def test_symptom_composites_are_never_held_by_the_deploy_window(functions: list[str]) -> None:
    """The deploy window never holds a symptom page: symptom composites have no suppressor at all."""
    for profile in PROFILES.values():
        for alarm in composite_alarms(profile, functions):
            if alarm.slug.endswith("-users-failing"):
                assert alarm.suppressor is None and alarm.pages, alarm.slug


def test_wrong_expectation_is_reported(tmp_path: Path, functions: list[str]) -> None:
    case = tmp_path / "wrong.yaml"
    case.write_text(
        "profile: bau\ntests:\n  - name: wrong on purpose\n    series:\n"
        "      - {metric: Requests, dimensions: {backend: express}, timeline: [{for: 5m, value: 10}]}\n"
        "    expect:\n      - {at: 5m, alarm: error-rate-express, state: ALARM}\n"
    )
    (result,) = runner.run_files([case], functions)
    assert not result.passed and (result.expected, result.actual) == ("ALARM", "OK")


@pytest.mark.parametrize(
    "body,message",
    [
        ("tests: []\n", "non-empty 'tests'"),
        (
            "tests:\n  - series: [{metric: Nope, timeline: [{for: 1m, value: 1}]}]\n"
            "    expect: [{at: 1m, alarm: x, state: OK}]\n",
            "not in the metric catalogue",
        ),
        ("tests:\n  - series: [{metric: Requests, dimensions: {user: u1}, timeline: [{for: 1m, value: 1}]}]\n"
         "    expect: [{at: 1m, alarm: x, state: OK}]\n", "no dimension"),
        ("tests:\n  - expect: [{at: soon, alarm: x, state: OK}]\n", "not a duration"),
        ("tests:\n  - expects: [{at: 1m, alarm: x, state: OK}]\n", "unknown key"),
        ("tests:\n  - expect: [{at: 1m, alarm: x, stat: OK}]\n", r"tests\.0\.expect\.0\.stat: unknown key"),
        ("tests:\n  - series: [{metric: Requests, dimension: {backend: express}, timeline: [{for: 1m, value: 1}]}]\n"
         "    expect: [{at: 1m, alarm: x, state: OK}]\n", r"tests\.0\.series\.0\.dimension: unknown key"),
        ("tests:\n  - series: [{metric: Requests, timeline: [{for: 1m, valu: 1}]}]\n"
         "    expect: [{at: 1m, alarm: x, state: OK}]\n", r"timeline\.0\.valu: unknown key"),
        ("tests:\n  - set_state: [{at: 1m, alarm: x, state: OK, why: deploy}]\n"
         "    expect: [{at: 1m, alarm: x, state: OK}]\n", r"set_state\.0\.why: unknown key"),
        ("tests:\n  - expect: [{at: 1m, alarm: x, state: OK}]\nprofle: bau\n", "unknown key"),
    ],
)
def test_malformed_case_files_fail_with_a_clear_message(tmp_path: Path, body: str, message: str) -> None:
    case = tmp_path / "bad.yaml"
    case.write_text(body)
    with pytest.raises(casefile.CaseError, match=message):
        casefile.load(case)

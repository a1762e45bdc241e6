import math

import pytest

import tierwise
from conftest import EXAMPLES, MMC


def test_from_file_toml_dict_json_agree(small):
    again = tierwise.Scenario.from_dict(small.to_dict())
    assert again.to_dict() == small.to_dict()
    assert tierwise.Scenario.from_json(small.to_json()).to_dict() == small.to_dict()
    mmc = tierwise.Scenario.from_file(EXAMPLES / "scenarios" / "mmc.toml")
    assert mmc.teams == ["desk"]
    assert tierwise.Scenario(small.to_dict()).streams == ["calls"]


def test_default_desk_has_its_policy():
    s = tierwise.Scenario.default()
    assert "madrid-l2" in s.teams
    assert s.policy.priority_classes[0] == "P1"


def test_edit_by_path(small):
    assert small.get("teams.desk.agents") == 26
    small.set("teams.desk.agents", 30)
    small.set("streams.calls.per_hour", 250.5)
    small.set("streams[0].handle.mean", "5m")
    assert small.get("teams[0].agents") == 30
    assert small.get("streams.calls.per_hour") == 250.5
    assert small.get("streams.calls.handle.mean") == "5m"
    copy = small.with_changes({"teams.desk.agents": 20, "run.seed": 5})
    assert copy.get("teams.desk.agents") == 20 and small.get("teams.desk.agents") == 30


def test_timedelta_values_become_durations(small):
    from datetime import timedelta

    small.set("streams.calls.handle.mean", timedelta(minutes=5))
    a = tierwise.simulate(small).summary()
    small.set("streams.calls.handle.mean", "5m")
    assert tierwise.simulate(small).summary() == a


def test_bad_edits_raise_with_paths_and_change_nothing(small):
    before = small.to_dict()
    with pytest.raises(tierwise.ScenarioError) as info:
        small.set("teams.dsk.agents", 3)
    assert info.value.path == "teams.dsk.agents" and "desk" in str(info.value)
    with pytest.raises(tierwise.ScenarioError) as info:
        small.set("teams.desk.agents", -3)
    assert info.value.path == "teams[0].agents"
    with pytest.raises(tierwise.ScenarioError) as info:
        small.set("streams.calls.per_hour", math.nan)
    assert info.value.path == "streams.calls.per_hour"
    with pytest.raises(tierwise.ScenarioError) as info:
        small.set("teams.desk.agnets", 3)
    assert info.value.code == "unknown_field"
    with pytest.raises(TypeError):
        small.set("teams.desk.agents", object())
    assert small.to_dict() == before


def test_invalid_scenarios(small):
    d = small.to_dict()
    d["streams"][0]["per_hour"] = -1
    with pytest.raises(tierwise.ScenarioError) as info:
        tierwise.simulate(tierwise.Scenario.from_dict(d))
    assert info.value.path == "streams[0].per_hour"
    with pytest.raises(tierwise.ScenarioError) as info:
        tierwise.Scenario.from_dict(dict(small.to_dict(), extra=1))
    assert info.value.path == "extra" and info.value.code == "unknown_field"
    with pytest.raises(tierwise.ScenarioError):
        tierwise.Scenario.from_toml(MMC.replace("[run]", "[rnu]"))

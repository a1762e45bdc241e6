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


def test_get_gives_instants_as_datetimes_at_any_depth(small):
    from datetime import datetime

    start = small.get("run.start")
    assert isinstance(start, datetime) and start.tzinfo is not None
    assert start == small.get("run")["start"]
    small.set("run.start", start)
    assert small.get("run.start") == start


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


def test_set_checks_the_scenario_against_its_policy(small):
    before = small.to_dict()
    for path, value in [("streams.calls.per_hour", -5), ("streams.calls.handle.mean", 0)]:
        with pytest.raises(tierwise.ScenarioError) as info:
            small.set(path, value)
        assert info.value.path.startswith("streams[0]"), (path, info.value)
    assert small.to_dict() == before
    # Names are checked against the scenario's own policy.
    own = small.with_changes({"policy": {"version": 1}})
    with pytest.raises(tierwise.ScenarioError) as info:
        own.set("teams.desk.tier", "L9")
    assert info.value.path == "teams[0].tier"


def test_set_policy_compiles_it_and_simulate_uses_it(small):
    small.set("run.arrivals", 400)
    loose = tierwise.simulate(small, seed=3).summary()
    # A policy with one tier, named otherwise: the desk's team (tier L1) has
    # nowhere to be.
    with pytest.raises(tierwise.ScenarioError):
        small.set("policy", {"version": 1, "tiers": ["T1"]})
    assert small.policy.tiers == tierwise.Policy.default().tiers
    strict = {"version": 1, "sla": {"policies": [{"name": "all", "first_response": "1s", "resolution": "2s"}]}}
    small.set("policy", strict)
    tight = tierwise.simulate(small, seed=3).summary()
    assert tight["overall"]["sla_breach_rate"] > loose["overall"]["sla_breach_rate"]
    # The same as a scenario built from the edited document.
    assert tierwise.simulate(tierwise.Scenario.from_dict(small.to_dict()), seed=3).summary() == tight


def test_set_arrivals_file_reads_it(tmp_path):
    (tmp_path / "a.csv").write_text("timestamp,channel\n2026-03-02T00:10:00Z,phone\n2026-03-02T00:20:00Z,phone\n")
    (tmp_path / "b.csv").write_text("timestamp,channel\n2026-03-02T00:10:00Z,phone\n")
    doc = (
        '[run]\nstart = "2026-03-02T00:00:00Z"\nduration = "1d"\n'
        '[[streams]]\nname = "calls"\nchannel = "phone"\narrivals = "a.csv"\n'
        'handle = { dist = "fixed", mean = "5m" }\n'
        '[[teams]]\nname = "desk"\nagents = 2\ntier = "L1"\n'
    )
    (tmp_path / "s.toml").write_text(doc)
    s = tierwise.Scenario.from_file(tmp_path / "s.toml")
    assert tierwise.simulate(s).summary()["overall"]["arrived"] == 2
    s.set("streams.calls.arrivals", "b.csv")  # relative to the scenario's file
    assert tierwise.simulate(s).summary()["overall"]["arrived"] == 1
    with pytest.raises(tierwise.ScenarioError) as info:
        s.set("streams.calls.arrivals", "missing.csv")
    assert info.value.path == "streams[0].arrivals"
    assert tierwise.simulate(s).summary()["overall"]["arrived"] == 1


def test_sweeping_the_policy_or_a_file_is_refused(small):
    for path in ["policy.sla.policies[0].first_response", "streams.calls.arrivals"]:
        with pytest.raises(tierwise.TierwiseError) as info:
            tierwise.sweep(small, {path: ["1s", "4h"]})
        assert info.value.path == path


def test_the_default_desk_as_a_document_is_the_whole_desk():
    d = tierwise.Scenario.default()
    d.set("run.duration", "1d")
    again = tierwise.Scenario.from_json(d.to_json())
    assert again.policy.priority_classes == d.policy.priority_classes
    assert tierwise.simulate(again, seed=3).summary() == tierwise.simulate(d, seed=3).summary()


def test_a_pickled_scenario_keeps_its_policy_in_the_document(tmp_path):
    import pickle

    (tmp_path / "p.toml").write_text('version = 1\ntiers = ["L1", "L2"]\n')
    (tmp_path / "s.toml").write_text('policy = "p.toml"\n' + MMC)
    s = tierwise.Scenario.from_file(tmp_path / "s.toml")
    assert s.policy.tiers == ["L1", "L2"]
    back = pickle.loads(pickle.dumps(s))
    assert back.policy.tiers == ["L1", "L2"]
    # Self-contained: the document holds the policy, not the file's name.
    assert back.to_dict()["policy"]["tiers"] == ["L1", "L2"]
    assert tierwise.Scenario.from_dict(back.to_dict()).policy.tiers == ["L1", "L2"]


def test_timedeltas_beyond_any_duration_are_refused_with_their_sign(small):
    from datetime import timedelta

    for extreme in (timedelta.min, timedelta.max):
        with pytest.raises(tierwise.ScenarioError) as info:
            small.set("streams.calls.handle.mean", extreme)
        assert info.value.path == "streams.calls.handle.mean", info.value


def test_set_lets_names_through_for_a_policy_given_later(small):
    t1 = tierwise.Policy({"version": 1, "tiers": ["T1"]})
    d = small.to_dict()
    d["teams"][0]["tier"] = "T1"
    s = tierwise.Scenario.from_dict(d)
    s.set("run.arrivals", 50)  # names are the business of the policy given to simulate()
    assert tierwise.simulate(s, policy=t1).summary()["overall"]["arrived"] == 50
    # A policy and the names it brings, together.
    moved = small.with_changes({"policy": {"version": 1, "tiers": ["T1"]}, "teams.desk.tier": "T1"})
    assert moved.policy.tiers == ["T1"] and small.policy.tiers != ["T1"]

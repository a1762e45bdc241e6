import json
import os
import pickle
import subprocess
from pathlib import Path

import pytest

import tierwise
from conftest import EXAMPLES, ROOT

SUMMARY_KEYS = {
    "start", "end", "seed", "replications", "agents", "answer_within_s", "engine_events", "peak_waiting",
    "warnings", "overall", "by_priority", "by_stream", "by_tier", "by_team", "series",
}


def cli() -> list:
    exe = os.environ.get("TIERWISE_CLI")
    if exe:
        return [exe]
    return ["cargo", "run", "-q", "--release", "-p", "tierwise-cli", "--"]


def test_summary_is_deterministic(small):
    a = tierwise.simulate(small, seed=3, replications=2)
    b = tierwise.simulate(small, seed=3, replications=2)
    assert a.summary() == b.summary()
    assert set(a.summary()) == SUMMARY_KEYS
    assert a.summary()["seed"] == 3 and a.summary()["replications"] == 2
    assert a.summary()["overall"]["arrived"] == 600
    c = tierwise.simulate(small, seed=4, replications=2)
    assert c.summary() != a.summary()


@pytest.mark.parametrize("scenario,seed,reps", [("mmc.toml", 5, 2), ("recorded.toml", 2, 1), (None, None, 1)])
def test_summary_equals_the_cli_json(scenario, seed, reps):
    args = cli() + ["simulate", "--json", "--replications", str(reps)]
    if scenario:
        args += ["--scenario", str(EXAMPLES / "scenarios" / scenario)]
        s = tierwise.Scenario.from_file(EXAMPLES / "scenarios" / scenario)
    else:
        s = tierwise.Scenario.default()
    if seed is not None:
        args += ["--seed", str(seed)]
    out = subprocess.run(args, cwd=ROOT, check=True, capture_output=True, text=True).stdout
    assert tierwise.simulate(s, seed=seed, replications=reps).summary() == json.loads(out)


def test_recorded_arrivals_are_read_next_to_the_scenario(tmp_path):
    s = tierwise.Scenario.from_file(EXAMPLES / "scenarios" / "recorded.toml")
    rows = (EXAMPLES / "scenarios" / "recorded-arrivals.csv").read_text().splitlines()[1:]
    t = tierwise.simulate(s).tickets()
    assert len(t) == len(rows)
    assert list(t["channel"]) == [r.split(",")[1] for r in rows]
    # Without its CSV beside it, the stream's file is named.
    copy = tmp_path / "recorded.toml"
    copy.write_text((EXAMPLES / "scenarios" / "recorded.toml").read_text())
    with pytest.raises(tierwise.ScenarioError) as err:
        tierwise.Scenario.from_file(copy)
    assert "streams[0].arrivals" in str(err.value)


def test_tickets_frame(small):
    r = tierwise.simulate(small, replications=2)
    t = r.tickets()
    assert len(t) == 1200
    assert list(t.columns) == [
        "replication", "ticket", "stream", "channel", "priority", "arrived_at", "answered_at", "wait_s",
        "within_target", "ended_at", "outcome", "tiers", "agents", "teams", "agent_tiers", "agent_waits_s",
        "sla_breached",
    ]
    assert str(t["arrived_at"].dt.tz) == "UTC"
    o = r.summary()["overall"]
    answered = t[t["answered_at"].notna()]
    assert len(answered) == o["answered"] * 2
    assert (t["outcome"] == "abandoned").sum() == o["abandoned"] * 2
    assert answered["wait_s"].mean() == pytest.approx(o["mean_wait_s"], rel=0.05)
    assert (answered["answered_at"] >= answered["arrived_at"]).all()
    assert all(set(teams) == {"desk"} for teams in answered["teams"])
    assert all(tiers == ["L1"] for tiers in t["tiers"])
    for w, waits in zip(answered["wait_s"], answered["agent_waits_s"]):
        assert waits[0] == pytest.approx(w)
    # Recorded up front or replayed later: the same.
    eager = tierwise.simulate(small, replications=2, tickets=True)
    assert eager.summary() == r.summary()
    assert eager.tickets().equals(t)


def test_intervals_arrow_and_plot(small, tmp_path):
    r = tierwise.simulate(small)
    iv = r.intervals()
    assert list(iv.columns) == ["start", "arrivals", "waiting", "on_duty", "service_level"]
    assert str(iv["start"].dt.tz) == "UTC"
    assert iv["arrivals"].sum() == pytest.approx(600)
    assert (iv["start"].diff().dropna().dt.total_seconds() == 900).all()
    table = r.to_arrow()
    assert table.num_rows == 600
    assert str(table.schema.field("arrived_at").type) == "timestamp[us, tz=UTC]"
    assert str(table.schema.field("agents").type) == "list<item: string>"
    assert r.to_arrow("intervals").num_rows == len(iv)
    with pytest.raises(ValueError):
        r.to_arrow("nope")
    fig = r.plot()
    fig.savefig(tmp_path / "plot.png")
    assert (tmp_path / "plot.png").stat().st_size > 1000
    assert len(fig.axes) == 2


def test_to_arrow_needs_no_pandas(small):
    code = (
        "import sys\n"
        "class NoPandas:\n"
        "    def find_spec(self, name, path=None, target=None):\n"
        "        if name == 'pandas' or name.startswith('pandas.'):\n"
        "            raise ImportError('pandas is not installed')\n"
        "sys.meta_path.insert(0, NoPandas())\n"
        "import tierwise\n"
        f"s = tierwise.Scenario.from_json({small.to_json()!r})\n"
        "t = tierwise.simulate(s).to_arrow()\n"
        "print(t.num_rows, 'pandas' in sys.modules)\n"
    )
    import sys

    out = subprocess.run([sys.executable, "-c", code], check=True, capture_output=True, text=True).stdout
    assert out.strip() == "600 False"


def test_bad_arguments(small):
    with pytest.raises(tierwise.SimulationError) as info:
        tierwise.simulate(small, replications=0)
    assert info.value.path == "replications"
    with pytest.raises(TypeError):
        tierwise.simulate(small, replications="2")
    with pytest.raises(TypeError):
        tierwise.simulate({"run": {}})
    with pytest.raises(tierwise.SimulationError):
        tierwise.simulate(small, seed=-1)


def test_results_and_objects_pickle(small, global_policy, roster):
    r = tierwise.simulate(small)
    r2 = pickle.loads(pickle.dumps(r))
    assert r2.summary() == r.summary()
    assert r2.tickets().equals(r.tickets())
    s2 = pickle.loads(pickle.dumps(small))
    assert s2.to_dict() == small.to_dict()
    d = tierwise.Scenario.default()
    assert pickle.loads(pickle.dumps(d)).policy.to_dict() == d.policy.to_dict()
    p2 = pickle.loads(pickle.dumps(global_policy))
    assert p2.to_dict() == global_policy.to_dict()
    e = tierwise.Engine(global_policy, roster)
    e.apply({"at": "2026-03-06T08:00:00Z", "event": "agent_logged_in", "agent": "maria"})
    e2 = pickle.loads(pickle.dumps(e))
    assert e2.snapshot() == e.snapshot()


def test_seeds_out_of_range_raise_documented_errors(small):
    for call in (lambda: tierwise.simulate(small, seed=-1), lambda: tierwise.sweep(small, {"run.seed": [1]}, seed=2**64)):
        with pytest.raises(tierwise.SimulationError) as info:
            call()
        assert (info.value.path, info.value.code) == ("seed", "out_of_range")
    for seed in (-1, 2**64, 2**200):
        with pytest.raises(tierwise.HistoryError) as info:
            tierwise.History.generate(agents=2, days=1, seed=seed)
        assert (info.value.path, info.value.code) == ("seed", "out_of_range")
    with pytest.raises(TypeError):
        tierwise.History.generate(agents=2, days=1, seed=True)
    with pytest.raises(TypeError):
        tierwise.simulate(small, seed="7")

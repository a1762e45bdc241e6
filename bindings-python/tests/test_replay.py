"""tierwise.replay and tierwise.History: the core's history replay, with
DataFrames in and out."""

import json
import os
import pickle
import subprocess
from datetime import date, datetime, timezone

import pandas as pd
import pytest

import tierwise

from conftest import EXAMPLES, ROOT

GLOBAL = EXAMPLES / "policies" / "global-desk.toml"
SKILLS = EXAMPLES / "policies" / "global-desk-skills-first.toml"


def cli() -> list:
    exe = os.environ.get("TIERWISE_CLI")
    if exe:
        return [exe]
    return ["cargo", "run", "-q", "--release", "-p", "tierwise-cli", "--"]


@pytest.fixture(scope="module")
def history() -> tierwise.History:
    return tierwise.History.generate(agents=12, days=2, seed=5)


@pytest.fixture(scope="module")
def two(history) -> tierwise.ReplayReport:
    return tierwise.replay(history, [tierwise.Policy.from_file(GLOBAL), tierwise.Policy.from_file(SKILLS)])


def test_generate_defaults_match_the_embedded_policy(history):
    assert history.agents == 12 and history.tickets > 100 and len(history) > history.tickets
    again = tierwise.History.generate(agents=12, days=2, seed=5, policy=tierwise.Policy.from_file(GLOBAL))
    assert again.to_jsonl() == history.to_jsonl()
    other = tierwise.History.generate(agents=12, days=2, seed=5, start=date(2026, 4, 6))
    assert '"2026-04-06T' in other.to_jsonl()


def test_replay_under_the_producing_policy_matches_history(history):
    report = tierwise.replay(history, [tierwise.Scenario.default().policy])
    assert report.matches_history == [1.0]
    s = report.summary()
    assert s["matches_history"] == [1.0]
    assert s["tickets"] == history.tickets and s["agents"] == 12
    assert s["handling"] == {"handling": "recorded"}
    assert isinstance(s["start"], datetime) and s["start"].tzinfo is not None
    assert "tickets" not in s["runs"][0] and s["runs"][0]["policy"] == "policy 1"
    assert s["runs"][0]["kpis"]["tickets"] == history.tickets


def test_two_policies_diff_has_a_cause_for_every_row(two):
    assert two.policies == [str(GLOBAL), str(SKILLS)]
    assert two.matches_history[0] == 1.0 and two.matches_history[1] < 1.0
    d = two.diff()
    assert len(d) > 0
    assert d["cause"].notna().all() and (d["cause"] != "").all()
    assert set(d["policy"]) == {str(SKILLS)}
    assert str(d["base_assigned_at"].dtype).startswith("datetime64") and str(d["base_assigned_at"].dt.tz) == "UTC"
    by_cause = two.summary()["diffs"][0]["by_cause"]
    assert d["cause"].value_counts().to_dict() == by_cause
    assert "entries" not in two.summary()["diffs"][0]


def test_policies_by_name_and_strategy_appended(history):
    text = GLOBAL.read_text()
    skills = tierwise.Policy.from_toml(text + '\n[routing]\nstrategy = ["best_skill_match", "longest_idle"]\n')
    report = tierwise.replay(history, {"base": tierwise.Scenario.default().policy, "skills": skills})
    assert report.policies == ["base", "skills"]
    assert len(report.diff()) > 0


def test_kpis_recount_from_tickets(two, history):
    t = two.tickets()
    assert list(t.columns) == [
        "policy", "ticket", "channel", "priority", "created_at", "first_assigned_at", "wait_s",
        "first_agent", "agents", "tiers", "resolved_at", "first_response_met", "resolution_met",
    ]
    assert len(t) == 2 * history.tickets
    assert str(t["created_at"].dt.tz) == "UTC"
    k = two.kpis().set_index(["policy", "priority"])
    for (policy, priority), g in t.groupby(["policy", "priority"]):
        row = k.loc[(policy, priority)]
        assert row["tickets"] == len(g)
        assert row["answered"] == g["first_assigned_at"].notna().sum()
        breached = (g["first_response_met"] == False).fillna(False) | (g["resolution_met"] == False).fillna(False)  # noqa: E712
        assert row["breaches"] == breached.sum()
        met = g["first_response_met"].dropna()
        if len(met):
            assert row["first_response_attainment"] == pytest.approx(met.mean())
    assert k["tickets"].groupby(level=0).sum().to_dict() == {p: history.tickets for p in two.policies}
    a = two.agents()
    assert len(a) == 2 * 12
    assert (a.groupby("policy")["assignments"].sum() >= t.groupby("policy")["first_agent"].count()).all()


def test_dataframe_round_trip(history):
    frame = history.records()
    assert list(frame.columns[:2]) == ["event", "at"]
    assert len(frame) == len(history) + history.agents
    assert str(frame["at"].dtype).startswith("datetime64") and str(frame["at"].dt.tz) == "UTC"
    back = tierwise.History.from_records(frame)
    assert back.to_jsonl() == history.to_jsonl()
    policy = tierwise.Scenario.default().policy
    assert tierwise.replay(frame, [policy]).to_json() == tierwise.replay(history, [policy]).to_json()


def test_text_and_path_inputs(history, tmp_path):
    policy = tierwise.Scenario.default().policy
    expected = tierwise.replay(history, [policy]).to_json()
    path = tmp_path / "h.jsonl"
    path.write_text(history.to_jsonl())
    assert tierwise.replay(path, [policy]).to_json() == expected
    assert tierwise.replay(str(path), [policy]).to_json() == expected
    assert tierwise.replay(history.to_jsonl(), [policy]).to_json() == expected
    assert tierwise.History.from_file(path).to_jsonl() == history.to_jsonl()


def test_malformed_history_names_the_line(history):
    lines = history.to_jsonl().splitlines()
    bad = [json.loads(line) for line in lines]
    i = next(n for n, r in enumerate(bad) if r["event"] == "ticket_created")
    bad[i]["ticket"]["channel"] = "fax"
    text = "\n".join(json.dumps(r) for r in bad)
    with pytest.raises(tierwise.HistoryError) as e:
        tierwise.replay(text, [tierwise.Policy.default()])
    assert isinstance(e.value, tierwise.TierwiseError)
    assert e.value.path.startswith(f"lines[{i + 1}].ticket")
    assert any(p.startswith(f"lines[{i + 1}]") for p, _ in e.value.problems)
    # The same line as a DataFrame row: row i + 1.
    frame = history.records()
    frame.at[i, "ticket"] = dict(frame.at[i, "ticket"], channel="fax")
    with pytest.raises(tierwise.HistoryError) as e:
        tierwise.replay(frame, [tierwise.Policy.default()])
    assert e.value.path.startswith(f"lines[{i + 1}].ticket")
    # Unknown agents and bad events.
    with pytest.raises(tierwise.HistoryError) as e:
        tierwise.History.from_jsonl('{"at": "2026-03-02T00:00:00Z", "event": "agent_logged_in", "agent": "x"}\n')
    assert e.value.path == "lines[1].agent"
    with pytest.raises(tierwise.HistoryError) as e:
        tierwise.History.from_jsonl('{"event": "nope"}\n\n{"at": 3}')
    assert [p for p, _ in e.value.problems][0].startswith("lines[1]")


def test_bad_arguments(history):
    policy = tierwise.Policy.default()
    with pytest.raises(TypeError):
        tierwise.replay(42, [policy])
    with pytest.raises(TypeError):
        tierwise.replay(history, policy)
    with pytest.raises(TypeError):
        tierwise.replay(history, ["global-desk.toml"])
    with pytest.raises(TypeError):
        tierwise.replay(history, {1: policy})
    with pytest.raises(TypeError):
        tierwise.replay(history, [policy], handling=1)
    with pytest.raises(TypeError):
        tierwise.replay(history, [policy], seed="1")
    with pytest.raises(TypeError):
        tierwise.History.generate(agents=12, days=1, start=datetime(2026, 3, 2, tzinfo=timezone.utc))
    with pytest.raises(tierwise.HistoryError) as e:
        tierwise.replay(history, [policy], handling="modelled")
    assert e.value.path == "handling"
    with pytest.raises(tierwise.HistoryError) as e:
        tierwise.replay(history, [policy], seed=-1)
    assert e.value.path == "seed"
    with pytest.raises(tierwise.HistoryError) as e:
        tierwise.replay(history, [])
    assert e.value.path == "policies"
    with pytest.raises(tierwise.HistoryError) as e:
        tierwise.History.generate(agents=0, days=1)
    assert e.value.path == "agents"
    with pytest.raises(FileNotFoundError):
        tierwise.replay("no/such/history.jsonl", [policy])


def test_resampled_is_seeded(history):
    policy = tierwise.Scenario.default().policy
    a = tierwise.replay(history, [policy], handling="resampled", seed=3)
    b = tierwise.replay(history, [policy], handling="resampled", seed=3)
    c = tierwise.replay(history, [policy], handling="resampled", seed=4)
    assert a.to_json() == b.to_json() != c.to_json()
    assert a.summary()["handling"] == {"handling": "resampled", "seed": 3}


def test_pickling(history, two):
    h = pickle.loads(pickle.dumps(history))
    assert h.to_jsonl() == history.to_jsonl()
    r = pickle.loads(pickle.dumps(two))
    assert r.to_json() == two.to_json()
    p = pickle.loads(pickle.dumps(tierwise.Policy.from_file(SKILLS)))
    assert p.file == str(SKILLS)


def test_same_as_the_cli_json(history, two, tmp_path):
    path = tmp_path / "month.jsonl"
    path.write_text(history.to_jsonl())
    out = subprocess.run(
        cli() + ["replay", "--history", str(path), "--policy", str(GLOBAL), "--policy", str(SKILLS), "--json"],
        cwd=ROOT,
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    assert json.loads(out) == json.loads(two.to_json())
    out = subprocess.run(
        cli()
        + ["replay", "--history", str(path), "--policy", str(GLOBAL), "--handling", "resampled", "--seed", "9", "--json"],
        cwd=ROOT,
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    mine = tierwise.replay(path, {str(GLOBAL): tierwise.Policy.from_file(GLOBAL)}, handling="resampled", seed=9)
    assert json.loads(out) == json.loads(mine.to_json())


def test_history_generated_by_the_cli_reads_the_same(tmp_path):
    path = tmp_path / "cli.jsonl"
    subprocess.run(
        cli() + ["history", "generate", "--agents", "12", "--days", "2", "--seed", "5", "-o", str(path)],
        cwd=ROOT,
        check=True,
        capture_output=True,
    )
    assert tierwise.History.from_file(path).to_jsonl() == tierwise.History.generate(agents=12, days=2, seed=5).to_jsonl()


def test_replay_releases_the_gil():
    import threading
    import time

    big = tierwise.History.generate(agents=40, days=7, seed=2)
    policies = [tierwise.Policy.from_file(GLOBAL), tierwise.Policy.from_file(SKILLS)]
    done = []
    worker = threading.Thread(target=lambda: done.append(tierwise.replay(big, policies)))
    ticks = 0
    start = time.perf_counter()
    worker.start()
    while worker.is_alive():
        ticks += 1
        time.sleep(0.001)
    elapsed = time.perf_counter() - start
    assert done and done[0].matches_history[0] == 1.0
    # With the GIL held for the whole replay the loop could not run meanwhile.
    assert elapsed < 0.05 or ticks >= 10


def test_summary_is_the_full_report_without_tickets_and_entries(two):
    full = json.loads(two.to_json())
    for run in full["runs"]:
        del run["tickets"]
    for d in full["diffs"]:
        del d["entries"]
    s = two.summary()
    # The summary's instants are datetimes, the JSON's text.
    for key in ("start", "end"):
        assert s[key] == datetime.fromisoformat(full[key].replace("Z", "+00:00"))
        s[key] = full[key]
    assert s == full

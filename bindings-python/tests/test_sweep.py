import _thread
import signal
import threading

import pytest

import tierwise


@pytest.fixture
def ctrl_c_handled():
    """Python's own Ctrl-C handler for the test's length. A process started in
    the background by a shell inherits SIGINT ignored, and then Python (and
    `_thread.interrupt_main`) never raise KeyboardInterrupt."""
    old = signal.signal(signal.SIGINT, signal.default_int_handler)
    yield
    signal.signal(signal.SIGINT, old)


def test_sweep_frame_matches_single_runs(small):
    df = tierwise.sweep(small, {"teams.desk.agents": range(22, 27), "run.seed": [1, 2]}, replications=2)
    assert len(df) == 10
    assert list(df["teams.desk.agents"]) == [22, 22, 23, 23, 24, 24, 25, 25, 26, 26]
    assert list(df["run.seed"]) == [1, 2] * 5
    for col in ("service_level", "asa_s", "abandon_rate", "occupancy", "by_stream.calls.service_level",
                "by_team.desk.occupancy"):
        assert col in df.columns
    one = tierwise.simulate(small.with_changes({"teams.desk.agents": 24, "run.seed": 2}), replications=2)
    row = df[(df["teams.desk.agents"] == 24) & (df["run.seed"] == 2)].iloc[0]
    assert row["service_level"] == one.summary()["overall"]["service_level"]
    assert row["asa_s"] == one.summary()["overall"]["asa_s"]
    by_agents = df.groupby("teams.desk.agents")["service_level"].mean()
    assert by_agents.iloc[-1] > by_agents.iloc[0]
    assert any(c.startswith("by_priority.") and c.endswith(".service_level") for c in df.columns)


def test_sweep_columns_hold_the_values_given(small):
    from datetime import timedelta

    small.set("run.arrivals", 100)
    minutes = [timedelta(minutes=5), timedelta(minutes=6)]
    rows = tierwise.sweep_rows(small, {"streams.calls.handle.mean": minutes, "teams.desk.agents": (24, 25)})
    assert [(r["streams.calls.handle.mean"], r["teams.desk.agents"]) for r in rows] == [
        (minutes[0], 24), (minutes[0], 25), (minutes[1], 24), (minutes[1], 25)
    ]
    longer = tierwise.simulate(small.with_changes({"streams.calls.handle.mean": "6m", "teams.desk.agents": 24}))
    assert rows[2]["service_level"] == longer.summary()["overall"]["service_level"]


def test_sweep_errors(small):
    with pytest.raises(tierwise.ScenarioError) as info:
        tierwise.sweep_rows(small, {"teams.dsk.agents": [1]})
    assert info.value.path == "teams.dsk.agents"
    with pytest.raises(TypeError):
        tierwise.sweep_rows(small, {"teams.desk.agents": 5})
    with pytest.raises(TypeError):
        tierwise.sweep_rows(small, [("teams.desk.agents", [1])])
    with pytest.raises(tierwise.ScenarioError) as info:
        tierwise.sweep_rows(small, {"teams.desk.agents": [0]})
    assert (info.value.path, info.value.code) == ("streams[0]", "invalid_value")
    assert "no team with agents can take these tickets" in str(info.value)


def test_ctrl_c_interrupts_a_simulation(ctrl_c_handled):
    # Far longer than the half second before the interrupt on any machine
    # (about 8 s here): with 70 days the run once ended first, and the test
    # failed for want of anything to interrupt.
    scenario = tierwise.Scenario.default()
    scenario.set("run.duration", "1000d")
    timer = threading.Timer(0.5, _thread.interrupt_main)
    timer.start()
    try:
        with pytest.raises(KeyboardInterrupt):
            tierwise.simulate(scenario, replications=4)
    finally:
        timer.cancel()
    # The interrupted call left nothing behind: the next one runs normally.
    assert tierwise.simulate(tierwise.Scenario.default()).summary()["overall"]["arrived"] > 0


def test_ctrl_c_interrupts_a_sweep(ctrl_c_handled):
    scenario = tierwise.Scenario.default()
    timer = threading.Timer(0.5, _thread.interrupt_main)
    timer.start()
    try:
        with pytest.raises(KeyboardInterrupt):
            tierwise.sweep_rows(scenario, {"run.seed": range(2000)})
    finally:
        timer.cancel()


def test_simulate_and_sweep_release_the_gil():
    scenario = tierwise.Scenario.default()
    for run in (lambda: tierwise.simulate(scenario, replications=2),
                lambda: tierwise.sweep_rows(scenario, {"run.seed": [1, 2]})):
        done = threading.Event()
        worker = threading.Thread(target=lambda: (run(), done.set()))
        ticks = 0
        worker.start()
        while not done.is_set():
            ticks += 1  # Python runs here only while the core runs without the GIL.
        worker.join()
        assert ticks > 10_000

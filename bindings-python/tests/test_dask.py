"""Work ships to a Dask cluster: scenarios, policies and results pickle."""

import pytest

import tierwise

distributed = pytest.importorskip("dask.distributed")


def run_point(scenario, agents):
    result = tierwise.simulate(scenario.with_changes({"teams.desk.agents": agents}))
    return agents, result


def test_sweep_on_a_local_cluster(small):
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None) as cluster:
        with distributed.Client(cluster) as client:
            futures = client.map(run_point, [small] * 3, [22, 24, 26])
            done = client.gather(futures)
    local = tierwise.sweep_rows(small, {"teams.desk.agents": [22, 24, 26]})
    for (agents, result), row in zip(done, local):
        assert agents == row["teams.desk.agents"]
        assert result.summary()["overall"]["service_level"] == row["service_level"]

from datetime import timedelta

import numpy as np
import pytest

import tierwise
from tierwise import staffing


def test_scalar_matches_the_core_doc_example():
    # 200 calls an hour, 3 minutes each: 14 agents for 80% in 20 s (core doctest).
    plan = staffing.required_agents(200, 180, 0.8, 20)
    assert plan["agents"] == 14 and plan["model"] == "erlang_c"
    assert plan["service_level"] == pytest.approx(0.8884, abs=1e-4)
    assert staffing.erlang_c(13, 200, 180, 20)["service_level"] < 0.8
    impatient = staffing.required_agents(200, timedelta(minutes=3), 0.8, 20, mean_patience=120)
    assert impatient["agents"] == 12 and impatient["model"] == "erlang_a"
    assert impatient["abandon_rate"] > 0.05


def test_vectorised_equals_elementwise():
    agents = np.arange(11, 20)
    v = staffing.erlang_c(agents, 200.0, 180.0, 20.0)
    assert v["service_level"].shape == (9,)
    for i, n in enumerate(agents):
        one = staffing.erlang_c(int(n), 200, 180, 20)
        assert v["service_level"][i] == one["service_level"]
        assert v["asa_s"][i] == one["asa_s"]
    assert np.all(np.diff(v["service_level"]) > 0)
    grid = staffing.erlang_a(agents[:, None], np.array([100.0, 200.0, 300.0]), 180, 120)
    assert grid["abandon_rate"].shape == (9, 3)
    req = staffing.required_agents(np.array([[100, 200], [300, 400]]), 180)
    assert req["agents"].shape == (2, 2) and req["agents"].dtype == np.int64
    assert np.all(np.diff(req["agents"].ravel()) > 0)


def test_unstable_erlang_c_is_its_limit():
    v = staffing.erlang_c([5, 10, 11], 200, 180, 20)
    assert list(v["service_level"][:2]) == [0.0, 0.0]
    assert np.isinf(v["asa_s"][0]) and v["service_level"][2] > 0


def test_bad_values_name_the_element():
    with pytest.raises(tierwise.StaffingError) as info:
        staffing.erlang_c(12, [200, np.nan, 100], 180)
    assert info.value.path == "arrivals_per_hour[1]"
    with pytest.raises(tierwise.StaffingError) as info:
        staffing.erlang_c(12, 200, -180)
    assert info.value.path == "mean_handle"
    with pytest.raises(tierwise.StaffingError) as info:
        staffing.erlang_c([1.5, 2], 200, 180)
    assert info.value.path == "agents[0]"
    with pytest.raises(tierwise.StaffingError) as info:
        staffing.required_agents(200, 180, 1.5)
    assert info.value.path == "target_service_level"
    with pytest.raises(tierwise.StaffingError):
        staffing.erlang_c([1, 2, 3], [1, 2], 180)
    with pytest.raises(TypeError):
        staffing.erlang_c("12", 200, 180)
    with pytest.raises(TypeError):
        staffing.erlang_c(12, {"a": 1}, 180)
    with pytest.raises(tierwise.StaffingError) as info:
        staffing.erlang_a(0, 200, 180, 60)
    assert info.value.path == "agents"

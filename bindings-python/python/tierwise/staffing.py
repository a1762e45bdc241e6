"""Erlang C and Erlang A staffing, vectorised over numpy arrays.

Every argument may be a number or an array; arrays broadcast together. With
only scalars the result is a dict of numbers; otherwise a dict of arrays of
the broadcast shape. Durations are seconds (numbers) or ``timedelta``.
Bad values raise :class:`tierwise.StaffingError` naming the argument (and the
element, ``arrivals_per_hour[3]``); values of the wrong type raise
``TypeError``.

Erlang C with no more agents than erlangs of offered load has no steady
state: it is reported as its limit (service level 0, p_wait 1, occupancy 1,
ASA infinite) rather than raised, so arrays may sweep across it.
"""

from __future__ import annotations

from datetime import timedelta
from typing import TYPE_CHECKING, Any, Optional, Union

from ._tierwise import StaffingError, _erlang, _required

if TYPE_CHECKING:
    # numpy is imported when a staffing function is first called, so that
    # `import tierwise` for routing alone stays light (and starts no BLAS
    # threads).
    import numpy as np
    import numpy.typing as npt

    Seconds = Union[float, timedelta, npt.ArrayLike]

__all__ = ["erlang_a", "erlang_c", "required_agents"]

_FIELDS = ("agents", "offered_load_erlangs", "occupancy", "p_wait", "service_level", "asa_s", "abandon_rate")


def _floats(name: str, value: Any) -> np.ndarray[Any, np.dtype[np.float64]]:
    import numpy as np

    if isinstance(value, timedelta):
        return np.asarray(value.total_seconds(), dtype=np.float64)
    if isinstance(value, (str, bytes)):
        raise TypeError(f"{name}: expected a number or an array of numbers, not {type(value).__name__}")
    try:
        arr = np.asarray(value)
        if arr.dtype.kind == "m":  # numpy timedelta64
            return np.asarray(arr / np.timedelta64(1, "s"), dtype=np.float64)
        if arr.dtype.kind == "O":
            arr = np.asarray(
                [v.total_seconds() if isinstance(v, timedelta) else v for v in arr.ravel()], dtype=np.float64
            ).reshape(arr.shape)
        if arr.dtype.kind not in "biuf":
            raise TypeError
        return arr.astype(np.float64)
    except (TypeError, ValueError):
        raise TypeError(f"{name}: expected a number or an array of numbers, not {type(value).__name__}") from None


_OPTIONAL = ("mean_patience", "max_occupancy")


def _broadcast(**named: Any) -> tuple[tuple[int, ...], dict[str, list[float]]]:
    for k, v in named.items():
        if v is None and k not in _OPTIONAL:
            raise TypeError(f"{k}: expected a number or an array of numbers, not None")
    import numpy as np

    arrays = {k: _floats(k, v) for k, v in named.items() if v is not None}
    try:
        shaped = np.broadcast_arrays(*arrays.values())
    except ValueError as e:
        err = StaffingError(f"the arrays do not broadcast together: {e}")
        err.problems = [("", str(err))]
        err.codes = ["invalid_value"]
        err.path, err.code = "", "invalid_value"
        raise err from None
    shape = shaped[0].shape
    return shape, {k: a.ravel().tolist() for k, a in zip(arrays, shaped)}


def _shape(model: str, shape: tuple[int, ...], cols: dict[str, list[Any]], within: list[float]) -> dict[str, Any]:
    if shape == ():
        out: dict[str, Any] = {"model": model}
        for f in _FIELDS:
            out[f] = cols[f][0]
        out["agents"] = int(out["agents"])
        out["answer_within_s"] = within[0]
        return out
    import numpy as np

    res: dict[str, Any] = {"model": model}
    for f in _FIELDS:
        res[f] = np.asarray(cols[f], dtype=np.int64 if f == "agents" else np.float64).reshape(shape)
    res["answer_within_s"] = np.asarray(within, dtype=np.float64).reshape(shape)
    return res


def erlang_c(
    agents: npt.ArrayLike, arrivals_per_hour: npt.ArrayLike, mean_handle: Seconds, answer_within: Seconds = 20.0
) -> dict[str, Any]:
    """How ``agents`` agents perform when nobody hangs up (M/M/n):
    service level within ``answer_within``, p_wait, ASA, occupancy."""
    shape, c = _broadcast(
        agents=agents, arrivals_per_hour=arrivals_per_hour, mean_handle=mean_handle, answer_within=answer_within
    )
    cols = _erlang("erlang_c", c["agents"], c["arrivals_per_hour"], c["mean_handle"], c["answer_within"], None)
    return _shape("erlang_c", shape, cols, c["answer_within"])


def erlang_a(
    agents: npt.ArrayLike,
    arrivals_per_hour: npt.ArrayLike,
    mean_handle: Seconds,
    mean_patience: Seconds,
    answer_within: Seconds = 20.0,
) -> dict[str, Any]:
    """How ``agents`` agents perform when waiting callers hang up after
    ``mean_patience`` on average (M/M/n+M): adds abandon_rate."""
    shape, c = _broadcast(
        agents=agents,
        arrivals_per_hour=arrivals_per_hour,
        mean_handle=mean_handle,
        answer_within=answer_within,
        mean_patience=mean_patience,
    )
    cols = _erlang(
        "erlang_a", c["agents"], c["arrivals_per_hour"], c["mean_handle"], c["answer_within"], c["mean_patience"]
    )
    return _shape("erlang_a", shape, cols, c["answer_within"])


def required_agents(
    arrivals_per_hour: npt.ArrayLike,
    mean_handle: Seconds,
    target_service_level: npt.ArrayLike = 0.8,
    answer_within: Seconds = 20.0,
    mean_patience: Optional[Seconds] = None,
    max_occupancy: Optional[npt.ArrayLike] = None,
) -> dict[str, Any]:
    """The fewest agents answering ``target_service_level`` of contacts within
    ``answer_within`` (Erlang A with ``mean_patience``, else Erlang C), with
    their performance; ``agents`` is the answer."""
    shape, c = _broadcast(
        arrivals_per_hour=arrivals_per_hour,
        mean_handle=mean_handle,
        target_service_level=target_service_level,
        answer_within=answer_within,
        mean_patience=mean_patience,
        max_occupancy=max_occupancy,
    )
    cols = _required(
        c["arrivals_per_hour"],
        c["mean_handle"],
        c["target_service_level"],
        c["answer_within"],
        c.get("mean_patience"),
        c.get("max_occupancy"),
    )
    return _shape("erlang_a" if mean_patience is not None else "erlang_c", shape, cols, c["answer_within"])

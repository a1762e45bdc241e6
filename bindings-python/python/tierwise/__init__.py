"""Tierwise: who in a support desk gets which ticket, in what order, and why.

A Rust core (no clock, no I/O) does the work; this package converts and maps
errors. Instants are timezone-aware :class:`datetime.datetime` objects in and
out (naive ones are refused); every error is a :class:`TierwiseError`
(a :class:`ValueError`) whose ``problems`` list (path, message) pairs.

>>> import tierwise
>>> result = tierwise.simulate(tierwise.Scenario.default(), replications=1)
>>> result.summary()["overall"]["service_level"]  # doctest: +SKIP
0.98...
"""

from __future__ import annotations

import itertools
from typing import Any, Iterable, Mapping, Optional

from . import staffing
from ._replay import ReplayReport, replay
from ._result import SimulationResult, flatten_summary
from ._tierwise import (
    Engine,
    EventError,
    History,
    HistoryError,
    Policy,
    PolicyError,
    RosterError,
    Scenario,
    ScenarioError,
    SimulationError,
    SnapshotError,
    StaffingError,
    TicketError,
    TierwiseError,
    __version__,
    _policy_restore,
    _scenario_restore,
    _simulate,
    _sweep,
    triage,
)

__all__ = [
    "Engine",
    "EventError",
    "History",
    "HistoryError",
    "Policy",
    "PolicyError",
    "ReplayReport",
    "RosterError",
    "Scenario",
    "ScenarioError",
    "SimulationError",
    "SimulationResult",
    "SnapshotError",
    "StaffingError",
    "TicketError",
    "TierwiseError",
    "__version__",
    "replay",
    "simulate",
    "staffing",
    "sweep",
    "sweep_rows",
    "triage",
]


def simulate(
    scenario: Scenario,
    *,
    seed: Optional[int] = None,
    replications: int = 1,
    policy: Optional[Policy] = None,
    tickets: bool = False,
) -> SimulationResult:
    """Simulate ``scenario`` (the GIL is released while the core runs).

    ``seed`` overrides the scenario's ``run.seed``; ``replications`` run in
    parallel, reproducibly (results never depend on the thread count);
    ``policy`` overrides the scenario's policy. With ``tickets=True`` the
    per-ticket records are kept now; otherwise :meth:`SimulationResult.tickets`
    replays the same seeded run with records on when first asked (the figures
    are identical).

    Raises :class:`ScenarioError` (a bad scenario, with field paths) and
    :class:`SimulationError` (bad ``replications``).
    """
    if not isinstance(scenario, Scenario):
        raise TypeError(f"scenario: expected a tierwise.Scenario, not {type(scenario).__name__}")
    _check_int("replications", replications)
    text, columns = _simulate(scenario, seed, replications, policy, tickets)
    return SimulationResult(text, columns, scenario.copy(), seed, replications, policy)


def _check_int(name: str, value: object) -> None:
    if isinstance(value, bool) or not isinstance(value, int):
        raise TypeError(f"{name}: expected an int, not {type(value).__name__}")


def _grid(params: Mapping[str, Iterable[Any]]) -> list[tuple[str, list[Any]]]:
    if not isinstance(params, Mapping):
        raise TypeError(f"params: expected a mapping of path -> values, not {type(params).__name__}")
    grid = []
    for path, values in params.items():
        if not isinstance(path, str):
            raise TypeError(f"params: keys must be str paths, not {type(path).__name__}")
        if isinstance(values, (str, bytes)) or not isinstance(values, Iterable):
            raise TypeError(f"{path}: expected an iterable of values")
        grid.append((path, list(values)))
    return grid


def sweep_rows(
    scenario: Scenario,
    params: Mapping[str, Iterable[Any]],
    *,
    replications: int = 1,
    seed: Optional[int] = None,
    policy: Optional[Policy] = None,
) -> list[dict[str, Any]]:
    """:func:`sweep` as a list of row dicts (no pandas needed)."""
    if not isinstance(scenario, Scenario):
        raise TypeError(f"scenario: expected a tierwise.Scenario, not {type(scenario).__name__}")
    _check_int("replications", replications)
    grid = _grid(params)
    points = _sweep(scenario, grid, replications, policy, seed)
    rows = []
    # The values as given (a timedelta stays a timedelta), in the grid's
    # order: the last parameter varies fastest, as in itertools.product.
    given = itertools.product(*(values for _, values in grid))
    for values, (_, text) in zip(given, points):
        row: dict[str, Any] = dict(zip([p for p, _ in grid], values))
        row.update(flatten_summary(text))
        rows.append(row)
    return rows


def sweep(
    scenario: Scenario,
    params: Mapping[str, Iterable[Any]],
    *,
    replications: int = 1,
    seed: Optional[int] = None,
    policy: Optional[Policy] = None,
) -> Any:
    """Simulate every combination of ``params`` ({path: values}) and return a
    pandas DataFrame, one row per point in grid order (the last parameter
    varies fastest).

    Paths are those of :meth:`Scenario.set`, e.g. ``"teams.desk.agents"``.
    Columns: one per parameter, then the overall figures (``service_level``,
    ``asa_s``, ``abandon_rate``, ``occupancy``, ...) and the groups'
    (``"by_priority.P2.service_level"``, ``"by_team.desk.occupancy"``, ...).

    Points run in parallel in Rust with the GIL released; Ctrl-C
    (KeyboardInterrupt) stops the sweep, skipping the points not yet started.
    """
    import pandas as pd

    return pd.DataFrame(sweep_rows(scenario, params, replications=replications, seed=seed, policy=policy))


# Pickling support: module-level functions that rebuild objects.
def _policy_from_json(text: str, file: Optional[str] = None) -> Policy:
    return _policy_restore(text, file)


def _history_from_jsonl(text: str) -> History:
    return History.from_jsonl(text)


def _engine_restore(policy: Policy, data: bytes) -> Engine:
    return Engine.restore(policy, data)


def _scenario_from_state(doc: str, policy: Optional[str]) -> Scenario:
    return _scenario_restore(doc, policy)

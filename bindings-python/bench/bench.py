"""Overhead of the Python bindings (numbers for BENCHMARKS.md).

1. simulate(): the default desk (a week, 92 agents), from Python vs the CLI
   (`tierwise simulate --json`, same seed and replications): best of N runs.
2. apply_many() vs a pure-Python loop calling apply(), on a stream of
   events: 50 agents log in, then tickets are created and closed (each
   creation is offered to an agent; closing frees them); the events as
   dicts, as JSON lines, and as an Arrow table (made untimed, as the JSON
   text is). Every row is the best of the same number of runs (--apply-runs).

Usage: python bench.py --cli PATH [--events 1000000] [--runs 5] [--apply-runs 3]
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import tempfile
import time
from datetime import datetime, timedelta, timezone
from typing import Any

import tierwise


def best(f: Any, runs: int) -> float:
    times = []
    for _ in range(runs):
        t0 = time.perf_counter()
        f()
        times.append(time.perf_counter() - t0)
    return min(times)


def bench_simulate(cli: str, runs: int, reps: int) -> None:
    scenario = tierwise.Scenario.default()
    cmd = [cli, "simulate", "--json", "--replications", str(reps)]
    out = subprocess.run(cmd, check=True, capture_output=True, text=True).stdout
    assert json.loads(out) == tierwise.simulate(scenario, replications=reps).summary()
    # Interleaved, so a busy neighbour on the machine hits both alike.
    py_times, cli_times = [], []
    for _ in range(runs):
        py_times.append(best(lambda: tierwise.simulate(scenario, replications=reps).summary(), 1))
        cli_times.append(best(lambda: subprocess.run(cmd, check=True, capture_output=True), 1))
    py, c = min(py_times), min(cli_times)
    # CPU time (all threads; the CLI's from its rusage) moves less than wall
    # time when the machine is shared.
    py_cpu, cli_cpu = [], []
    for _ in range(runs):
        t0 = time.process_time()
        tierwise.simulate(scenario, replications=reps).summary()
        py_cpu.append(time.process_time() - t0)
        r0 = resource.getrusage(resource.RUSAGE_CHILDREN)
        subprocess.run(cmd, check=True, capture_output=True)
        r1 = resource.getrusage(resource.RUSAGE_CHILDREN)
        cli_cpu.append(r1.ru_utime + r1.ru_stime - r0.ru_utime - r0.ru_stime)
    pc, cc = min(py_cpu), min(cli_cpu)
    print(f"simulate default desk, {reps} replication(s), best of {runs}: wall python {py * 1000:.0f} ms, "
          f"CLI {c * 1000:.0f} ms (python/CLI {py / c:.3f}); CPU python {pc * 1000:.0f} ms, "
          f"CLI {cc * 1000:.0f} ms (python/CLI {pc / cc:.3f})")


def events(n: int) -> list[dict[str, Any]]:
    t0 = datetime(2026, 3, 2, tzinfo=timezone.utc)
    out: list[dict[str, Any]] = [
        {"at": t0, "event": "agent_logged_in", "agent": f"a{i}"} for i in range(50)
    ]
    i = 0
    while len(out) < n:
        at = t0 + timedelta(seconds=1 + i)
        out.append({"at": at, "event": "ticket_created",
                    "ticket": {"id": f"T{i}", "created_at": at, "channel": "chat"}})
        out.append({"at": at, "event": "ticket_closed", "ticket": f"T{i}"})
        i += 1
    return out[:n]


def arrow_table(evs: list[dict[str, Any]]) -> Any:
    """The events as an Arrow table: a column per field, the created
    ticket's fields in columns of their own."""
    import pyarrow as pa

    def created(field: str) -> list[Any]:
        return [e["ticket"][field] if isinstance(e.get("ticket"), dict) else None for e in evs]

    instants = pa.timestamp("us", tz="UTC")
    return pa.table({
        "at": pa.array([e["at"] for e in evs], instants),
        "event": pa.array([e["event"] for e in evs]).dictionary_encode(),
        "agent": pa.array([e.get("agent") for e in evs], pa.string()),
        "ticket": pa.array([t["id"] if isinstance(t, dict) else t for t in (e.get("ticket") for e in evs)], pa.string()),
        "created_at": pa.array(created("created_at"), instants),
        "channel": pa.array(created("channel"), pa.string()),
    })


def bench_apply(n: int, runs: int) -> None:
    policy = tierwise.Policy.default()
    roster = [{"id": f"a{i}", "tier": "L1"} for i in range(50)]
    evs = events(n)
    lines = "\n".join(json.dumps(e, default=lambda d: d.isoformat()) for e in evs)

    def loop() -> int:
        # The baseline: a pure-Python loop calling apply(), keeping the decisions.
        engine = tierwise.Engine(policy, roster)
        decisions: list[Any] = []
        for e in evs:
            decisions.extend(engine.apply(e))
        return len(decisions)

    def many() -> int:
        return len(tierwise.Engine(policy, roster).apply_many(evs))

    def many_json(events: str | bytes = lines) -> bytes:
        return tierwise.Engine(policy, roster).apply_many(events, output="json")

    encoded = lines.encode()
    table = arrow_table(evs)

    def many_arrow() -> int:
        return int(tierwise.Engine(policy, roster).apply_many(table, output="arrow").num_rows)

    with tempfile.TemporaryDirectory() as d:
        ev_path, ag_path, po_path = (os.path.join(d, n) for n in ("events.jsonl", "agents.json", "policy.json"))
        with open(ev_path, "w") as f:
            f.write(lines)
        with open(ag_path, "w") as f:
            json.dump(roster, f)
        with open(po_path, "w") as f:
            f.write(policy.to_json())
        cmd = [CLI, "route", "--policy", po_path, "--agents", ag_path, "--events", ev_path]
        routed = subprocess.run(cmd, check=True, capture_output=True).stdout.count(b"\n")
        t_cli = best(lambda: subprocess.run(cmd, check=True, capture_output=True), runs)

    # The decisions are counted here; the timed calls below only make them.
    counts = (loop(), many(), many_json().count(b"\n"), many_json(encoded).count(b"\n"), many_arrow())
    assert len(set(counts)) == 1, counts
    t_loop = best(loop, runs)
    t_many = best(many, runs)
    t_json = best(many_json, runs)
    t_bytes = best(lambda: many_json(encoded), runs)
    t_arrow = best(many_arrow, runs)
    print(f"{n} events, {counts[0]} decisions (best of {runs} runs each):")
    print(f"  loop of apply(dict)                  {t_loop:6.2f} s  {n / t_loop:>9,.0f} events/s  1x")
    print(f"  apply_many(list of dicts)            {t_many:6.2f} s  {n / t_many:>9,.0f} events/s  {t_loop / t_many:.2f}x")
    print(f"  apply_many(JSON lines, output=json)  {t_json:6.2f} s  {n / t_json:>9,.0f} events/s  {t_loop / t_json:.2f}x")
    print(f"    the same lines as bytes             {t_bytes:6.2f} s  {n / t_bytes:>9,.0f} events/s  {t_loop / t_bytes:.2f}x")
    print(f"  apply_many(Arrow table, output=arrow) {t_arrow:6.2f} s  {n / t_arrow:>9,.0f} events/s  {t_loop / t_arrow:.2f}x")
    print(f"  tierwise route (CLI, JSON lines)     {t_cli:6.2f} s  {n / t_cli:>9,.0f} events/s  {t_loop / t_cli:.2f}x"
          f"  ({routed} decision lines)")


CLI = ""


def main() -> None:
    global CLI
    p = argparse.ArgumentParser()
    p.add_argument("--cli", required=True)
    p.add_argument("--events", type=int, default=1_000_000)
    p.add_argument("--runs", type=int, default=5)
    p.add_argument("--apply-runs", type=int, default=3)
    a = p.parse_args()
    CLI = a.cli
    bench_simulate(a.cli, a.runs, 1)
    bench_simulate(a.cli, a.runs, 4)
    bench_apply(a.events, a.apply_runs)


if __name__ == "__main__":
    main()

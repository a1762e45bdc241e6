"""Staffing study: the smallest L2 team in each region of the global desk that
keeps P2 first response in L2 within target, with a plot.

The default scenario (``tierwise simulate``'s week of a follow-the-sun desk)
escalates about a quarter of its tickets from L1 to L2. For each region's L2
team (Madrid, Manila, Bogota), holding the others at their planned sizes, this
study simulates L2 team sizes from 1 upwards and keeps the smallest whose P2
tickets are taken up in L2 within the P2 first-response target of the policy
(1 hour) at least TARGET of the time. The per-ticket records
(``SimulationResult.tickets()``) give each L2 answer's wait in the tier; the
sizes of one region are simulated in one parallel ``tierwise.sweep`` first to
narrow the search.

Run: python staffing_study.py [--quick] [--out study.png]
"""

from __future__ import annotations

import argparse
import re
from typing import Any

import tierwise

TARGET = 0.90
REGIONS = ("madrid-l2", "manila-l2", "bogota-l2")


def seconds(text: str) -> float:
    """Seconds of a duration like "1h30m"."""
    units = {"d": 86400.0, "h": 3600.0, "m": 60.0, "s": 1.0}
    return sum(float(n) * units[u] for n, u in re.findall(r"(\d+(?:\.\d+)?)([dhms])", text))


def p2_first_response_s(policy: tierwise.Policy) -> float:
    """The P2 first-response target of the policy, in seconds."""
    for rule in policy.to_dict()["sla"]["policies"]:
        when = rule.get("when", {}).get("priority", [])
        if "P2" in ([when] if isinstance(when, str) else when):
            target = rule["first_response"]
            return seconds(target if isinstance(target, str) else target["within"])
    raise SystemExit("the policy has no P2 first-response target")


def share_within(result: tierwise.SimulationResult, team: str, limit_s: float) -> float:
    """Of the P2 tickets `team` took in L2, the share taken within `limit_s`
    of reaching L2 (1.0 when it took none)."""
    t = result.tickets()
    p2 = t[t["priority"] == "P2"]
    waits = [
        wait
        for teams, tiers, ws in zip(p2["teams"], p2["agent_tiers"], p2["agent_waits_s"])
        for tm, tier, wait in zip(teams, tiers, ws)
        if tm == team and tier == "L2"
    ]
    if not waits:
        return 1.0
    return float(sum(w <= limit_s for w in waits)) / len(waits)


def study(quick: bool) -> dict[str, Any]:
    scenario = tierwise.Scenario.default()
    replications = 1 if quick else 3
    if quick:
        scenario.set("run.duration", "2d")
    limit_s = p2_first_response_s(scenario.policy)
    found: dict[str, Any] = {}
    for team in REGIONS:
        planned = int(scenario.get(f"teams.{team}.agents"))
        sizes = list(range(1, planned + 3))
        # A parallel sweep first: the team's overall figures by size.
        grid = tierwise.sweep(scenario, {f"teams.{team}.agents": sizes}, replications=replications)
        curve = []
        smallest = None
        for n in sizes:
            result = tierwise.simulate(scenario.with_changes({f"teams.{team}.agents": n}), replications=replications)
            share = share_within(result, team, limit_s)
            curve.append(share)
            if smallest is None and share >= TARGET:
                smallest = n
        occupancy = list(grid[f"by_team.{team}.occupancy"])
        found[team] = {"planned": planned, "sizes": sizes, "share": curve, "occupancy": occupancy,
                       "smallest": smallest}
        print(f"{team:10}  planned {planned:2}  smallest meeting {TARGET:.0%} of P2 within "
              f"{limit_s / 3600:.0f}h in L2: {smallest}  "
              f"(share at that size {curve[sizes.index(smallest)]:.1%})" if smallest else
              f"{team:10}  planned {planned:2}  no size up to {sizes[-1]} meets the target")
    return found


def plot(found: dict[str, Any], path: str) -> None:
    from matplotlib.figure import Figure

    fig = Figure(figsize=(10, 4))
    axes = fig.subplots(1, len(found), sharey=True)
    for ax, (team, f) in zip(axes, found.items()):
        ax.plot(f["sizes"], f["share"], marker="o", label="P2 taken in L2 within target")
        ax.plot(f["sizes"], f["occupancy"], marker=".", ls=":", label="team occupancy (work / agent time)")
        ax.axhline(TARGET, color="k", ls="--", lw=1)
        if f["smallest"] is not None:
            ax.axvline(f["smallest"], color="g", lw=1)
        ax.set_title(team)
        ax.set_xlabel("L2 agents")
    axes[0].set_ylabel("share")
    axes[0].legend(loc="lower right", fontsize="small")
    fig.suptitle("Smallest L2 team per region keeping P2 first response in L2 within target")
    fig.savefig(path, dpi=100)
    print(f"plot written to {path}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="2 days, 1 replication (for CI)")
    parser.add_argument("--out", default="staffing_study.png", help="where to write the plot")
    args = parser.parse_args()
    plot(study(args.quick), args.out)


if __name__ == "__main__":
    main()

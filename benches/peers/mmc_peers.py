"""Time the Python discrete-event libraries people use today (SimPy, ciw) on
the issue's M/M/c desk: 480 calls an hour, exponential 6-minute handling,
50 agents, first-come first-served, until N arrivals have been served.

Usage: python benches/peers/mmc_peers.py [N]   (prints one JSON line per library)
Installed by benches/peers/run into its own venv.
"""

import json
import random
import sys
import time

N = int(sys.argv[1]) if len(sys.argv) > 1 else 100_000
RATE = 480 / 3600.0       # arrivals per second
MEAN_HANDLE = 360.0       # seconds
AGENTS = 50


def simpy_mmc(n):
    import simpy

    rng = random.Random(7)
    env = simpy.Environment()
    desk = simpy.Resource(env, capacity=AGENTS)
    waits = []

    def call(env):
        arrived = env.now
        with desk.request() as req:
            yield req
            waits.append(env.now - arrived)
            yield env.timeout(rng.expovariate(1 / MEAN_HANDLE))

    def source(env):
        for _ in range(n):
            yield env.timeout(rng.expovariate(RATE))
            env.process(call(env))

    env.process(source(env))
    env.run()
    return waits


def ciw_mmc(n):
    import ciw

    ciw.seed(7)
    network = ciw.create_network(
        arrival_distributions=[ciw.dists.Exponential(rate=RATE)],
        service_distributions=[ciw.dists.Exponential(rate=1 / MEAN_HANDLE)],
        number_of_servers=[AGENTS],
    )
    sim = ciw.Simulation(network)
    sim.simulate_until_max_customers(n, method="Finish")
    return [r.waiting_time for r in sim.get_all_records()]


for name, run in [("simpy", simpy_mmc), ("ciw", ciw_mmc)]:
    start = time.perf_counter()
    waits = run(N)
    seconds = time.perf_counter() - start
    p_wait = sum(1 for w in waits if w > 1e-9) / len(waits)
    print(json.dumps({"library": name, "tickets": len(waits), "seconds": round(seconds, 3),
                      "tickets_per_s": round(len(waits) / seconds), "p_wait": round(p_wait, 4)}))

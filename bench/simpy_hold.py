#!/usr/bin/env python3
"""The hold model in SimPy, for engine_bench's ratio: N processes each loop
waiting an exponential increment (mean 1000 time units, as the C model).
Prints events per second.  Debian 12's python3-simpy is SimPy 2.3 (module
`SimPy`, the classic Process API); SimPy 3+ (module `simpy`) works too."""
import random, sys, time

n, events = int(sys.argv[1]), int(sys.argv[2])
count = [0]
horizon_step = 1000.0 * events / n  # simulated time for ~`events` holds

try:
    from SimPy.Simulation import Process, activate, hold, initialize, simulate, now

    class Holder(Process):
        def run(self):
            while True:
                yield hold, self, random.expovariate(1 / 1000.0)
                count[0] += 1

    initialize()  # SimPy 2 runs one simulate() per initialize(): time it whole
    for _ in range(n):
        p = Holder()
        activate(p, p.run())
    t0 = time.perf_counter()
    simulate(until=horizon_step)
    dt = time.perf_counter() - t0
    print(count[0] / dt)
except ImportError:
    try:
        import simpy
    except ImportError:
        sys.exit(1)
    env = simpy.Environment()

    def proc(env):
        while True:
            yield env.timeout(random.expovariate(1 / 1000.0))
            count[0] += 1

    for _ in range(n):
        env.process(proc(env))
    env.run(until=1000.0)
    start = count[0]
    t0 = time.perf_counter()
    env.run(until=env.now + horizon_step)
    dt = time.perf_counter() - t0
    print((count[0] - start) / dt)

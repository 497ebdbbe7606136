#!/usr/bin/env python3
"""The hold model in SimPy (Debian's python3-simpy), for engine_bench's ratio.
N processes each loop: wait an exponential increment (mean 1000 ns in integer
units, as the C model).  Prints events per second."""
import random, sys, time
try:
    import simpy
except ImportError:
    sys.exit(1)
n, events = int(sys.argv[1]), int(sys.argv[2])
env = simpy.Environment()
count = [0]
def proc(env):
    while True:
        yield env.timeout(random.expovariate(1 / 1000.0))
        count[0] += 1
for _ in range(n):
    env.process(proc(env))
env.run(until=1)  # start the processes outside the timed part
t0 = time.perf_counter()
step = 1000.0 * events / n
env.run(until=env.now + step)
dt = time.perf_counter() - t0
print(count[0] / dt)

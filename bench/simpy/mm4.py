# The benchmark's M/M/4 work queue in SimPy, for the README's comparison: Poisson arrivals at 3,600/s, four
# servers, exponential 1 ms service, N messages (time in milliseconds), written as SimPy's documentation writes
# a queue: a process per message that requests a Resource. Not part of `npm run bench` (it needs Python).
#
#   pip install simpy==4.1.2 && python3 bench/simpy/mm4.py 1000000
import json
import random
import resource
import sys
import time

import simpy

MESSAGES = int(sys.argv[1]) if len(sys.argv) > 1 else 1_000_000
random.seed(1)
env = simpy.Environment()
servers = simpy.Resource(env, capacity=4)
waited = [0.0]


def message(env):
    arrived = env.now
    with servers.request() as request:
        yield request
        waited[0] += env.now - arrived
        yield env.timeout(random.expovariate(1.0))


def source(env):
    for _ in range(MESSAGES):
        yield env.timeout(random.expovariate(3.6))
        env.process(message(env))


started = time.perf_counter()
env.process(source(env))
env.run()
print(json.dumps({
    "messages": MESSAGES,
    "meanWaitMs": waited[0] / MESSAGES,
    "simulateSeconds": round(time.perf_counter() - started, 2),
    "maxRssKb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss,
}))

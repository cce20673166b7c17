# (f) memory, Python asyncio: N tasks parked on one never-resolved future.
# Round 1 measures RSS (no tracing); round 2 measures traced heap with tracemalloc
# (the "heap" figure, comparable to Node's heapUsed). Each round in a fresh asyncio.run.
import os, sys
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', '..', 'lib'))
import asyncio, gc, tracemalloc
from common import arg_n, emit

N = arg_n(100_000)


def rss():
    with open('/proc/self/statm') as f:
        return int(f.read().split()[1]) * os.sysconf('SC_PAGE_SIZE')


async def main(mode, out):
    fut = asyncio.get_running_loop().create_future()  # never resolved

    async def t():
        await fut

    gc.collect()
    if mode == 'tracemalloc':
        tracemalloc.start()
    m0 = tracemalloc.get_traced_memory()[0] if mode == 'tracemalloc' else rss()
    tasks = [asyncio.create_task(t()) for _ in range(N)]
    await asyncio.sleep(0)
    await asyncio.sleep(0)  # every task started and parked on fut
    gc.collect()
    m1 = tracemalloc.get_traced_memory()[0] if mode == 'tracemalloc' else rss()
    if mode == 'tracemalloc':
        tracemalloc.stop()
    out[mode] = round((m1 - m0) / N)
    for x in tasks:
        x.cancel()
    await asyncio.gather(*tasks, return_exceptions=True)


out = {}
asyncio.run(main('rss', out))
asyncio.run(main('tracemalloc', out))
emit({"name": "asyncio: task awaiting a never-done future", "ops": N,
      "bytes_per_task": out['tracemalloc'], "rss_bytes_per_task": out['rss']})

# Shared timing helper for the Python asyncio cases (the anchors' common.py).
# One warm-up run, gc, then one timed run, each in a fresh event loop (asyncio.run); prints one JSON line.
import asyncio
import gc
import json
import sys
import time


def arg_n(default):
    return int(sys.argv[1]) if len(sys.argv) > 1 else default


def emit(obj):
    print(json.dumps(obj), flush=True)


def bench(name, ops, make, warm=True):
    # make() -> coroutine; fresh event loop per run, like asyncio.run
    if warm:
        asyncio.run(make())
    gc.collect()
    c0, t0 = time.process_time(), time.perf_counter()
    asyncio.run(make())
    wall, cpu = time.perf_counter() - t0, time.process_time() - c0
    emit({"name": name, "ops": ops, "wall_ms": round(wall * 1e3, 2), "cpu_ms": round(cpu * 1e3, 2),
          "ops_s": round(ops / wall), "cpu_us_per_op": round(cpu * 1e6 / ops, 3)})

# (c) timers, Python asyncio: N coroutines asyncio.sleep((i*7919)%101 ms) under gather.
import os, sys
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', '..', 'lib'))
import asyncio
from common import arg_n, bench

N = arg_n(100_000)
D = [(i * 7919) % 101 / 1000 for i in range(N)]  # deterministic 0..100 ms (asyncio takes seconds)


async def main():
    await asyncio.gather(*[asyncio.sleep(d) for d in D])


bench("asyncio: sleep + gather", N, main)

# (a) spawn-and-join, Python asyncio: N tasks that each `await asyncio.sleep(0)`, joined with gather.
import os, sys
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', '..', 'lib'))
import asyncio
from common import arg_n, bench

N = arg_n(100_000)


async def t():
    await asyncio.sleep(0)


async def main():
    await asyncio.gather(*[t() for _ in range(N)])


bench("asyncio: sleep(0) + gather", N, main)

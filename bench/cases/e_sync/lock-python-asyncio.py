# (e1) uncontended lock, Python asyncio: one coroutine, N x (await lock.acquire(); lock.release()).
import os, sys
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', '..', 'lib'))
import asyncio
from common import arg_n, bench

N = arg_n(1_000_000)


async def main():
    lock = asyncio.Lock()
    for _ in range(N):
        await lock.acquire()
        try:
            pass  # critical section (empty)
        finally:
            lock.release()


bench("asyncio: Lock acquire+release", N, main)

# (e2) Lock contended by 100 tasks, Python asyncio. The main coroutine holds the lock while the
# 100 workers start and queue on it, then releases; each worker does N/100 x (acquire; release).
import os, sys
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', '..', 'lib'))
import asyncio
from common import arg_n, bench

N = arg_n(1_000_000)
W = 100
K = N // W


async def worker(lock):
    for _ in range(K):
        await lock.acquire()
        try:
            pass  # critical section (empty)
        finally:
            lock.release()


async def main():
    lock = asyncio.Lock()
    await lock.acquire()
    tasks = [asyncio.create_task(worker(lock)) for _ in range(W)]
    await asyncio.sleep(0)  # every worker starts and queues on the lock
    assert len(lock._waiters) == W, len(lock._waiters)
    lock.release()
    await asyncio.gather(*tasks)


bench("asyncio: Lock, 100 tasks", W * K, main)

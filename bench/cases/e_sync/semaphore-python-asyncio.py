# (e3) Semaphore(10) over N tasks, Python asyncio: N tasks that each hold one unit across one
# yield (await asyncio.sleep(0), as in (a)), joined with gather.
import os, sys
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', '..', 'lib'))
import asyncio
from common import arg_n, bench

N = arg_n(100_000)


async def body(sem):
    await sem.acquire()
    try:
        await asyncio.sleep(0)
    finally:
        sem.release()


async def main():
    sem = asyncio.Semaphore(10)
    await asyncio.gather(*[asyncio.create_task(body(sem)) for _ in range(N)])


bench("asyncio: Semaphore(10)", N, main)

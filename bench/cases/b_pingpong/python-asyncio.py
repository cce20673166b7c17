# (b) ping-pong, Python asyncio: two asyncio.Queue, M round trips = 2*M hand-offs.
# argv[1] is the number of hand-offs.
import os, sys
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', '..', 'lib'))
import asyncio
from common import arg_n, bench

M = arg_n(1_000_000) // 2


async def main():
    q1, q2 = asyncio.Queue(), asyncio.Queue()

    async def ponger():
        for _ in range(M):
            await q2.put(await q1.get())

    p = asyncio.create_task(ponger())
    for i in range(M):
        await q1.put(i)
        await q2.get()
    await p


bench("asyncio: asyncio.Queue", 2 * M, main)

# (g) worker pool, Python asyncio: run_in_executor for every job at once, gathered (the anchors'
# e_pool.py). argv[1]: jobs per round; argv[2]: 'thread' or 'process' (one worker per core).
import os, sys
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', '..', 'lib'))
import asyncio, hashlib
from concurrent.futures import ProcessPoolExecutor, ThreadPoolExecutor
from common import arg_n, bench

N = arg_n(10_000)
KIND = sys.argv[2] if len(sys.argv) > 2 else 'thread'
T = os.cpu_count()


def task(i):
    return hashlib.sha256(i.to_bytes(4, 'little') + bytes(1020)).hexdigest()


if __name__ == '__main__':
    ex = ProcessPoolExecutor(T) if KIND == 'process' else ThreadPoolExecutor(T)

    async def main():
        loop = asyncio.get_running_loop()
        await asyncio.gather(*[loop.run_in_executor(ex, task, i) for i in range(N)])

    bench(f"asyncio {KIND} pool ({T})", N, main)
    ex.shutdown()

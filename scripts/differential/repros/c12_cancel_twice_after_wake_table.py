# The table of test/conformance/cancelafterwake.test.ts: cancel twice, 0/1/2 passes after the event
# that ends a wait, for each primitive and scope (run: PYTHONPATH=/tmp/pyasyncio313 python3 …).
import asyncio
KINDS = ['queue-get', 'queue-put', 'lock', 'sem', 'event', 'cond', 'barrier', 'timeout-body', 'tg-body']
async def main():
    loop = asyncio.get_running_loop()
    for kind in KINDS:
        for n in [0, 1, 2]:
            for style in ['gen', 'async']:
                q = asyncio.Queue(1 if kind == 'queue-put' else 0); lock = asyncio.Lock(); sem = asyncio.Semaphore(0); ev = asyncio.Event(); cond = asyncio.Condition(); bar = asyncio.Barrier(2)
                f = loop.create_future()
                if kind == 'lock': await lock.acquire()
                if kind == 'queue-put': q.put_nowait(0)
                async def op():
                    if kind == 'queue-get': return await q.get()
                    if kind == 'queue-put': return await q.put(1)
                    if kind == 'lock': return await lock.acquire()
                    if kind == 'sem': return await sem.acquire()
                    if kind == 'event': return await ev.wait()
                    if kind == 'cond':
                        async with cond: await cond.wait()
                        return
                    if kind == 'barrier': return await bar.wait()
                    if kind == 'timeout-body':
                        async with asyncio.timeout(1): await f
                        return
                    if kind == 'tg-body':
                        async with asyncio.TaskGroup() as tg:
                            async def child(): await f
                            tg.create_task(child())
                        return
                async def body():
                    try:
                        await op(); return 'value'
                    except BaseException as e:
                        return f'got {type(e).__name__}({e})'
                t = asyncio.create_task(body())
                await asyncio.sleep(0); await asyncio.sleep(0)
                if kind == 'queue-get': q.put_nowait(1)
                elif kind == 'queue-put': q.get_nowait()
                elif kind == 'lock': lock.release()
                elif kind == 'sem': sem.release()
                elif kind == 'event': ev.set()
                elif kind == 'cond':
                    async with cond: cond.notify()
                elif kind == 'barrier': asyncio.ensure_future(bar.wait())
                else: f.set_result(1)
                for i in range(n): await asyncio.sleep(0)
                t.cancel('A'); t.cancel('B')
                r = await t
                print(kind, n, style, r, t.cancelling(), f'q={q.qsize()} lock={str(lock.locked()).lower()} sem={str(sem.locked()).lower()}')
asyncio.run(main())

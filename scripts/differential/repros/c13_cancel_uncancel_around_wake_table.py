# The second table of test/conformance/cancelafterwake.test.ts: cancel(A) then uncancel() before the
# event that ends a wait (-1), or 0/1 passes after it, for each primitive, scope and combinator
# (run: PYTHONPATH=/tmp/pyasyncio313 python3 …). Printed: outcome, uncancel() result, cancelling().
import asyncio
KINDS = ['queue-get', 'queue-put', 'lock', 'sem', 'event', 'cond', 'barrier', 'timeout-body', 'tg-body', 'wait', 'asCompleted', 'gather', 'shield', 'waitFor', 'future', 'sleep']
async def main():
    loop = asyncio.get_running_loop()
    for kind in KINDS:
        for n in [-1, 0, 1]:
            for style in ['gen', 'async']:
                q = asyncio.Queue(1 if kind == 'queue-put' else 0); lock = asyncio.Lock(); sem = asyncio.Semaphore(0); ev = asyncio.Event(); cond = asyncio.Condition(); bar = asyncio.Barrier(2)
                f = loop.create_future(); g = loop.create_future()
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
                    if kind == 'wait': return await asyncio.wait([f, g], return_when=asyncio.FIRST_COMPLETED)
                    if kind == 'asCompleted': return await next(iter(asyncio.as_completed([f, g])))
                    if kind == 'gather': return await asyncio.gather(f)
                    if kind == 'shield': return await asyncio.shield(f)
                    if kind == 'waitFor': return await asyncio.wait_for(f, 1)
                    if kind == 'future': return await f
                    if kind == 'sleep': return await asyncio.sleep(0.01)
                async def body():
                    try:
                        await op(); return 'value'
                    except BaseException as e:
                        return f'got {type(e).__name__}({e})'
                t = asyncio.create_task(body())
                await asyncio.sleep(0); await asyncio.sleep(0)
                async def wake():
                    if kind == 'queue-get': q.put_nowait(1)
                    elif kind == 'queue-put': q.get_nowait()
                    elif kind == 'lock': lock.release()
                    elif kind == 'sem': sem.release()
                    elif kind == 'event': ev.set()
                    elif kind == 'cond':
                        async with cond: cond.notify()
                    elif kind == 'barrier': asyncio.ensure_future(bar.wait())
                    elif kind == 'sleep': pass
                    elif not f.done(): f.set_result(1)
                if n >= 0:
                    if kind == 'sleep': await asyncio.sleep(0.01)
                    else: await wake()
                    for i in range(n): await asyncio.sleep(0)
                t.cancel('A'); u = t.uncancel()
                if n < 0: await wake()
                r = await t
                print(kind, n, style, r, u, t.cancelling(), f'q={q.qsize()} lock={str(lock.locked()).lower()} sem={str(sem.locked()).lower()}')
asyncio.run(main())

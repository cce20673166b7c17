# A task blocked in Queue.get / Lock.acquire / Semaphore.acquire / Event.wait is woken (its waiter
# future finished) and cancelled twice before it resumes: both cancel() calls find the waiter done,
# so they are pending cancels and the latest message wins (CancelledError('B')); the item, the
# lock and the unit are handed on, not lost.
import asyncio
async def main():
    for kind in ['queue','lock','sem','event']:
        q = asyncio.Queue(); l = asyncio.Lock(); s = asyncio.Semaphore(0); ev = asyncio.Event()
        if kind == 'lock': await l.acquire()
        def op():
            return {'queue': q.get, 'lock': l.acquire, 'sem': s.acquire, 'event': ev.wait}[kind]()
        async def body():
            try:
                await op(); return 'no cancel'
            except asyncio.CancelledError as e:
                return f'got {e}'
        t = asyncio.create_task(body())
        await asyncio.sleep(0)
        {'queue': lambda: q.put_nowait(1), 'lock': l.release, 'sem': s.release, 'event': ev.set}[kind]()
        t.cancel('A'); t.cancel('B')
        r = await t
        print(kind, r, t.cancelling(), {'queue': f'qsize={q.qsize()}', 'lock': f'locked={l.locked()}', 'sem': f'locked={s.locked()}', 'event': ''}[kind])
asyncio.run(main())
# queue got B 2 qsize=1 / lock got B 2 locked=False / sem got B 2 locked=False / event got B 2

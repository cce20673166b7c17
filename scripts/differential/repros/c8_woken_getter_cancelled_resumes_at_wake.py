# A getter woken by a put, then cancelled before it ran (another task took the item first), ends
# cancelled in the pass of its wake-up: asyncio scheduled its task's step when the put woke it, so
# the cancel is delivered there, before a task that resumes later in that pass looks at it.
import asyncio

log = []

async def main():
    q = asyncio.LifoQueue(1)
    async def getter(name, other):
        v = await q.get()
        log.append(f'{name} got {v}')
        if other is not None:
            other.cancel()
    s1 = asyncio.create_task(getter('S1', None))
    await asyncio.sleep(0)              # S1 waits in get()
    s2 = asyncio.create_task(getter('S2', s1))
    await q.put(3)                      # wakes S1; S2's first step comes first and takes the item
    await asyncio.sleep(0)
    log.append(f'S1 done={s1.done()} cancelled={s1.cancelled()}')

asyncio.run(main())
print(log)   # ['S2 got 3', 'S1 done=True cancelled=True']

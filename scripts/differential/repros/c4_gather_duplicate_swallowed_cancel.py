# A cancelled gather fails with the CancelledError of its LAST child in argument order
# (_GatheringFuture's done callback: `exc = fut._make_cancelled_error()` with `fut` the loop
# variable). When that child is a task that swallowed its cancellation, the error carries the
# task's `_cancel_message`: set by a cancel() that found no waiter to cancel -- here the second
# cancel of a child listed twice (gather cancels every listed child; the first cancel already
# cancelled the task's waiter).
import asyncio

log = []

async def main():
    async def swallow(name):
        try:
            await asyncio.sleep(10)
        except asyncio.CancelledError as e:
            log.append(f'{name} caught {e.args}')
    a = asyncio.create_task(swallow('a'))
    b = asyncio.create_task(swallow('b'))
    g = asyncio.gather(a, b, a)
    await asyncio.sleep(0)
    g.cancel('stop')
    try:
        await g
    except asyncio.CancelledError as e:
        log.append(f'gather failed with {e.args}')
    # The last child listed once: its only cancel cancelled its waiter, no message kept.
    c = asyncio.create_task(swallow('c'))
    d = asyncio.create_task(swallow('d'))
    g2 = asyncio.gather(c, d)
    await asyncio.sleep(0)
    g2.cancel('stop')
    try:
        await g2
    except asyncio.CancelledError as e:
        log.append(f'gather2 failed with {e.args}')

asyncio.run(main())
print(log)

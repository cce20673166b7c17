# A task suspended in `await asyncio.sleep(0)` (a bare yield: no waiter future) that is cancelled
# twice before it resumes gets the LATEST message: cancel('A') then cancel() throws in a
# CancelledError without message, cancel('A') then cancel('B') throws in 'B'.
# (Contrast b6: a task waiting on a real future keeps the first message, which cancelled that future.)
import asyncio

async def main():
    for second in (None, 'B'):
        log = []
        async def body():
            try:
                await asyncio.sleep(0)
                log.append('no cancel')
            except asyncio.CancelledError as e:
                log.append(f'caught {e.args}')
        t = asyncio.create_task(body())
        await asyncio.sleep(0)          # t is now suspended in its sleep(0)
        t.cancel('A')
        t.cancel() if second is None else t.cancel(second)
        await asyncio.sleep(0)
        await asyncio.sleep(0)
        print(f"cancel('A') then cancel({second!r}):", log)

asyncio.run(main())

# Same cause: cancel() then uncancel() before the task resumes from sleep(0) takes the request
# back (uncancel() reaching 0 clears _must_cancel): the task resumes normally.
async def main2():
    log = []
    async def body():
        try:
            await asyncio.sleep(0)
            log.append('no cancel')
        except asyncio.CancelledError as e:
            log.append(f'caught {e.args}')
    t = asyncio.create_task(body())
    await asyncio.sleep(0)
    t.cancel('A')
    log.append(f'uncancel -> {t.uncancel()}')
    await asyncio.sleep(0)
    await asyncio.sleep(0)
    print("cancel('A') then uncancel():", log)   # ['uncancel -> 0', 'no cancel']

asyncio.run(main2())

# A task cancelled while it runs (by itself, or by a task that awaits it: the cancel is passed on
# to the task it waits for) gets the CancelledError at its next suspension. Awaiting a future that
# is done already (a free lock, a set event, a queue with room) is no suspension.
import asyncio

async def main():
    lock = asyncio.Lock()
    log = []
    async def child():
        parent.cancel()          # parent waits on this task: the cancel is passed on to it
        await lock.acquire()     # free lock: no suspension
        log.append('acquired')
        lock.release()
        try:
            await asyncio.sleep(0)
        except asyncio.CancelledError:
            log.append('cancelled at sleep(0)')
            raise
    async def parent_body():
        await asyncio.create_task(child())
    parent = asyncio.create_task(parent_body())
    try:
        await parent
    except asyncio.CancelledError:
        pass
    me = asyncio.current_task()
    async def selfcancel():
        asyncio.current_task().cancel()
        e = asyncio.Event(); e.set()
        await e.wait()
        log.append('event waited')
        await asyncio.sleep(0)
    t = asyncio.create_task(selfcancel())
    try:
        await t
    except asyncio.CancelledError:
        log.append('selfcancel task cancelled')
    print(log)

asyncio.run(main())

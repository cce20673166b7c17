# A task with a cancel pending (_must_cancel) that resumes from a waiter which FAILED with a
# CancelledError (a cancelled gather: it fails, it is not "cancelled") gets that very error thrown
# in: Task.__step keeps an incoming CancelledError and makes one from _cancel_message only for
# other outcomes. Here the inner gather's error is bare (its last child finished normally), so the
# task -- and the outer gather, whose last child it is -- end with a bare CancelledError, not
# with the cancel message.
import asyncio

log = []

async def main():
    never = asyncio.get_running_loop().create_future()
    async def quick():
        pass
    q = asyncio.create_task(quick())
    async def waiter():
        await asyncio.gather(never, q, return_exceptions=True)
    w = asyncio.create_task(waiter())
    await asyncio.sleep(0)
    g = asyncio.gather(w, w)        # w listed twice: cancelled twice (the 2nd finds no waiter to cancel)
    await asyncio.sleep(0)
    g.cancel('stop')
    try:
        await g
    except asyncio.CancelledError as e:
        log.append(f'gather failed with {e.args}')
    try:
        await w
    except asyncio.CancelledError as e:
        log.append(f'w ended with {e.args}')

asyncio.run(main())
print(log)   # ['gather failed with ()', 'w ended with ()']

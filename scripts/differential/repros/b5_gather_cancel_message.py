# A gather(return_exceptions=True) whose waiting task is cancelled with a message fails with a
# CancelledError carrying that message (CPython test_tasks.test_cancel_gather_2).
import asyncio

async def main():
    for re in (False, True):
        child = asyncio.create_task(asyncio.sleep(100))
        async def waiter():
            await asyncio.gather(child, return_exceptions=re)
        t = asyncio.create_task(waiter())
        await asyncio.sleep(0)
        t.cancel('bye')
        try:
            await t
        except asyncio.CancelledError as e:
            print(f'return_exceptions={re}: CancelledError{e.args}')

asyncio.run(main())

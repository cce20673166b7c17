# `await current_task()` raises RuntimeError('Task cannot await on itself'), but a pending cancel
# wins: the task gets CancelledError.
import asyncio

async def main():
    async def body():
        me = asyncio.current_task()
        me.cancel()
        try:
            await me
        except BaseException as e:
            print('caught', type(e).__name__)
            raise
    t = asyncio.create_task(body())
    for _ in range(3):
        await asyncio.sleep(0)
    print('cancelled:', t.cancelled())

asyncio.run(main())

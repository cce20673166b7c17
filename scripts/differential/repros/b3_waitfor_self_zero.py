# wait_for(current_task(), 0): the task cancels itself and the wait is cancelled (CancelledError).
import asyncio

async def main():
    async def body():
        try:
            await asyncio.wait_for(asyncio.current_task(), 0)
        except BaseException as e:
            print('caught', type(e).__name__)
            raise
    t = asyncio.create_task(body())
    for _ in range(3):
        await asyncio.sleep(0)
    print('cancelled:', t.cancelled())

asyncio.run(main())

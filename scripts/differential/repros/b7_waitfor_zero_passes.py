# wait_for(task, 0) on a pending task cancels it and waits for it through a helper future
# (_cancel_and_wait): the caller resumes two passes after the task ends, not one.
import asyncio

async def main():
    log = []
    async def ticker():
        for i in range(5):
            log.append(f'tick {i}')
            await asyncio.sleep(0)
    async def child():
        log.append('child ran')   # never: cancelled before its first step
    asyncio.create_task(ticker())
    t = asyncio.create_task(child())
    t.add_done_callback(lambda f: log.append('child done'))
    try:
        await asyncio.wait_for(t, 0)
    except TimeoutError:
        log.append('TimeoutError')
    await asyncio.sleep(0); await asyncio.sleep(0); await asyncio.sleep(0)
    print(log)

asyncio.run(main())

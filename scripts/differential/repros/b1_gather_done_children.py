# gather() of futures that are all done already: asyncio (3.12+) completes the outer future at once,
# so `await gather(...)` does not suspend.
import asyncio

async def main():
    log = []
    async def ticker():
        for i in range(4):
            log.append(f'tick {i}')
            await asyncio.sleep(0)
    done = asyncio.create_task(asyncio.sleep(0, 'r'))
    failed = asyncio.get_running_loop().create_future()
    failed.set_exception(ValueError('x'))
    await asyncio.sleep(0); await asyncio.sleep(0)
    asyncio.create_task(ticker())
    log.append('gather ok')
    log.append(f'-> {await asyncio.gather(done)}')
    log.append('gather failed')
    try:
        await asyncio.gather(done, failed)
    except ValueError as e:
        log.append(f'-> ValueError {e}')
    await asyncio.sleep(0); await asyncio.sleep(0); await asyncio.sleep(0)
    print(log)

asyncio.run(main())

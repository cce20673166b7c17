# `async for f in as_completed(fs)` gets a completed future in the same pass as the plain
# iteration `for c in as_completed(fs): await c` does.
import asyncio

async def main():
    log = []
    async def ticker():
        for i in range(6):
            log.append(f'tick {i}')
            await asyncio.sleep(0)
    async def child():
        log.append('child')
        return 7
    asyncio.create_task(ticker())
    t = asyncio.create_task(child())
    async for f in asyncio.as_completed([t]):
        log.append(f'async-for got {await f}')
    t2 = asyncio.create_task(child())
    for c in asyncio.as_completed([t2]):
        log.append(f'plain got {await c}')
    await asyncio.sleep(0); await asyncio.sleep(0)
    print(log)

asyncio.run(main())

# asyncio.run() cancels the leftover tasks once (_cancel_all_tasks); a task that a leftover starts
# while handling its cancellation is not cancelled: it runs on through the shutdown passes
# (shutdown_asyncgens, shutdown_default_executor) and may finish there.
import asyncio

log = []

async def late():
    try:
        await asyncio.sleep(0)
        await asyncio.sleep(0)
        log.append('late finished')
    except asyncio.CancelledError:
        log.append('late cancelled')

async def leftover():
    try:
        await asyncio.sleep(3600)
    except asyncio.CancelledError:
        log.append('leftover cancelled')
        asyncio.get_running_loop().create_task(late())

async def main():
    asyncio.get_running_loop().create_task(leftover())
    await asyncio.sleep(0)

asyncio.run(main())
print(log)   # ['leftover cancelled', 'late finished']

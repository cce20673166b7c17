# The pass in which the loop stops (run()'s main task has returned) still runs every ready step to
# its end: a task resumed in that pass, whose coroutine finishes through nested coroutines, ends
# normally before asyncio.run's shutdown cancels what is left.
import asyncio

async def main():
    log = []
    async def inner():
        await asyncio.sleep(1)
        log.append('s1 resumed')
        await asyncio.sleep(0)
    async def middle():
        await inner()
    async def s1_body():
        await middle()
    s1 = asyncio.create_task(s1_body())
    s1.add_done_callback(lambda f: log.append('s1 cancelled' if f.cancelled() else 's1 ok'))
    await asyncio.sleep(1)
    log.append('main end')
    return log

log = asyncio.run(main())
print(log)

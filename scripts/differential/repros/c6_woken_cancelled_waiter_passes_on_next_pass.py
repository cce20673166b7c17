# asyncio: a woken waiter that is cancelled before it runs hands its wake-up on in its task's next
# step (one pass after the cancel), not at once: here S1 is woken by the release, then cancelled;
# S3 would get the unit one pass later -- after main returned and asyncio.run cancelled it -- so
# S3 never acquires.
import asyncio
log = []
async def main():
    sem = asyncio.Semaphore(1)
    async def body(name):
        await sem.acquire()
        log.append(f'{name} acquired')
        async with sem:
            log.append(f'{name} in scope')
    s1 = asyncio.create_task(body('S1'))
    s3 = asyncio.create_task(body('S3'))
    await asyncio.sleep(0)
    sem.release()
    log.append('released')
    s1.cancel()
    log.append('main returns')
asyncio.run(main())
print(log)

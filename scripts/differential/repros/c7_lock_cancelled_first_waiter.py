# asyncio's Lock: a waiter cancelled while waiting stays in the waiter list (cancelled) until its
# task's next step removes it; meanwhile release() wakes nobody (_wake_up_first looks at the first
# waiter only, and that one is done), so the next waiter is woken one pass later, by the cancelled
# task's step. A task spawned in between therefore runs first.
import asyncio

log = []

async def main():
    lock = asyncio.Lock()
    async def user(name):
        async with lock:
            pass
        log.append(f'{name} done')
        asyncio.create_task(spawned(name))
    async def spawned(name):
        log.append(f'spawned by {name} runs')
    a = asyncio.create_task(user('a'))
    b = asyncio.create_task(user('b'))
    async with lock:
        await asyncio.sleep(0)         # a and b queue on the lock
    b.cancel()                         # b's waiter: cancelled, still listed after a's
    await lock.acquire()               # main queues behind them
    log.append('main acquired')
    lock.release()

asyncio.run(main())
print(log)   # ['a done', 'spawned by a runs', 'main acquired']

# A shield's outer future completed by the user (set_result) before the inner task finishes:
# shield's _outer_done_callback removes the inner's done callback whenever the outer is done
# (not only when it is cancelled), so the inner's completion later touches nothing -- no error,
# nothing reported, the loop goes on.
import asyncio

log = []

async def main():
    asyncio.get_running_loop().set_exception_handler(lambda loop, ctx: log.append(f"handler: {ctx['message']}"))
    async def body():
        await asyncio.sleep(1)
        return 'inner'
    inner = asyncio.create_task(body())
    outer = asyncio.shield(inner)
    outer.set_result('mine')
    await asyncio.sleep(5)
    log.append(f'after: outer={outer.result()} inner={inner.result()}')

asyncio.run(main())
print(log)   # ['after: outer=mine inner=inner']

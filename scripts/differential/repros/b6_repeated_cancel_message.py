# cancel(msg) twice before the task resumes: the CancelledError thrown in carries the FIRST
# message (the future it waits on was cancelled with it; later cancel() calls find it done).
import asyncio

async def main():
    for m1, m2 in (('A', None), ('A', 'B'), (None, 'B')):
        seen = []
        async def body():
            try:
                await asyncio.sleep(100)
            except asyncio.CancelledError as e:
                seen.append(e.args)
                raise
        t = asyncio.create_task(body())
        await asyncio.sleep(0)
        t.cancel(m1)
        t.cancel(m2)
        try:
            await t
        except asyncio.CancelledError as e:
            pass
        print(f'cancel({m1!r}); cancel({m2!r}) -> thrown in: CancelledError{seen[0]}')

asyncio.run(main())

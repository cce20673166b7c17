# asyncio.wait() parks its task on an internal waiter future that _on_completion finishes as soon
# as the condition holds; the done/pending sets are taken when the task resumes, a pass later.
# A task cancelled in between finds its waiter already done: each cancel() is a pending cancel
# (the latest message wins) and the task gets CancelledError('B') at its wait.
import asyncio

async def main():
    f = asyncio.get_running_loop().create_future()

    async def waiter():
        try:
            await asyncio.wait([f], return_when=asyncio.FIRST_COMPLETED)
            return 'no cancel'
        except asyncio.CancelledError as e:
            return f'CancelledError({e})'

    t = asyncio.create_task(waiter())
    await asyncio.sleep(0)      # t waits
    f.set_result(1)             # _on_completion runs in the next pass and finishes the waiter
    await asyncio.sleep(0)      # that pass: the waiter is done, t resumes in the pass after
    t.cancel('A')
    t.cancel('B')
    print(await t, t.cancelling())   # CancelledError(B) 2

asyncio.run(main())

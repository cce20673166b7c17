# asyncio.run() keeps the loop running after main returns: _cancel_all_tasks (no pass when no
# task is left), then run_until_complete(shutdown_asyncgens()) and
# run_until_complete(shutdown_default_executor()), two passes each. Callbacks queued by main's
# last pass (a future's done callbacks, call_soon chains) run during those 4 passes.
import asyncio

log = []

async def main():
    loop = asyncio.get_running_loop()
    fut = loop.create_future()
    fut.add_done_callback(lambda f: log.append(f'done callback {f.result()}'))
    def chain(i):
        log.append(f'pass+{i}')
        if i == 1:
            fut.set_result(7)          # its done callback runs one pass later
        if i < 8:
            loop.call_soon(chain, i + 1)
    loop.call_soon(chain, 0)

asyncio.run(main())
print(log)   # ['pass+0', 'pass+1', 'done callback 7', 'pass+2', 'pass+3', 'pass+4']

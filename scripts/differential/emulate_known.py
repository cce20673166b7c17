"""Makes the reference asyncio behave like tulip in the places where tulip has a KNOWN, already
reported difference (see README.md, "Known differences"), so that a run shows only new ones.

Enabled with `--known` (interp_asyncio.py) / `--known` (run.ts). Each patch is a textual edit of
CPython's own function source, applied in this process only.
"""
import asyncio
import inspect
import textwrap
from asyncio import tasks


def _patch(func, edits, extra_globals=None):
    src = textwrap.dedent(inspect.getsource(func))
    for old, new in edits:
        if old not in src:
            raise RuntimeError(f'emulate_known: cannot patch {func.__name__}: {old!r} not found')
        src = src.replace(old, new)
    ns = dict(vars(tasks))
    if extra_globals:
        ns.update(extra_globals)
    exec(compile(src, f'<emulated {func.__name__}>', 'exec'), ns)
    return ns[func.__name__]


async def _tulip_cancel_and_wait(fut):
    # tulip's waitFor(aw, 0): cancel, then wait on the future itself (no helper future: one pass less).
    fut.cancel()
    while not fut.done():
        try:
            await fut
        except BaseException:
            if not fut.done():
                raise


def _patch_method(cls, name, edits):
    func = getattr(cls, name)
    src = textwrap.dedent(inspect.getsource(func))
    for old, new in edits:
        if old not in src:
            raise RuntimeError(f'emulate_known: cannot patch {name}: {old!r} not found')
        src = src.replace(old, new)
    mod = __import__(func.__module__, fromlist=['_'])
    ns = dict(vars(mod))
    # Compiled inside a class of the same name, so that private names mangle as in the original.
    exec(compile(f'class {cls.__name__}:\n' + textwrap.indent(src, '    '), f'<emulated {name}>', 'exec'), ns)
    setattr(cls, name, ns[cls.__name__].__dict__[name])


def install(which):
    if 'cancel-msg-last' in which:
        # tulip: a cancel pending on a task woken by its cancelled waiter throws in the LATEST
        # cancel message; asyncio keeps the waiter's CancelledError (the first message).
        _patch_method(tasks._PyTask, '_Task__step', [
            ('if not isinstance(exc, exceptions.CancelledError):', 'if True:'),
        ])
    if 'cancelled-exc-kept' in which:
        # tulip: every retrieval of a cancelled task's error carries its message; asyncio hands the
        # task's own CancelledError to the first retrieval only (later ones get a bare one).
        from asyncio import futures
        _patch_method(futures._PyFuture, '_make_cancelled_error', [
            ('self._cancelled_exc = None', 'pass'),
        ])
    if 'gather-done' in which or 'gather-cancel-msg' in which or 'gather-task-cancel-msg' in which:
        edits = []
        if 'gather-task-cancel-msg' in which:
            # tulip: return_exceptions hands back a cancelled task's CancelledError with the cancel
            # message; asyncio builds one from the task's _cancel_message, which __step clears.
            edits.append((
                "                    res = exceptions.CancelledError(\n"
                "                        '' if fut._cancel_message is None else\n"
                "                        fut._cancel_message)",
                "                    res = fut._make_cancelled_error()",
            ))
        if 'gather-done' in which:
            # tulip: already-done children are watched like pending ones (callbacks a pass later).
            edits.append(('            if fut.done():\n                done_futs.append(fut)', '            if False:\n                done_futs.append(fut)'))
        if 'gather-cancel-msg' in which:
            # tulip: a cancelled gather with return_exceptions fails with a CancelledError without message.
            edits.append(('                exc = fut._make_cancelled_error()\n                outer.set_exception(exc)\n            else:\n                outer.set_result(results)', '                exc = exceptions.CancelledError()\n                outer.set_exception(exc)\n            else:\n                outer.set_result(results)'))
        g = _patch(tasks.gather, edits)
        tasks.gather = g
        asyncio.gather = g
    if 'waitfor-zero' in which:
        w = _patch(tasks.wait_for, [('await _cancel_and_wait(fut)', 'await _tulip_cancel_and_wait(fut)')], {'_tulip_cancel_and_wait': _tulip_cancel_and_wait})
        tasks.wait_for = w
        asyncio.wait_for = w


# The bugs behind the other patches are fixed; only asyncio's own quirks stay emulated.
ALL = ['cancelled-exc-kept', 'gather-task-cancel-msg']

"""Reference side of the differential tester: runs DSL programs (see dsl.ts) on Python asyncio.

Protocol: one JSON program per stdin line; one JSON result per stdout line
({"trace": [...], "outcome": "...", "reports": [...]}).

Time: the loop is virtual and its unit is the DSL's unit (milliseconds) -- `asyncio.sleep(5)` here
is tulip's `sleep(5)`. The loop never sleeps: when nothing is ready it jumps to the next timer.

Timer order: tulip runs equal-deadline timers FIFO (DESIGN.md §4, an intended difference);
asyncio's heap does not promise that. By default the timer handles here get a sequence number so
that equal deadlines run FIFO too (pass --heap-timers to keep asyncio's own order).

Run it with a CPython >= 3.13 asyncio (see README.md: the vendored pure-Python 3.14 package on
python3.11 via PYTHONPATH) -- it refuses an asyncio without Queue.shutdown.
"""
import asyncio
import gc
import itertools
import json
import sys

from asyncio import events

if not hasattr(asyncio.Queue, 'shutdown'):
    sys.exit('interp_asyncio.py: this asyncio has no Queue.shutdown (need 3.13+; see README.md)')

HEAP_TIMERS = '--heap-timers' in sys.argv
if '--known' in sys.argv:
    import emulate_known
    emulate_known.install(emulate_known.ALL)
_seq = itertools.count()


class FifoTimerHandle(events.TimerHandle):
    __slots__ = ['_seq']

    def __init__(self, *a, **k):
        super().__init__(*a, **k)
        self._seq = next(_seq)

    def __lt__(self, other):
        if self._when == other._when:
            return self._seq < other._seq
        return self._when < other._when

    def __gt__(self, other):
        return other.__lt__(self)


if not HEAP_TIMERS:
    events.TimerHandle = FifoTimerHandle


# asyncio.run cancels leftover tasks in all_tasks() order, a set's (arbitrary) order; tulip cancels
# them in creation order. Any order conforms: list them in creation order here too.
_task_seq = itertools.count()


def _task_factory(loop, coro, **kwargs):
    seq = next(_task_seq)  # (numbered before an eager first step, which may create tasks)
    t = asyncio.Task(coro, loop=loop, **kwargs)
    t._diff_seq = seq
    loop._ntasks += 1
    return t


def _eager_task_factory(loop, coro, **kwargs):
    # asyncio.eager_task_factory, numbered as _task_factory numbers the tasks (run.ts --eager)
    kwargs.setdefault('eager_start', True)
    return _task_factory(loop, coro, **kwargs)


_orig_all_tasks = asyncio.tasks.all_tasks


def _ordered_all_tasks(loop=None):
    return sorted(_orig_all_tasks(loop), key=lambda t: getattr(t, '_diff_seq', -1))


asyncio.tasks.all_tasks = _ordered_all_tasks


def _ordered_as_completed():
    # as_completed() watches set(aws): futures done already come out in set (memory) order.
    # tulip takes them in argument order; any order conforms: use argument order here too.
    import inspect
    import textwrap
    from asyncio import tasks
    cls = tasks._AsCompletedIterator
    src = textwrap.dedent(inspect.getsource(cls.__init__))
    old = '    todo = {ensure_future(aw, loop=loop) for aw in set(aws)}\n    for f in todo:'
    new = '    ordered = list(dict.fromkeys(ensure_future(aw, loop=loop) for aw in dict.fromkeys(aws)))\n    todo = set(ordered)\n    for f in ordered:'
    if old not in src:
        raise RuntimeError('cannot patch as_completed')
    ns = dict(vars(tasks))
    exec('class _AsCompletedIterator:\n' + textwrap.indent(src.replace(old, new), '    '), ns)
    cls.__init__ = ns['_AsCompletedIterator'].__dict__['__init__']


_ordered_as_completed()


class _OrderedSet(dict):
    """A set in insertion order (the methods TaskGroup uses on its _tasks)."""

    def add(self, x):
        self[x] = None

    def discard(self, x):
        self.pop(x, None)


def _ordered_taskgroup_tasks():
    # TaskGroup._abort() cancels its tasks in set (memory) order, so the order in which they
    # finish varies from run to run; tulip cancels in creation order. Any order conforms: use
    # creation order here too.
    from asyncio import taskgroups
    orig_init = taskgroups.TaskGroup.__init__

    def __init__(self, *a, **kw):
        orig_init(self, *a, **kw)
        self._tasks = _OrderedSet()

    taskgroups.TaskGroup.__init__ = __init__


_ordered_taskgroup_tasks()

# DESIGN §4: tulip's run() leaves no task pending. Like asyncio.run it cancels the leftovers once
# and runs the shutdown steps; then, where asyncio closes the loop over the tasks started
# meanwhile, it keeps cancelling until none is left. Runner.close() as in 3.13, plus those rounds.
from asyncio import runners as _runners
_orig_cancel_all = _runners._cancel_all_tasks


def _close_leaving_no_task(self):
    if self._state is not _runners._State.INITIALIZED:
        return
    try:
        loop = self._loop
        _orig_cancel_all(loop)
        loop.run_until_complete(loop.shutdown_asyncgens())
        loop.run_until_complete(loop.shutdown_default_executor(_runners.constants.THREAD_JOIN_TIMEOUT))
        while asyncio.tasks.all_tasks(loop):
            _orig_cancel_all(loop)
    finally:
        if self._set_event_loop:
            asyncio.events.set_event_loop(None)
        loop.close()
        self._loop = None
        self._state = _runners._State.CLOSED


_runners.Runner.close = _close_leaving_no_task


class Hang(Exception):
    pass


class VirtualSelector:
    def __init__(self, real, loop):
        self._real = real
        self._loop = loop

    def select(self, timeout=None):
        if timeout is None:
            raise Hang('every task is blocked and no timer is scheduled')
        if timeout > 0:
            self._loop._vtime = self._loop._scheduled[0]._when if self._loop._scheduled else self._loop._vtime + timeout
        return self._real.select(0)

    def __getattr__(self, name):
        return getattr(self._real, name)


class VirtualLoop(asyncio.SelectorEventLoop):
    def __init__(self):
        super().__init__()
        self._vtime = 0
        self._selector = VirtualSelector(self._selector, self)
        self.set_task_factory(_task_factory)

    def time(self):
        return self._vtime

    # A program that keeps the loop busy without time passing (a livelock) would run forever:
    # stop it as a hang (tulip's side hits the real-time hang limit then).
    MAX_PASSES = 20000
    _passes = 0
    _ntasks = 0

    MAX_READY = 20000  # (tasks multiplying every pass)
    MAX_TASKS = 50000

    def _run_once(self):
        self._passes += 1
        if self._passes > self.MAX_PASSES or len(self._ready) > self.MAX_READY or self._ntasks > self.MAX_TASKS:
            raise Hang('livelock: too many loop passes, callbacks or tasks')
        super()._run_once()


# Virtual ms after which the watchdog cancels the main task (ends deadlocked programs).
WATCHDOG = 100000


class Boom(Exception):
    pass


class TG315(asyncio.TaskGroup):
    """asyncio 3.13's TaskGroup plus 3.15's cancel() (CPython main's taskgroups.py), as tulip has it."""

    def __init__(self):
        super().__init__()
        self._cancel_on_enter = False

    async def __aenter__(self):
        r = await super().__aenter__()
        if self._cancel_on_enter:
            self.cancel()
        return r

    async def _aexit(self, et, exc):
        # 3.15's _aexit ends with `return True` (suppress the body's CancelledError that cancel()
        # caused); 3.13's falls through, which before cancel() existed could not happen with an
        # exception pending.
        await super()._aexit(et, exc)
        return True

    def cancel(self):
        if not self._entered:
            self._cancel_on_enter = True
            return
        if self._exiting and not self._tasks:
            return
        if not self._aborting:
            self._abort()
            if self._parent_task and not self._parent_cancel_requested:
                self._parent_cancel_requested = True
                self._parent_task.cancel()


def fname(f):
    n = getattr(f, '_diff_name', None)
    return n if n is not None else f.get_name()


TYPE_NAMES = {
    'CancelledError': 'CancelledError',
    'TimeoutError': 'TimeoutError',
    'QueueEmpty': 'QueueEmptyError',
    'QueueFull': 'QueueFullError',
    'QueueShutDown': 'QueueShutDownError',
    'ValueError': 'RangeError',
    'RuntimeError': 'RuntimeError',
    'InvalidStateError': 'InvalidStateError',
    'BrokenBarrierError': 'BrokenBarrierError',
    'Boom': 'Boom',
    'ExceptionGroup': 'ExceptionGroup',
    'BaseExceptionGroup': 'ExceptionGroup',
}


def desc_err(e):
    name = TYPE_NAMES.get(type(e).__name__, 'py:' + type(e).__name__)
    if isinstance(e, BaseExceptionGroup):
        return f'{name}({e})[' + ','.join(desc_err(x) for x in e.exceptions) + ']'
    msg = str(e)
    return f'{name}({msg})' if msg else name


def desc_val(v):
    if v is None:
        return 'None'
    if isinstance(v, bool):
        return 'true' if v else 'false'
    if isinstance(v, (list, tuple)):
        return '[' + ','.join(desc_val(x) for x in v) + ']'
    if isinstance(v, BaseException):
        return desc_err(v)
    return str(v)


def desc_state(f):
    if not f.done():
        return 'pending'
    if f.cancelled():
        return 'cancelled'
    e = f.exception()
    if e is not None:
        return 'error ' + desc_err(e)
    return 'ok ' + desc_val(f.result())


class Interp:
    def __init__(self, prog):
        self.prog = prog
        self.trace = []
        self.slots = {}
        self.t0 = 0
        p = prog.get('prims', {})
        self.locks = [asyncio.Lock() for _ in range(p.get('lock', 0))]
        self.events = [asyncio.Event() for _ in range(p.get('event', 0))]
        self.conds = [asyncio.Condition() for _ in range(p.get('cond', 0))]
        self.counters = [0 for _ in range(p.get('cond', 0))]
        self.sems = [asyncio.BoundedSemaphore(v) if b else asyncio.Semaphore(v) for (v, b) in p.get('sem', [])]
        self.barriers = [asyncio.Barrier(n) for n in p.get('barrier', [])]
        qs = []
        for kind, maxsize in p.get('queue', []):
            cls = {'fifo': asyncio.Queue, 'lifo': asyncio.LifoQueue, 'prio': asyncio.PriorityQueue}[kind]
            qs.append(cls(maxsize))
        self.queues = qs
        self.tgs = []  # stack of (who, TaskGroup): tgSpawn uses the innermost one of the current task
        self.tgmap = {}  # g -> TaskGroup (tg steps with g)
        self.handles = {}  # h -> Handle
        self.cbs = [self.shared_cb(c) for c in range(3)]

    def shared_cb(self, c):
        def cb(f):
            self.log('cb', f'cb{c} {fname(f)} {desc_state(f)}')
        return cb

    def act(self, st):
        """Runs a step that never waits from a loop callback (its coroutine completes in one send)."""
        coro = self.exec([st], 'act', [])
        try:
            coro.send(None)
        except StopIteration:
            return
        except Exception as e:
            self.log('act', f'error {desc_err(e)}')
            return
        coro.close()
        self.log('act', 'SUSPENDED')

    def timer_cb(self, kind, st):
        def cb():
            self.log(kind, st['l'])
            if st.get('act'):
                self.act(st['act'])
        return cb

    def aws(self, items, who):
        out = []
        last = None
        for x in items:
            if 'b' in x and x.get('same') and last is not None:
                out.append(last)
                continue
            a = self.aw(x, who)
            if 'b' in x:
                last = a
            out.append(a)
        return out

    frozen = False

    def log(self, who, text):
        if self.frozen:
            return
        t = asyncio.get_running_loop().time() - self.t0
        self.trace.append(f'{t:g} {who}: {text}')

    def done_cb(self, name):
        def cb(f):
            self.log('cb', f'{name} {desc_state(f)}')
        return cb

    def spawn(self, who, b, s, tg=None, cb=False, eager=False):
        name = f'S{s}'
        coro = self.body(b, name)
        if eager:  # 3.14's create_task(eager_start=True); 3.13 takes it on the Task itself
            t = _task_factory(asyncio.get_running_loop(), coro, name=name, eager_start=True)
        elif tg is not None:
            t = tg.create_task(coro, name=name)
        else:
            t = asyncio.create_task(coro, name=name)
        self.slots[s] = t
        if cb:
            t.add_done_callback(self.done_cb(name))
        return t

    async def body(self, b, who):
        return await self.exec(self.prog['bodies'][b], who, [])

    def aw(self, item, who):
        """An awaitable for a step's target: a slot's task or an inline body (a coroutine)."""
        if 's' in item:
            if item['s'] not in self.slots:
                raise Boom(f'missing S{item["s"]}')
            t = self.slots[item['s']]
            if self.prog.get('noSelf') and t is asyncio.current_task():
                raise Boom(f'self S{item["s"]}')
            return t
        return self.body(item['b'], f'{who}/b{item["b"]}')

    async def exec(self, steps, who, tgs):
        """Runs steps; a `ret` step returns its value. `tgs` is this code's stack of scopes
        (TaskGroups and Timeouts): tgSpawn uses the innermost TaskGroup, reschedule the innermost Timeout."""
        for st in steps:
            op = st['op']
            if op == 'log':
                self.log(who, st['l'])
            elif op == 'sleep':
                await asyncio.sleep(st['ms'])
            elif op == 'ret':
                return st['v']
            elif op == 'raise':
                raise Boom(st['m'])
            elif op == 'spawn':
                self.spawn(who, st['b'], st['s'], None, st.get('cb', False), st.get('eager', False))
            elif op == 'tgSpawn':
                groups = [x for x in tgs if isinstance(x, asyncio.TaskGroup)]
                self.spawn(who, st['b'], st['s'], groups[-1] if groups else None, st.get('cb', False))
            elif op == 'cancel':
                t = self.slots.get(st['s'])
                if t is None:
                    self.log(who, f'cancel S{st["s"]} missing')
                elif self.prog.get('noSelf') and t is asyncio.current_task():
                    self.log(who, f'cancel S{st["s"]} self skipped')
                else:
                    r = t.cancel(st['m']) if st.get('m') is not None else t.cancel()
                    self.log(who, f'cancel S{st["s"]} -> {desc_val(r)}')
            elif op == 'await':
                r = await self.aw(st, who)
                self.log(who, f'await -> {desc_val(r)}')
            elif op == 'state':
                t = self.slots.get(st['s'])
                self.log(who, f'state S{st["s"]} {desc_state(t) if t is not None else "missing"}')
            elif op == 'cancelling':
                self.log(who, f'cancelling {asyncio.current_task().cancelling()}')
            elif op == 'uncancel':
                self.log(who, f'uncancel -> {asyncio.current_task().uncancel()}')
            elif op == 'ticker':
                async def ticker(n):
                    for i in range(n):
                        self.log('tick', str(i))
                        await asyncio.sleep(0)
                asyncio.create_task(ticker(st['n']), name='tick')
            elif op == 'reschedule':
                tms = [x for x in tgs if isinstance(x, asyncio.Timeout)]
                if not tms:
                    self.log(who, 'reschedule nothing')
                else:
                    d = st.get('d')
                    tms[-1].reschedule(None if d is None else asyncio.get_running_loop().time() + d)
                    self.log(who, f'rescheduled expired={desc_val(tms[-1].expired())}')
            elif op == 'asCompleted':
                me = asyncio.current_task() if self.prog.get('noSelf') else None
                fs = [self.slots[s] for s in st['ss'] if s in self.slots and self.slots[s] is not me]
                if not fs:
                    self.log(who, 'asCompleted nothing')
                    continue
                if st.get('aiter'):
                    async for f in asyncio.as_completed(fs, timeout=st.get('to')):
                        try:
                            r = await f
                            self.log(who, f'asCompleted -> ok {desc_val(r)}')
                        except Exception as e:
                            self.log(who, f'asCompleted -> {desc_err(e)}')
                else:
                    for c in asyncio.as_completed(fs, timeout=st.get('to')):
                        try:
                            r = await c
                            self.log(who, f'asCompleted -> ok {desc_val(r)}')
                        except Exception as e:
                            self.log(who, f'asCompleted -> {desc_err(e)}')
            elif op == 'callSoon':
                h = asyncio.get_running_loop().call_soon(self.timer_cb('soon', st))
                if st.get('h') is not None:
                    self.handles[st['h']] = h
            elif op == 'callLater':
                loop = asyncio.get_running_loop()
                if st.get('at'):
                    h = loop.call_at(loop.time() + st['ms'], self.timer_cb('timer', st))
                else:
                    h = loop.call_later(st['ms'], self.timer_cb('timer', st))
                if st.get('h') is not None:
                    self.handles[st['h']] = h
            elif op == 'hCancel':
                h = self.handles.get(st['h'])
                if h is None:
                    self.log(who, f'hCancel H{st["h"]} missing')
                else:
                    before = h.cancelled()
                    h.cancel()
                    self.log(who, f'hCancel H{st["h"]} {desc_val(before)}->{desc_val(h.cancelled())}')
            elif op == 'newFut':
                f = asyncio.get_running_loop().create_future()
                f._diff_name = f'S{st["s"]}'
                self.slots[st['s']] = f
            elif op == 'futSet' or op == 'futErr':
                f = self.slots.get(st['s'])
                if f is None:
                    raise Boom(f'missing S{st["s"]}')
                if op == 'futSet':
                    f.set_result(st['v'])
                    self.log(who, f'futSet S{st["s"]} {st["v"]}')
                else:
                    f.set_exception(Boom(st['m']))
                    self.log(who, f'futErr S{st["s"]} {st["m"]}')
            elif op == 'gatherF':
                f = asyncio.gather(*self.aws(st['items'], who), return_exceptions=st.get('re', False))
                f._diff_name = f'S{st["s"]}'
                self.slots[st['s']] = f
            elif op == 'shieldF':
                t = st['t']
                f = asyncio.shield(self.aw(t, who))
                same = 's' in t and f is self.slots[t['s']]
                if not same:
                    f._diff_name = f'S{st["s"]}'
                self.slots[st['s']] = f
                self.log(who, f'shieldF S{st["s"]} {"same" if same else "outer"}')
            elif op == 'addCb' or op == 'rmCb':
                f = self.slots.get(st['s'])
                if f is None:
                    self.log(who, f'{op} S{st["s"]} missing')
                elif op == 'addCb':
                    f.add_done_callback(self.cbs[st['c']])
                else:
                    n = f.remove_done_callback(self.cbs[st['c']])
                    self.log(who, f'rmCb S{st["s"]} c{st["c"]} -> {n}')
            elif op == 'expired':
                tms = [x for x in tgs if isinstance(x, asyncio.Timeout)]
                if not tms:
                    self.log(who, 'expired nothing')
                else:
                    w = tms[-1].when()
                    self.log(who, f'expired={desc_val(tms[-1].expired())} when={"None" if w is None else f"{w - self.t0:g}"}')
            elif op == 'tgAdd':
                tg = self.tgmap.get(st['g'])
                if tg is None:
                    self.log(who, f'tgAdd G{st["g"]} missing')
                else:
                    self.spawn(who, st['b'], st['s'], tg, False)
                    self.log(who, f'tgAdd G{st["g"]} S{st["s"]}')
            elif op == 'tgCancel':
                tg = self.tgmap.get(st['g'])
                if tg is None:
                    self.log(who, f'tgCancel G{st["g"]} missing')
                else:
                    tg.cancel()
                    self.log(who, f'tgCancel G{st["g"]}')
            elif op == 'gather':
                aws = self.aws(st['items'], who)
                r = await asyncio.gather(*aws, return_exceptions=st.get('re', False))
                self.log(who, f'gather -> {desc_val(list(r))}')
            elif op == 'wait':
                me = asyncio.current_task() if self.prog.get('noSelf') else None
                fs = [self.slots[s] for s in st['ss'] if s in self.slots and self.slots[s] is not me]
                if not fs:
                    self.log(who, 'wait nothing')
                    continue
                done, pending = await asyncio.wait(fs, timeout=st.get('to'), return_when=st['rw'])
                names = lambda xs: ','.join(sorted(fname(x) for x in xs))
                self.log(who, f'wait -> done=[{names(done)}] pending=[{names(pending)}]')
            elif op == 'waitFor':
                r = await asyncio.wait_for(self.aw(st, who), st.get('to'))
                self.log(who, f'waitFor -> {desc_val(r)}')
            elif op == 'shield':
                r = await asyncio.shield(self.aw(st, who))
                self.log(who, f'shield -> {desc_val(r)}')
            elif op == 'timeout':
                ms = st.get('ms')
                if st.get('at'):
                    cmgr = asyncio.timeout_at(None if ms is None else asyncio.get_running_loop().time() + ms)
                else:
                    cmgr = asyncio.timeout(ms)
                async with cmgr as cm:
                    try:
                        r = await self.exec(st['body'], who, tgs + [cm])
                    finally:
                        self.log(who, f'timeout body end expired={desc_val(cm.expired())}')
                    if r is not None:
                        return r
                self.log(who, 'timeout exit')
            elif op == 'try':
                try:
                    r = await self.exec(st['body'], who, tgs)
                    if r is not None:
                        return r
                except BaseException as e:
                    kind = st.get('catch')
                    is_cancel = isinstance(e, asyncio.CancelledError)
                    if kind == 'any' or (kind == 'cancel' and is_cancel) or (kind == 'error' and isinstance(e, Exception)):
                        self.log(who, f'caught {desc_err(e)}')
                        if st.get('rethrow'):
                            raise
                    else:
                        raise
                finally:
                    if st.get('fin') is not None:
                        self.log(who, 'finally')
                        await self.exec(st['fin'], who, tgs)
            elif op == 'tg':
                tg = TG315()
                if st.get('g') is not None:
                    self.tgmap[st['g']] = tg
                r = None  # (a group cancelled by tg.cancel() exits without its body's result)
                async with tg:
                    r = await self.exec(st['body'], who, tgs + [tg])
                self.log(who, 'tg exit')
                if r is not None:
                    return r
            elif op == 'lock':
                async with self.locks[st['i']]:
                    r = await self.exec(st['body'], who, tgs)
                if r is not None:
                    return r
            elif op == 'sem':
                async with self.sems[st['i']]:
                    r = await self.exec(st['body'], who, tgs)
                if r is not None:
                    return r
            elif op == 'acquire':
                prim = self.prim(st)
                r = await prim.acquire()
                self.log(who, f'acquired {st["k"]}{st["i"]}')
            elif op == 'release':
                self.prim(st).release()
                self.log(who, f'released {st["k"]}{st["i"]}')
            elif op == 'locked':
                self.log(who, f'locked {st["k"]}{st["i"]} {desc_val(self.prim(st).locked())}')
            elif op == 'evWait':
                r = await self.events[st['i']].wait()
                self.log(who, f'evWait -> {desc_val(r)}')
            elif op == 'evSet':
                self.events[st['i']].set()
            elif op == 'evClear':
                self.events[st['i']].clear()
            elif op == 'condWait':
                c = self.conds[st['i']]
                async with c:
                    r = await c.wait()
                    self.log(who, f'condWait -> {desc_val(r)}')
            elif op == 'condWaitFor':
                c = self.conds[st['i']]
                i, k = st['i'], st['k']
                async with c:
                    r = await c.wait_for(lambda: self.counters[i] >= k)
                    self.log(who, f'condWaitFor -> {desc_val(r)}')
            elif op == 'condNotify':
                c = self.conds[st['i']]
                async with c:
                    if st.get('bump'):
                        self.counters[st['i']] += 1
                    if st.get('n') is None:
                        c.notify_all()
                    else:
                        c.notify(st['n'])
            elif op == 'barWait':
                r = await self.barriers[st['i']].wait()
                self.log(who, f'barWait -> {r}')
            elif op == 'barReset':
                await self.barriers[st['i']].reset()
                self.log(who, 'barReset')
            elif op == 'barAbort':
                await self.barriers[st['i']].abort()
                self.log(who, 'barAbort')
            elif op == 'barState':
                b = self.barriers[st['i']]
                self.log(who, f'barrier n_waiting={b.n_waiting} broken={desc_val(b.broken)}')
            elif op == 'put':
                await self.queues[st['q']].put(st['v'])
                self.log(who, f'put {st["v"]}')
            elif op == 'putNowait':
                self.queues[st['q']].put_nowait(st['v'])
                self.log(who, f'putNowait {st["v"]}')
            elif op == 'get':
                r = await self.queues[st['q']].get()
                self.log(who, f'get -> {desc_val(r)}')
            elif op == 'getNowait':
                r = self.queues[st['q']].get_nowait()
                self.log(who, f'getNowait -> {desc_val(r)}')
            elif op == 'taskDone':
                self.queues[st['q']].task_done()
                self.log(who, 'taskDone')
            elif op == 'join':
                await self.queues[st['q']].join()
                self.log(who, 'join')
            elif op == 'shutdown':
                self.queues[st['q']].shutdown(st.get('imm', False))
                self.log(who, 'shutdown')
            elif op == 'qsize':
                q = self.queues[st['q']]
                self.log(who, f'qsize {q.qsize()} empty={desc_val(q.empty())} full={desc_val(q.full())}')
            else:
                raise Exception('unknown op ' + op)
        return None

    def prim(self, st):
        return {'lock': self.locks, 'sem': self.sems, 'cond': self.conds}[st['k']][st['i']]

    async def root(self):
        loop = asyncio.get_running_loop()
        if self.prog.get('eager'):
            loop.set_task_factory(_eager_task_factory)
        self.t0 = loop.time()
        me = asyncio.current_task()

        async def watchdog():
            await asyncio.sleep(WATCHDOG)
            self.log('wd', 'WATCHDOG')
            me.cancel('watchdog')

        wd = asyncio.create_task(watchdog(), name='wd')
        try:
            r = await self.exec(self.prog['main'], 'M', [])
            self.log('M', f'main -> {desc_val(r)}')
        finally:
            wd.cancel()
            for s in sorted(self.slots):
                self.log('M', f'final S{s} {desc_state(self.slots[s])}')
        return r


def run_program(prog):
    interp = Interp(prog)
    reports = []

    def handler(loop, ctx):
        e = ctx.get('exception')
        reports.append(ctx.get('message', '') + (' ' + desc_err(e) if e is not None else ''))

    outcome = None
    runner = asyncio.Runner(loop_factory=VirtualLoop)
    try:
        runner.get_loop().set_exception_handler(handler)
        r = runner.run(interp.root())
        outcome = 'ok ' + desc_val(r)
    except Hang as e:
        # tulip's run() stays stuck here; asyncio's Runner.close() would go on cancelling tasks.
        interp.frozen = True
        outcome = 'HANG'
    except BaseException as e:
        if isinstance(e, (KeyboardInterrupt, SystemExit)):
            raise
        outcome = 'error ' + desc_err(e)
    finally:
        try:
            runner.close()
        except Hang:
            interp.frozen = True
            outcome = (outcome or '') + ' HANG-at-shutdown'
        except BaseException as e:
            outcome = (outcome or '') + ' close-error ' + desc_err(e)
    # Shutdown logs of leftover tasks (asyncio.run cancels them after main ends) land in the trace too.
    interp.slots.clear()
    gc.collect()
    return {'trace': interp.trace, 'outcome': outcome, 'reports': reports}


def main():
    for line in sys.stdin:
        line = line.strip()
        if not line:
            continue
        prog = json.loads(line)
        try:
            res = run_program(prog)
        except BaseException as e:  # a bug in this interpreter
            res = {'trace': [], 'outcome': 'INTERP-ERROR ' + repr(e), 'reports': []}
        sys.stdout.write(json.dumps(res) + '\n')
        sys.stdout.flush()


if __name__ == '__main__':
    main()

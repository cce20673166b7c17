// Adversarial review of the EventLoop API against CPython 3.13 asyncio's BaseEventLoop
// (Lib/asyncio/base_events.py, events.py). Every expectation was checked with the pure-Python 3.13
// asyncio (probes quoted above each test, seconds turned into milliseconds); pass counts come from
// a `loop.call_soon` chain started first, as `ticker()` in eventloop.review.helpers.ts.
//
// This part: the loop's settings: errors thrown by callbacks and the exception handler, debug,
// slowCallbackDuration, time() and createFuture(), and the task factory.
import { describe, expect, it } from 'vitest';
import { EventLoop, Task, TaskGroup, createTask, newEventLoop, type ExceptionContext, type TaskBody } from 'tulip';
import { STYLES, ValueError, KeyError, recordExceptions, syncError } from './helpers.js';
import { after } from './eventloop.review.helpers.js';

// ---- errors in callbacks ------------------------------------------------------------------------

describe('an error thrown by a callback (Handle._run)', () => {
  // asyncio: the handler gets (loop, ctx) with sorted keys ['exception', 'handle', 'message'],
  // message 'Exception in callback …', ctx['handle'] is the handle; the next callback still runs.
  it('goes to the exception handler with message, exception and the handle, and the rest of the pass still runs', async () => {
    const loop = newEventLoop();
    const seen: [EventLoop, ExceptionContext][] = [];
    loop.setExceptionHandler((l, ctx) => seen.push([l, ctx]));
    const err = new ValueError('x');
    const h = loop.callSoon(() => {
      throw err;
    });
    let next = false;
    loop.callSoon(() => (next = true));
    const th = loop.callLater(0, () => {
      throw err;
    });
    loop.callLater(1, () => loop.stop());
    await loop.runForever();
    loop.close();
    expect(next).toBe(true);
    expect(seen).toHaveLength(2);
    expect(seen[0]![0]).toBe(loop);
    expect(Object.keys(seen[0]![1]).sort()).toEqual(['exception', 'handle', 'message']);
    expect(seen[0]![1].message).toMatch(/^Exception in callback /);
    expect(seen[0]![1].exception).toBe(err);
    expect(seen[0]![1].handle).toBe(h);
    expect(seen[1]![1].handle).toBe(th);
    expect(seen[1]![1].message).toMatch(/^Exception in callback /);
  });
});

describe('the exception handler (BaseEventLoop.set_exception_handler / call_exception_handler)', () => {
  // asyncio: get_exception_handler() → None by default; the one set; None again after
  // set_exception_handler(None); set_exception_handler(1) → TypeError.
  it('getExceptionHandler() is null by default, returns the handler set, null again after setExceptionHandler(null); a non-function is refused with TypeError', () => {
    const loop = newEventLoop();
    expect(loop.getExceptionHandler()).toBeNull();
    const handler = (): void => {};
    loop.setExceptionHandler(handler);
    expect(loop.getExceptionHandler()).toBe(handler);
    expect(syncError(() => loop.setExceptionHandler(1 as never))).toBeInstanceOf(TypeError);
    expect(loop.getExceptionHandler()).toBe(handler);
    loop.setExceptionHandler(null);
    expect(loop.getExceptionHandler()).toBeNull();
    loop.close();
  });

  // asyncio (a loop subclass overriding default_exception_handler to record):
  // custom handler raises KeyError → default_exception_handler({'message': 'Unhandled error in
  // exception handler', 'exception': KeyError, 'context': {'message': 'orig'}}); with no custom
  // handler, call_exception_handler({'message': 'plain'}) → default gets {'message': 'plain'}.
  it('an error thrown by the custom handler goes to defaultExceptionHandler as "Unhandled error in exception handler" with the original context', () => {
    const got: ExceptionContext[] = [];
    class Recording extends EventLoop {
      override defaultExceptionHandler(ctx: ExceptionContext): void {
        got.push(ctx);
      }
    }
    const loop = new Recording();
    const boom = new KeyError('k');
    loop.setExceptionHandler(() => {
      throw boom;
    });
    const orig = { message: 'orig' };
    loop.callExceptionHandler(orig);
    expect(got).toHaveLength(1);
    expect(got[0]!.message).toBe('Unhandled error in exception handler');
    expect(got[0]!.exception).toBe(boom);
    expect((got[0] as unknown as { context: unknown }).context).toBe(orig);
    loop.setExceptionHandler(null);
    const plain = { message: 'plain' };
    loop.callExceptionHandler(plain);
    expect(got[1]).toBe(plain);
    loop.close();
  });

  // asyncio: a closed loop still calls its handler: call_exception_handler({'message': 'm'}) → ok.
  it('a closed loop still reports through its exception handler', () => {
    const loop = newEventLoop();
    const seen = recordExceptions(loop);
    loop.close();
    loop.callExceptionHandler({ message: 'm' });
    expect(seen.map((c) => c.message)).toEqual(['m']);
  });
});

// ---- settings and factories ---------------------------------------------------------------------

describe('debug, slow callbacks, time, createFuture (BaseEventLoop)', () => {
  // asyncio: get_debug() → False, slow_callback_duration → 0.1 (100 ms); set_debug(True) →
  // get_debug() True; create_future().get_loop() is the loop, not done; time() non-decreasing.
  it('debug is off by default and setDebug() switches it; slowCallbackDuration defaults to 100 ms; time() never goes back; createFuture() makes a pending future of the loop', () => {
    const loop = newEventLoop();
    expect(loop.getDebug()).toBe(false);
    expect(loop.slowCallbackDuration).toBe(100);
    loop.setDebug(true);
    expect(loop.getDebug()).toBe(true);
    loop.setDebug(false);
    expect(loop.getDebug()).toBe(false);
    let last = loop.time();
    for (let i = 0; i < 1000; i++) {
      const t = loop.time();
      expect(t).toBeGreaterThanOrEqual(last);
      last = t;
    }
    const f = loop.createFuture();
    expect(f.getLoop()).toBe(loop);
    expect(f.done()).toBe(false);
    loop.close();
  });
});

describe('the task factory (BaseEventLoop.set_task_factory / create_task)', () => {
  // asyncio: get_task_factory() → None; after set_task_factory(fac) → fac; set_task_factory(5) →
  // TypeError and fac kept; set_task_factory(None) → None.
  it('getTaskFactory() is null by default, returns the factory set, keeps it when a non-function is refused, and is null after setTaskFactory(null)', () => {
    const loop = newEventLoop();
    expect(loop.getTaskFactory()).toBeNull();
    const fac = <T,>(l: EventLoop, body: TaskBody<T>): Task<T> => new Task(body, { loop: l });
    loop.setTaskFactory(fac);
    expect(loop.getTaskFactory()).toBe(fac);
    expect(syncError(() => loop.setTaskFactory(5 as never))).toBeInstanceOf(TypeError);
    expect(loop.getTaskFactory()).toBe(fac);
    loop.setTaskFactory(null);
    expect(loop.getTaskFactory()).toBeNull();
    loop.close();
  });

  for (const style of STYLES) {
    // asyncio 3.13 create_task(): `task = self._task_factory(self, coro, **kwargs);
    // task.set_name(name)`. Probe: a factory that makes Task(coro, loop=loop, name='fromfactory')
    // → create_task(c(), name='given').get_name() → 'given'; the factory was called with (loop,
    // coro) and no name keyword.
    it(`loop.createTask(${style} body, { name }) names the task made by a factory that ignores the options`, async () => {
      const loop = newEventLoop();
      const calls: unknown[] = [];
      loop.setTaskFactory(<T,>(l: EventLoop, body: TaskBody<T>) => {
        calls.push(l === loop);
        return new Task(body, { loop: l, name: 'fromfactory' });
      });
      const t = loop.createTask(after(style, 1, 3), { name: 'given' });
      expect(calls).toEqual([true]);
      expect(await loop.runUntilComplete(t)).toBe(3);
      loop.close();
      expect(t.getName()).toBe('given');
    });
  }
});

describe('the task factory and the other ways to name a task (tasks.create_task, TaskGroup.create_task)', () => {
  for (const style of STYLES) {
    // asyncio probe, with a factory making Task(coro, loop=loop, name='fac', **kw): inside the
    // loop, asyncio.create_task(c(), name='mod').get_name() → 'mod' and
    // TaskGroup().create_task(c(), name='tg').get_name() → 'tg' (both go through
    // loop.create_task(), which calls task.set_name(name) on the factory's task).
    it(`createTask() and TaskGroup.createTask() with { name } name the ${style} task a factory made without reading the options`, async () => {
      const loop = newEventLoop();
      loop.setTaskFactory(<T,>(l: EventLoop, body: TaskBody<T>) => new Task(body, { loop: l, name: 'fac' }));
      const names = await loop.runUntilComplete(async () => {
        const t = createTask(after(style, 0, 1), { name: 'mod' });
        await t;
        let t2: Task<number> | undefined;
        await new TaskGroup().run(async (g) => {
          t2 = g.createTask(after(style, 0, 1), { name: 'tg' });
        });
        return [t.getName(), t2!.getName()];
      });
      loop.close();
      expect(names).toEqual(['mod', 'tg']);
    });
  }
});

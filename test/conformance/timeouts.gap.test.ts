// Gap ports of CPython 3.13 Lib/test/test_asyncio/test_timeouts.py: the behaviours of that file that
// no other test of the suite checked yet — the repr tests (tulip's Timeout.toString mirrors
// asyncio's repr; test/timeouts.test.ts pins tulip's own format). Everything else in
// test_timeouts.py is covered by timeout*.test.ts and the shared suite.
import { describe, expect, it } from 'vitest';
import { RuntimeError, TimeoutError, getRunningLoop, newEventLoop, sleep, timeout, timeoutAt } from 'tulip';
import { HOUR, STYLES, rejection, rejectionG, runVirtual, styled } from './helpers.js';

describe('Timeout.toString', () => {
  // ports test_timeouts.py::TimeoutTests.test_repr_active and test_repr_disabled
  for (const style of STYLES) {
    it(`inside the block it shows [active] with the deadline, or when=null for no deadline (${style})`, () =>
      runVirtual(
        styled(
          style,
          function* () {
            yield* sleep(1234.5); // the clock off zero, with a fraction
            const at = getRunningLoop().time() + 10_000;
            yield* timeout(10_000).run(function* (cm) {
              expect(String(cm)).toBe(`<Timeout [active] when=${at}>`);
              expect(String(cm)).toMatch(/^<Timeout \[active\] when=\d+(\.\d*)?>$/);
              cm.reschedule(null);
              expect(String(cm)).toBe('<Timeout [active] when=null>');
              yield* sleep(0);
            });
            yield* timeout(null).run(function* (cm) {
              expect(String(cm)).toBe('<Timeout [active] when=null>');
              yield* sleep(0);
            });
            yield* timeoutAt(null).run(function* (cm) {
              expect(String(cm)).toBe('<Timeout [active] when=null>');
            });
          },
          async () => {
            await sleep(1234.5);
            const at = getRunningLoop().time() + 10_000;
            await timeout(10_000).run(async (cm) => {
              expect(String(cm)).toBe(`<Timeout [active] when=${at}>`);
              expect(String(cm)).toMatch(/^<Timeout \[active\] when=\d+(\.\d*)?>$/);
              cm.reschedule(null);
              expect(String(cm)).toBe('<Timeout [active] when=null>');
              await sleep(0);
            });
            await timeout(null).run(async (cm) => {
              expect(String(cm)).toBe('<Timeout [active] when=null>');
              await sleep(0);
            });
            await timeoutAt(null).run(async (cm) => {
              expect(String(cm)).toBe('<Timeout [active] when=null>');
            });
          },
        ),
      ));
  }

  // ports test_timeouts.py::TimeoutTests.test_repr_expired and test_repr_finished (the state part)
  for (const style of STYLES) {
    it(`after the block it shows [expired] when the deadline fired and [finished] when it did not (${style})`, () =>
      runVirtual(
        styled(
          style,
          function* () {
            const expired = timeout(10);
            const e = yield* rejectionG(
              expired.run(function* () {
                yield* sleep(HOUR);
              }),
            );
            expect(e).toBeInstanceOf(TimeoutError);
            expect(String(expired)).toMatch(/^<Timeout \[expired\]/);
            const finished = timeout(HOUR);
            yield* finished.run(function* () {
              yield* sleep(0);
            });
            expect(String(finished)).toMatch(/^<Timeout \[finished\]/);
          },
          async () => {
            const expired = timeout(10);
            const e = await rejection(
              expired.run(async () => {
                await sleep(HOUR);
              }),
            );
            expect(e).toBeInstanceOf(TimeoutError);
            expect(String(expired)).toMatch(/^<Timeout \[expired\]/);
            const finished = timeout(HOUR);
            await finished.run(async () => {
              await sleep(0);
            });
            expect(String(finished)).toMatch(/^<Timeout \[finished\]/);
          },
        ),
      ));
  }

  // ports test_timeouts.py::TimeoutTests.test_repr_expired and test_repr_finished (the exact text)
  // asyncio shows `when=` only while the timeout is active ("<Timeout [expired]>",
  // "<Timeout [finished]>", "<Timeout [created]>").
  it('outside the block the text carries no deadline: <Timeout [created]>, <Timeout [expired]>, <Timeout [finished]>', () =>
    runVirtual(async () => {
      const expired = timeout(10);
      expect(String(expired)).toBe('<Timeout [created]>');
      await rejection(expired.run(async () => sleep(HOUR)));
      expect(String(expired)).toBe('<Timeout [expired]>');
      const finished = timeout(HOUR);
      await finished.run(async () => sleep(0));
      expect(String(finished)).toBe('<Timeout [finished]>');
    }));
});

describe('a timeout awaited outside a task', () => {
  // ports test_timeouts.py::TimeoutTests.test_timeout_without_task (asyncio's await_without_task:
  // the block is entered from a plain loop callback)
  it('is refused with a RuntimeError about the task, and the timeout stays not entered', async () => {
    const loop = newEventLoop();
    let cm: ReturnType<typeof timeout> | undefined;
    let entered: Promise<unknown> | undefined;
    loop.callSoon(() => {
      cm = timeout(10); // timeout() reads the running loop's clock, as asyncio's does
      entered = cm.run(async () => 1).then((v) => v);
      loop.stop();
    });
    await loop.runForever();
    const e = await rejection(entered!);
    expect(e).toBeInstanceOf(RuntimeError);
    expect((e as Error).message).toMatch(/task/);
    expect((e as Error).message).toMatch(/Timeout should be used inside a task/);
    expect(() => cm!.reschedule(20)).toThrow(/has not been entered/);
    loop.close();
  });
});

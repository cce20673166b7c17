// Type-level test: tulip's exports are assignable to the contract's declarations
// (../shared/contract/tulip.d.ts, `declare module 'tulip'`). It is type-checked, never run:
// `npm test` runs `tsc -p test/contract` when ../shared is present (scripts/check-contract.mjs).
import type * as C from 'tulip';
import type * as CT from 'tulip/testing';
import * as impl from '../../src/index.js';
import * as implTesting from '../../src/testing/index.js';

/** Compiles only when `A` is assignable to `B`. */
function assignable<B>(_a: B): void {}

// Functions and constants: the whole value surface of the module, export by export.
assignable<typeof C.run>(impl.run);
assignable<typeof C.getRunningLoop>(impl.getRunningLoop);
assignable<typeof C.newEventLoop>(impl.newEventLoop);
assignable<typeof C.createTask>(impl.createTask);
assignable<typeof C.currentTask>(impl.currentTask);
assignable<typeof C.allTasks>(impl.allTasks);
assignable<typeof C.ensureFuture>(impl.ensureFuture);
assignable<typeof C.isFuture>(impl.isFuture);
assignable<typeof C.isCoroutine>(impl.isCoroutine);
assignable<typeof C.sleep>(impl.sleep);
assignable<typeof C.gather>(impl.gather);
assignable<typeof C.FIRST_COMPLETED>(impl.FIRST_COMPLETED);
assignable<typeof C.FIRST_EXCEPTION>(impl.FIRST_EXCEPTION);
assignable<typeof C.ALL_COMPLETED>(impl.ALL_COMPLETED);
assignable<typeof C.wait>(impl.wait);
assignable<typeof C.waitFor>(impl.waitFor);
assignable<typeof C.asCompleted>(impl.asCompleted);
assignable<typeof C.shield>(impl.shield);
assignable<typeof C.timeout>(impl.timeout);
assignable<typeof C.timeoutAt>(impl.timeoutAt);
assignable<typeof C.toThread>(impl.toThread);
assignable<typeof C.isCancelledError>(impl.isCancelledError);

// Classes: the constructor (static side) where the contract declares one, and the instances.
assignable<typeof C.Runner>(impl.Runner);
assignable<typeof C.Future>(impl.Future);
assignable<typeof C.TaskGroup>(impl.TaskGroup);
assignable<typeof C.CancelledError>(impl.CancelledError);
assignable<typeof C.TimeoutError>(impl.TimeoutError);
assignable<typeof C.InvalidStateError>(impl.InvalidStateError);
assignable<typeof C.RuntimeError>(impl.RuntimeError);
assignable<typeof C.ExceptionGroup>(impl.ExceptionGroup);
assignable<typeof C.QueueEmptyError>(impl.QueueEmptyError);
assignable<typeof C.QueueFullError>(impl.QueueFullError);
assignable<typeof C.QueueShutDownError>(impl.QueueShutDownError);
assignable<typeof C.BrokenBarrierError>(impl.BrokenBarrierError);
assignable<C.EventLoop>(null as unknown as impl.EventLoop);
assignable<C.Handle>(null as unknown as impl.Handle);
assignable<C.TimerHandle>(null as unknown as impl.TimerHandle);
assignable<C.Future<number>>(null as unknown as impl.Future<number>);
// Task: instances only — the contract's Task inherits Future's no-argument constructor, but a
// task needs its body (`createTask(body)`, `new Task(body)`).
assignable<C.Task<number>>(null as unknown as impl.Task<number>);
assignable<C.Timeout>(null as unknown as impl.Timeout);
assignable<C.IncompleteReadError>(null as unknown as impl.IncompleteReadError);
assignable<C.LimitOverrunError>(null as unknown as impl.LimitOverrunError);

// Types.
assignable<C.Coroutine<number>>(null as unknown as impl.Coroutine<number>);
assignable<C.TaskBody<number>>(null as unknown as impl.TaskBody<number>);
assignable<C.Awaitable<number>>(null as unknown as impl.Awaitable<number>);
assignable<C.ExceptionContext>(null as unknown as impl.ExceptionContext);
// A callback type is checked the other way round: a handler written against the contract's types
// must be accepted where tulip takes one.
assignable<impl.ExceptionHandler>(null as unknown as C.ExceptionHandler);
assignable<C.Clock>(null as unknown as impl.Clock);
assignable<C.AsCompletedIterator<number>>(null as unknown as impl.AsCompletedIterator<number>);

// tulip/testing.
assignable<typeof CT.MockClock>(implTesting.MockClock);
assignable<typeof CT.waitAllTasksBlocked>(implTesting.waitAllTasksBlocked);
assignable<typeof CT.runBriefly>(implTesting.runBriefly);

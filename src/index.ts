/**
 * tulip — asyncio for TypeScript: an event loop, futures, tasks with real cancellation, task
 * groups, timeouts and combinators, usable from generator coroutines (`function*` + `yield*`) and
 * from async functions alike.
 *
 * @module
 */
export {
  CancelledError,
  TimeoutError,
  KeyboardInterruptError,
  InvalidStateError,
  RuntimeError,
  ExceptionGroup,
  QueueEmptyError,
  QueueFullError,
  QueueShutDownError,
  BrokenBarrierError,
  IncompleteReadError,
  LimitOverrunError,
  isCancelledError,
} from './errors.js';
export { EventLoop, newEventLoop, type LoopOptions } from './loop/eventloop.js';
export { LoopServices, type Executor, type TaskFactory } from './loop/services.js';
export { type Instrument } from './loop/instruments.js';
export { type LagStats } from './loop/monitor.js';
export { Handle, TimerHandle } from './loop/handle.js';
export { type Clock, RealClock } from './loop/clock.js';
export { type ExceptionContext, type ExceptionHandler } from './loop/exceptions.js';
export { getRunningLoop } from './loop/registry.js';
export { run, Runner, type RunOptions } from './loop/runners.js';
export { Future } from './future.js';
export {
  Task,
  createTask,
  eagerTaskFactory,
  createEagerTaskFactory,
  type TaskConstructor,
  currentTask,
  allTasks,
  ensureFuture,
  isFuture,
  isCoroutine,
  type Coroutine,
  type TaskBody,
  type Awaitable,
  type TaskOptions,
  type RunContext,
  type ContextLike,
} from './task.js';
export {
  sleep,
  gather,
  wait,
  FIRST_COMPLETED,
  FIRST_EXCEPTION,
  ALL_COMPLETED,
  type AwaitedOf,
} from './combinators.js';
export { shield } from './shield.js';
export { asCompleted, type AsCompletedIterator } from './ascompleted.js';
export { staggeredRace, type StaggeredResult, type Attempt } from './staggered.js';
export { Timeout, timeout, timeoutAt, waitFor } from './timeouts.js';
export { TaskGroup, TaskStatus, TASK_STATUS_IGNORED } from './taskgroup.js';
export { CancelScope, moveOnAfter, moveOnAt, failAfter, failAt, type CancelScopeOptions } from './cancelscope.js';
export { toThread } from './threads.js';
export {
  ThreadPoolExecutor,
  ProcessPoolExecutor,
  type ProcessPoolOptions,
  type SubmitOptions,
  type ThreadPoolOptions,
  type ThreadPoolShutdownOptions,
} from './executor/index.js';

// ---- streams, transports and protocols (over node:net, node:tls, node:dgram) ---------------------------------------------------
export { ConnectionAbortedError, ConnectionResetError } from './errors.js';
export {
  DEFAULT_LIMIT,
  StreamReader,
  StreamWriter,
  Server,
  openConnection,
  openUnixConnection,
  startServer,
  startUnixServer,
  type StreamReaderOptions,
  type BytesLike,
  type OpenConnectionOptions,
  type OpenUnixConnectionOptions,
  type ClientConnected,
  type StartServerOptions,
  type StartTlsOptions,
  BaseTransport,
  FlowControlTransport,
  Transport,
  DatagramTransport,
  BaseProtocol,
  Protocol,
  BufferedProtocol,
  DatagramProtocol,
  StreamReaderProtocol,
  type Address,
  type BaseProtocolLike,
  type ProtocolLike,
  type BufferedProtocolLike,
  type DatagramProtocolLike,
  type ProtocolFactory,
  type StreamProtocol,
  type CreateConnectionOptions,
  type CreateServerOptions,
  type DatagramEndpointOptions,
  type ReadTransport,
  type WriteTransport,
  type StartTlsTransportOptions,
  type AddrInfo,
  type GetAddrInfoOptions,
} from './streams/index.js';

// ---- subprocesses (asyncio's subprocess over node:child_process) --------------------------------
export { ProcessLookupError } from './errors.js';
export {
  PIPE,
  DEVNULL,
  STDOUT,
  Process,
  createSubprocessExec,
  createSubprocessShell,
  type Stdio,
  type SubprocessOptions,
  type SignalLike,
  SubprocessProtocol,
  SubprocessTransport,
  type SubprocessProtocolLike,
  type SubprocessTransportOptions,
} from './subprocess/index.js';

// ---- synchronisation primitives, queues and channels --------------------------------------------
export { WouldBlockError, EndOfChannelError, ClosedResourceError, BrokenResourceError } from './errors.js';
export {
  Lock,
  Event,
  Condition,
  Semaphore,
  BoundedSemaphore,
  Barrier,
  CapacityLimiter,
  type LockStatistics,
  type EventStatistics,
  type ConditionStatistics,
  type SemaphoreStatistics,
  type BarrierState,
  type BarrierStatistics,
  type CapacityLimiterStatistics,
} from './sync/index.js';
export {
  Queue,
  LifoQueue,
  PriorityQueue,
  defaultCompare,
  openMemoryChannel,
  MemorySendChannel,
  MemoryReceiveChannel,
  type QueueStatistics,
  type MemoryChannelStatistics,
} from './queues/index.js';

// ---- debugging: the await graph and task dumps --------------------------------------------------
export {
  captureCallGraph,
  formatCallGraph,
  printCallGraph,
  dumpTasks,
  printTasks,
  captureTasks,
  formatTasks,
  type CallGraph,
  type CallGraphNode,
  type CallGraphKind,
  type CaptureOptions,
  type PrintCallGraphOptions,
  type TaskDumpEntry,
  type DumpOptions,
} from './debug/index.js';

// The TaskGroup, timeout, shield and context conformance files again, on loops whose task factory is
// `eagerTaskFactory`, as CPython runs its whole test_taskgroups.py a second time with the eager
// task factory (TestEagerTaskTaskGroup). Every `run()` of those files gets a loop where each task
// starts eagerly; their tests must pass unchanged. (Files that pin when a task's first step runs —
// "cancelled before it starts, its body never runs", grouperrors.test.ts — are left out: eagerness
// changes that.)
import { vi } from 'vitest';

vi.mock('tulip', async (importOriginal) => {
  const tulip = await importOriginal<typeof import('tulip')>();
  const run: typeof tulip.run = (main, opts) =>
    tulip.run(
      function* () {
        tulip.getRunningLoop().setTaskFactory(tulip.eagerTaskFactory);
        // The main task itself starts as usual (asyncio's is created before the factory is set).
        return yield* tulip.createTask(main, { eagerStart: false, ...(opts?.name !== undefined ? { name: opts.name } : {}) });
      },
      opts,
    );
  return { ...tulip, run };
});

await import('./taskgroups.test.js');
await import('./taskgroups.more.test.js');
await import('./taskgroups.styles.test.js');
await import('./taskgroups.gap.test.js');
await import('./nestedgroups.test.js');
await import('./timeouts.test.js');
await import('./shield.test.js');
await import('./contextvars.test.js');

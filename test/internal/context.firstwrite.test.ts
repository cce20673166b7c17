// The first AsyncLocalStorage write of a process, made inside a "bare" generator step (one run in
// the context the loop's pass runs in, as steps are while no user store has held a value: see
// `Task._step`). The write must stay the writing task's, as if the step had run in its own context
// (asyncio: a task runs in its own copy of the context). Each scenario (fixtures/firstwrite.ts) runs
// in a fresh process, since the first write happens once per process.
import { spawn } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const FIXTURE = path.join(ROOT, 'test/internal/fixtures/firstwrite.ts');

function scenario(name: string): Promise<unknown> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', FIXTURE, name], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    child.on('error', reject);
    child.on('close', (code) => {
      if (code !== 0) reject(new Error(`scenario ${name} exited with ${code}: ${err}`));
      else resolve(JSON.parse(out.trim().split('\n').pop()!));
    });
  });
}

describe('the first AsyncLocalStorage write, and stores written before tulip was loaded', () => {
  it('stays the writing task’s (and its later children’s): siblings, callbacks and main never see it', async () => {
    expect(await scenario('step-enterWith')).toEqual({
      callbackBefore: null,
      callbackAfter: null,
      writer: ['w', 'w', 'w'],
      sibling: [null, null],
      main: null,
    });
  });

  it('of two storages in the same step: both stay the writer’s', async () => {
    expect(await scenario('step-two-storages')).toEqual({ writer: ['a', 'b'], sibling: [null, null], main: [null, null] });
  });

  it('by an eager child inside its parent’s step: the parent does not see it, and its own later write stays its own', async () => {
    expect(await scenario('eager-child-first')).toEqual({
      afterChild: null,
      parent: 'parent',
      child: 'child',
      sibling: null,
      main: null,
    });
  });

  it('as als.run(): tasks made inside copy the value, which ends with the run', async () => {
    expect(await scenario('step-run')).toEqual({ writer: [null, 'r'], sibling: null });
  });

  it('in an async task’s code: the async tasks it made before the write never see it, one made after copies it', async () => {
    expect(await scenario('async-enterWith')).toEqual({
      writer: { before: [null, null], after: ['w1', 'w1'], own: 'w1' },
      sibling: [null, null],
      late: { before: [null, null], own: 'w2', other: null },
      main: [null, null],
    });
  });

  it('a given context holding a value tulip never saw written is entered', async () => {
    expect(await scenario('given-context')).toEqual({ given: ['early', 'early'], plain: null });
  });

  it('a task and a callback made where a value tulip never saw written is held run with it', async () => {
    expect(await scenario('captured-early')).toEqual({ task: ['early', 'early'], callback: ['early'], plain: null });
  });
});

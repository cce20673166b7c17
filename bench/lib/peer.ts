// Loads a benchmark peer (effection, effect, async-mutex …) from bench/node_modules.
//
// The import is deliberately not a string literal: the peers are installed by `npm run bench`
// (`npm install --prefix bench`), not by the root's `npm install`, and the root typecheck covers
// bench/ — a literal `import('effection')` would fail it on a clean clone. The runner skips a
// system whose package is missing, so at run time the package is there.

// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type Peer = any;

export async function peer(name: string): Promise<Peer> {
  return (await import(name)) as Peer;
}

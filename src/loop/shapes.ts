/**
 * Shape anchors: one object of each of tulip's hot classes, kept for the life of the process.
 *
 * V8 keeps an object layout (a "map") alive only while some object has it. When every tulip object
 * of a program has been collected — an idle service between two bursts, a full GC between two
 * `run()`s — the maps die, and the next run meets new ones: the loop's hot functions deoptimise
 * ("wrong map") and are compiled again mid-run. Each module registers a maker that builds its hot
 * objects on a loop that never runs; the first loop created runs the makers once.
 */
import type { EventLoop } from './eventloop.js';

const makers: Array<(loop: EventLoop) => unknown> = [];
const anchors: unknown[] = [];
let anchorLoop: EventLoop | null = null;
let making = false;

/** @internal Registers `make(loop)`, which builds objects of the caller's hot classes on `loop`. */
export function anchorShapes(make: (loop: EventLoop) => unknown): void {
  makers.push(make);
  if (anchorLoop !== null) anchors.push(make(anchorLoop));
}

/** @internal Called by each new loop: the first one builds the anchors, on a loop of their own. */
export function makeAnchors(newLoop: () => EventLoop): void {
  if (anchorLoop !== null || making) return;
  making = true;
  try {
    anchorLoop = newLoop();
    for (const make of makers) anchors.push(make(anchorLoop));
  } finally {
    making = false;
  }
}

// The library under test, straight from the sources (no build step): every tulip case imports it from here.
export * from '../../src/index.js';

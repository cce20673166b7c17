// Where the benchmark's own files are, also when a case runs precompiled from bench/.build.
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/** bench/cases in the source tree (for the .mjs and .py files a case starts or loads). */
export const SOURCE_CASES = path.join(
  path.dirname(fileURLToPath(import.meta.url)).replace(`${path.sep}.build${path.sep}bench${path.sep}`, path.sep),
  '..',
  'cases',
);

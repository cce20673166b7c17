// Helpers shared by the TaskGroup behaviour ports (taskgroups, grouperrors, outsidecancel and
// nestedgroups .test.ts).
import { groupTypes } from './helpers.js';

export class MyExc extends Error {
  override name = 'MyExc';
}

/** The set of error classes inside an ExceptionGroup (CPython's get_error_types). */
export function typeSet(eg: unknown): Set<unknown> {
  return new Set(groupTypes(eg));
}

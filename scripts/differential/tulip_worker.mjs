// Worker entry: registers tsx in this thread, then loads the TypeScript worker.
import { register } from 'tsx/esm/api';

register({ tsconfig: new URL('../../tsconfig.json', import.meta.url).pathname });
await import('./tulip_worker.ts');

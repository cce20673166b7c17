// (d) TCP echo, tulip server (argv[3]: 'gen' = streams in generator tasks, 'async' = in async
// functions, 'protocol' = a Protocol per connection; see server-tulip.ts), driven by the shared
// Node client. argv[2]: measured ms.
// The server runs the way this file runs: precompiled (server-tulip.js beside it) or through tsx.
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { argN } from '../../lib/common.js';
import { echoCase } from '../../lib/echo.js';

const mode = process.argv[3] ?? 'gen';
const here = fileURLToPath(import.meta.url);
const server = path.join(path.dirname(here), here.endsWith('.ts') ? 'server-tulip.ts' : 'server-tulip.js');
const args = here.endsWith('.ts') ? ['--import', 'tsx', server, mode] : [server, mode];
await echoCase(`tulip ${mode}`, process.execPath, args, argN(5000));

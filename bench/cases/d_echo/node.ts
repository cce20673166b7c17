// (d) TCP echo, plain Node `net` server (argv[3]: 'data' = on('data') → write, the anchor;
// 'for-await' = the socket's async iterator). argv[2]: measured ms.
import path from 'node:path';
import { argN } from '../../lib/common.js';
import { ECHO_DIR, echoCase } from '../../lib/echo.js';

const mode = process.argv[3] ?? 'data';
await echoCase(`node net ${mode}`, process.execPath, [path.join(ECHO_DIR, 'server-node.mjs'), mode], argN(5000));

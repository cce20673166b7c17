// (d) TCP echo, Python asyncio server (argv[3]: 'streams' = start_server + read/write/drain,
// 'protocol' = Protocol.data_received → write), driven by the shared Node client. argv[2]: measured ms.
import path from 'node:path';
import { argN } from '../../lib/common.js';
import { ECHO_DIR, echoCase } from '../../lib/echo.js';

const mode = process.argv[3] ?? 'streams';
await echoCase(`asyncio ${mode}`, 'python3', [path.join(ECHO_DIR, 'server-asyncio.py'), mode], argN(5000));

// (d) plain Node echo server (the anchors' d_server.mjs): node server-node.mjs MODE LIFETIME_MS
// MODE 'data': on('data') → write; 'for-await': the socket's async iterator. Prints its port, and
// exits on its own after LIFETIME_MS (the orchestrator kills it earlier).
import net from 'node:net';

const [mode, lifetime] = [process.argv[2], Number(process.argv[3] ?? 30_000)];
const srv = net
  .createServer({ noDelay: true }, async (s) => {
    s.on('error', () => {});
    if (mode === 'data') s.on('data', (d) => s.write(d));
    else {
      try {
        for await (const d of s) s.write(d);
      } catch {}
    }
  })
  .listen(0, '127.0.0.1', () => console.log(srv.address().port));
setTimeout(() => process.exit(0), lifetime).unref();

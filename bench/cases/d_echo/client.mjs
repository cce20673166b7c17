// (d) the shared TCP echo client (the anchors' d_client.mjs, with the times as arguments):
// node client.mjs PORT SERVER_PID MEASURE_MS WARM_MS — 10 connections, each keeping one 1 KiB
// request in flight; counts complete 1 KiB echoes; reads the server's CPU from /proc/PID/stat.
import fs from 'node:fs';
import net from 'node:net';

const [port, pid, measureMs, warmMs] = process.argv.slice(2).map(Number);
const C = 10;
const SZ = 1024;
const msg = Buffer.alloc(SZ, 120);
const TICK_MS = 10; // CLK_TCK = 100
const cpu = () => {
  const f = fs.readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
  return (+f[11] + +f[12]) * TICK_MS; // utime + stime, ms
};
let count = 0;
let on = true;
const socks = [];
for (let i = 0; i < C; i++) {
  const s = net.connect({ port, host: '127.0.0.1', noDelay: true }, () => s.write(msg));
  let got = 0;
  s.on('data', (d) => {
    got += d.length;
    while (got >= SZ) {
      got -= SZ;
      count++;
      if (on) s.write(msg);
    }
  });
  s.on('error', (e) => {
    process.stderr.write(`client: ${e.message}\n`);
    process.exit(1);
  });
  socks.push(s);
}
setTimeout(() => process.exit(3), warmMs + measureMs + 10_000).unref(); // bounded, whatever happens
await new Promise((r) => setTimeout(r, warmMs));
const c0 = count;
const s0 = cpu();
const k0 = process.cpuUsage();
const t0 = performance.now();
await new Promise((r) => setTimeout(r, measureMs));
const n = count - c0;
const dt = (performance.now() - t0) / 1000;
const scpu = cpu() - s0;
const k = process.cpuUsage(k0);
on = false;
if (n === 0) {
  process.stderr.write('client: no echo completed\n');
  process.exit(1);
}
console.log(
  JSON.stringify({
    rps: Math.round(n / dt),
    srv_us_per_req: +((scpu * 1000) / n).toFixed(2),
    srv_cpu_pct: Math.round(scpu / dt / 10),
    cli_cpu_pct: Math.round((k.user + k.system) / 1000 / dt / 10),
    requests: n,
  }),
);
for (const s of socks) s.destroy();
process.exit(0);

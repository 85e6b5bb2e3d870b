// The load generator of the sensors benchmark (run by bench/sensors.bench.ts in its own process, so the
// hub's event loop is measured alone): posts batched NDJSON events of several sensors over keep-alive
// HTTP for a number of seconds and prints what was accepted as one JSON line.
// Arguments: URL of the hub, seconds, lines per batch, then sensor id:key pairs (one connection each).
import http from 'node:http';

const [base, secondsArg, linesArg, ...pairs] = process.argv.slice(2);
const seconds = Number(secondsArg);
const lines = Number(linesArg);
const sensors = pairs.map((p) => {
  const [id, key] = p.split(':');
  return { id: id!, key: key! };
});

// One template batch: flat lines of Kessetsu's format, each with an ISO time of fixed width at a known
// offset, so a fresh batch is the template with the current time written over those 24 bytes.
const ISO_WIDTH = 24;
const PORTS = [23, 23, 23, 2323, 22, 22, 80, 443, 445, 3389, 8080, 5555, 37215, 52869, 6379, 1433];
let seed = 12345;
function rnd(n: number): number {
  seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
  return seed % n;
}
function template(sensorIndex: number): { body: Buffer; offsets: number[] } {
  const parts: string[] = [];
  const offsets: number[] = [];
  let at = 0;
  const stamp = new Date().toISOString();
  for (let i = 0; i < lines; i++) {
    // Sources from a pool of a million addresses (many distinct per minute, a heavy tail of repeat scanners).
    const s = rnd(8) === 0 ? rnd(200) : rnd(1_000_000);
    const src = `${(s % 200) + 20}.${(s >> 8) & 255}.${(s >> 16) & 255}.${(s * 7) & 255}`;
    const dst = `203.0.${113 + sensorIndex}.${rnd(256)}`;
    const head = '{"time":"';
    const line = `${head}${stamp}","src_ip":"${src}","src_port":${1024 + rnd(60000)},"dst_ip":"${dst}","dst_port":${PORTS[rnd(PORTS.length)]},"protocol":"tcp","tcp_flags":2,"size":${40 + rnd(40)}}\n`;
    offsets.push(at + head.length);
    at += line.length;
    parts.push(line);
  }
  return { body: Buffer.from(parts.join(''), 'latin1'), offsets };
}

const agent = new http.Agent({ keepAlive: true, maxSockets: sensors.length });
function post(id: string, key: string, body: Buffer): Promise<{ status: number; accepted: number }> {
  return new Promise((resolve, reject) => {
    const url = new URL(`/api/v1/sensors/${id}/events`, base);
    const req = http.request(url, { method: 'POST', agent, headers: { authorization: `Bearer ${key}`, 'content-type': 'application/x-ndjson', 'content-length': body.length } }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (d: string) => (text += d));
      res.on('end', () => {
        let accepted = 0;
        if (res.statusCode === 200) accepted = (JSON.parse(text) as { accepted: number }).accepted;
        resolve({ status: res.statusCode ?? 0, accepted });
      });
    });
    req.on('error', reject);
    req.end(body);
  });
}

let accepted = 0;
let batches = 0;
let refused = 0;
const started = Date.now();
const until = started + seconds * 1000;
await Promise.all(
  sensors.map(async (s, i) => {
    const t = template(i);
    while (Date.now() < until) {
      const stamp = Buffer.from(new Date().toISOString(), 'latin1');
      for (const o of t.offsets) stamp.copy(t.body, o, 0, ISO_WIDTH);
      const r = await post(s.id, s.key, t.body);
      if (r.status === 200) {
        accepted += r.accepted;
        batches++;
      } else {
        refused++;
        await new Promise((res) => setTimeout(res, 50));
      }
    }
  }),
);
const elapsed = (Date.now() - started) / 1000;
// The generator's own CPU, so a reader sees what the load cost beside what the hub spent.
const cpu = process.cpuUsage();
console.log(JSON.stringify({ accepted, batches, refused, elapsed, cpu: (cpu.user + cpu.system) / 1e6 }));
agent.destroy();

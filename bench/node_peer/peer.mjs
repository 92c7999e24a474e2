// Node.js peer of `deno task bench --suite bus`: the npm `nats` client pushes a payload in
// chunks (published back to back, the last one as a request) to a responder on a second
// connection, which acks once all chunks arrived; the same exchange the Deno side times.
// Usage: node peer.mjs URL TOTAL_BYTES CHUNK_BYTES WARMUP REPS
// Prints one JSON line: {"samples": [ms, ...], "cpuMs": total process CPU ms of the timed runs}.
import { connect } from "nats";

const [url, totalArg, chunkArg, warmupArg, repsArg] = process.argv.slice(2);
const total = Number(totalArg);
const chunk = Number(chunkArg);
const warmup = Number(warmupArg);
const reps = Number(repsArg);
const count = Math.ceil(total / chunk);

const pusher = await connect({ servers: url });
const server = await connect({ servers: url });
let received = 0;
server.subscribe("bench.node.grad", {
  callback: (err, m) => {
    if (err) throw err;
    received += m.data.length;
    if (m.reply) {
      if (received !== total) throw new Error(`received ${received} of ${total} bytes`);
      received = 0;
      m.respond(new Uint8Array(16));
    }
  },
});
await server.flush();

const payload = new Uint8Array(total);
for (let i = 0; i < total; i++) payload[i] = i & 0xff;

async function once() {
  for (let i = 0; i < count - 1; i++) {
    pusher.publish("bench.node.grad", payload.subarray(i * chunk, (i + 1) * chunk));
  }
  await pusher.request("bench.node.grad", payload.subarray((count - 1) * chunk), {
    timeout: 10000,
  });
}

for (let i = 0; i < warmup; i++) await once();
const samples = [];
const cpu0 = process.cpuUsage();
for (let i = 0; i < reps; i++) {
  const t0 = performance.now();
  await once();
  samples.push(performance.now() - t0);
}
const cpu = process.cpuUsage(cpu0);
const cpuMs = (cpu.user + cpu.system) / 1000;
await pusher.close();
await server.close();
console.log(JSON.stringify({ samples, cpuMs }));

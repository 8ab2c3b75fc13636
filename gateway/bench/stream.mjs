// Benchmark of streaming from Kafka: messages/s end to end (produced to the input topic →
// consumed by the gateway → scored through the data plane → produced to the output topic and
// read back) against the HTTP path (`POST /fn/iris`, records API, one record per request) at
// concurrency 32, on the same gateway process, model and record, with CPU per message of the
// gateway process tree besides. A Kafka broker (KRaft, scripts/kafka/broker.sh) is started for
// the run and stopped after.
// Usage: npm run bench:stream --workspace gateway [-- --messages 50000 --duration 8 --rounds 1]
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { Admin, Consumer, ProduceAcks, Producer } from '@platformatic/kafka';
import autocannon from 'autocannon';
import { treeCpuMs } from './process-cpu.mjs';
import { BENCH_TOKEN, startGatewayProcess, writeSection } from './report.mjs';

const gatewayDir = fileURLToPath(new URL('..', import.meta.url));
const broker = fileURLToPath(new URL('../../scripts/kafka/broker.sh', import.meta.url));
const run = promisify(execFile);
const arg = (name, fallback) => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? process.argv[i + 1] : fallback;
};
const messages = Number(arg('messages', 50_000));
const duration = Number(arg('duration', 8));
const rounds = Number(arg('rounds', 1));
const partitions = Number(arg('partitions', 3));
const fixture = join(gatewayDir, 'test/fixtures/onnx/classifier_zipmap.onnx');
const expected = JSON.parse(
  await readFile(join(gatewayDir, 'test/fixtures/onnx/classifier_zipmap.expected.json'), 'utf8'),
);
const record = expected.records[0];

const freePort = () =>
  new Promise((resolve, reject) => {
    const srv = createServer();
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address();
      srv.close(() => resolve(port));
    });
    srv.on('error', reject);
  });
const auth = { authorization: `Bearer ${BENCH_TOKEN}` };

async function publish(base) {
  const form = new FormData();
  form.set('name', 'iris');
  form.set('file', new Blob([await readFile(fixture)]), 'iris.onnx');
  const res = await fetch(`${base}/api/deployments`, { method: 'POST', headers: auth, body: form });
  if (res.status !== 201) throw new Error(`publish: ${res.status} ${await res.text()}`);
  return (await res.json()).invokeKey;
}

// The HTTP path: autocannon, 32 connections, one record per request.
async function http(base, key, pid) {
  const opts = {
    url: `${base}/fn/iris`,
    method: 'POST',
    body: JSON.stringify(record),
    headers: { 'content-type': 'application/json', authorization: `Bearer ${key}` },
    connections: 32,
  };
  await autocannon({ ...opts, duration: 2 }); // warm-up
  const cpu = await treeCpuMs(pid);
  const r = await autocannon({ ...opts, duration });
  if (r.non2xx > 0 || r.errors > 0) throw new Error(`${r.non2xx} non-2xx, ${r.errors} errors`);
  return {
    rps: r.requests.average,
    cpuUs: (1000 * ((await treeCpuMs(pid)) - cpu)) / r.requests.total,
  };
}

// The stream: a binding, `messages` produced as fast as the producer goes, timed until the last
// prediction is read back from the output topic.
async function stream(base, brokerAddress, pid, round) {
  const input = `bench-in-${round}-${Date.now()}`;
  const output = `bench-out-${round}-${Date.now()}`;
  const admin = new Admin({ clientId: 'bench', bootstrapBrokers: [brokerAddress] });
  await admin.createTopics({ topics: [input, output], partitions, replicas: 1 });
  await admin.close();
  const res = await fetch(`${base}/api/deployments/iris/streams`, {
    method: 'POST',
    headers: { ...auth, 'content-type': 'application/json' },
    body: JSON.stringify({ brokers: [brokerAddress], inputTopic: input, outputTopic: output }),
  });
  if (res.status !== 201) throw new Error(`stream: ${res.status} ${await res.text()}`);
  const { id } = await res.json();
  for (;;) {
    const s = await (await fetch(`${base}/api/streams/${id}`, { headers: auth })).json();
    if (s.state === 'running') break;
    if (s.state === 'retrying') throw new Error(`stream: ${s.stateReason}`);
    await new Promise((r) => setTimeout(r, 100));
  }
  const reader = new Consumer({
    clientId: 'bench',
    groupId: `bench-reader-${Date.now()}`,
    bootstrapBrokers: [brokerAddress],
  });
  const out = await reader.consume({
    topics: [output],
    mode: 'earliest',
    autocommit: false,
    maxWaitTime: 100,
  });
  let read = 0;
  const allRead = new Promise((resolve) =>
    out.on('data', () => {
      if (++read === messages) resolve(performance.now());
    }),
  );
  const producer = new Producer({ clientId: 'bench', bootstrapBrokers: [brokerAddress] });
  const value = Buffer.from(JSON.stringify(record));
  const cpu = await treeCpuMs(pid);
  const start = performance.now();
  for (let i = 0; i < messages; i += 1000)
    await producer.send({
      acks: ProduceAcks.LEADER,
      messages: Array.from({ length: Math.min(1000, messages - i) }, (_, k) => ({
        topic: input,
        key: Buffer.from(`id-${i + k}`),
        value,
      })),
    });
  const produced = performance.now();
  const end = await allRead;
  const cpuUs = (1000 * ((await treeCpuMs(pid)) - cpu)) / messages;
  await producer.close();
  await new Promise((done) => out.close(() => done()));
  await reader.close(true);
  await fetch(`${base}/api/streams/${id}`, { method: 'DELETE', headers: auth });
  return {
    mps: (messages * 1000) / (end - start),
    produceMps: (messages * 1000) / (produced - start),
    seconds: (end - start) / 1000,
    cpuUs,
  };
}

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};

const kafkaDir = await mkdtemp(join(tmpdir(), 'slipway-bench-kafka-'));
const dataDir = await mkdtemp(join(tmpdir(), 'slipway-bench-'));
const brokerAddress = `127.0.0.1:${await freePort()}`;
await run('bash', [
  broker,
  'start',
  brokerAddress.split(':')[1],
  String(await freePort()),
  kafkaDir,
]);
const load1 = loadavg()[0];
const results = [];
let gw;
try {
  gw = await startGatewayProcess({
    cwd: gatewayDir,
    args: ['--import', 'tsx', 'src/index.ts'],
    dataDir,
    // ONNX needs no Python; the gateway's configuration wants an interpreter named.
    python: process.env.SLIPWAY_PYTHON ?? 'python3',
    portBase: 19300,
  });
  const key = await publish(gw.base);
  for (let r = 0; r < rounds; r++) {
    const h = await http(gw.base, key, gw.child.pid);
    const s = await stream(gw.base, brokerAddress, gw.child.pid, r);
    results.push({ h, s });
    console.log(`round ${r + 1}: HTTP ${h.rps.toFixed(0)} req/s, stream ${s.mps.toFixed(0)} msg/s`);
  }
} finally {
  if (gw) {
    gw.child.kill('SIGTERM');
    await new Promise((r) => gw.child.on('exit', r));
  }
  await run('bash', [broker, 'stop', kafkaDir]);
  await rm(dataDir, { recursive: true, force: true });
}
const load2 = loadavg()[0];
const med = (pick) => median(results.map(pick));
const h = { rps: med((x) => x.h.rps), cpuUs: med((x) => x.h.cpuUs) };
const s = {
  mps: med((x) => x.s.mps),
  produceMps: med((x) => x.s.produceMps),
  seconds: med((x) => x.s.seconds),
  cpuUs: med((x) => x.s.cpuUs),
};
const f = (n, d = 0) =>
  n.toLocaleString('en-US', { maximumFractionDigits: d, minimumFractionDigits: d });

await writeSection(
  'stream',
  `## Streaming from Kafka vs. the HTTP path

Made by \`npm run bench:stream --workspace gateway\` (bench/stream.mjs) on ${new Date().toISOString().slice(0, 10)},
${cpus().length} × ${cpus()[0]?.model ?? 'cpu'}, Node ${process.version}${rounds > 1 ? `, ${rounds} rounds (medians)` : ''}.
Model: \`classifier_zipmap.onnx\` (iris), one record per message and per request, one gateway
process (\`tsx src/index.ts\`, PGlite, invocation log on). The broker is Apache Kafka 4.4.0 in
KRaft mode on the same machine (\`scripts/kafka/broker.sh\`, 256 MB heap), the input and output
topics ${partitions} partitions each; producer, reader and autocannon run in the benchmark process,
all on the same cores. Load average (1 min) before and after: ${f(load1, 2)} and ${f(load2, 2)} (other work
shares this machine; read ratios, not absolutes).

|                                                                     | records/s | CPU per record (gateway tree) |
| ------------------------------------------------------------------- | --------: | ----------------------------: |
| HTTP \`POST /fn/iris\`, concurrency 32, ${duration} s                          | ${f(h.rps)} | ${f(h.cpuUs)} µs |
| stream, end to end: ${f(messages)} messages produced → scored → read back | ${f(s.mps)} | ${f(s.cpuUs)} µs |

- The stream moves **${f(s.mps / h.rps, 2)}×** the records per second of the HTTP path at concurrency 32
  (${f(s.seconds, 1)} s for ${f(messages)} messages, the producer alone ${f(s.produceMps)} messages/s),
  at ${f(h.cpuUs / s.cpuUs, 1)}× less gateway CPU per record: a batch of up to 500 messages per
  partition is one data-plane call, one log write and one produce, where HTTP pays a request each.
- Offsets are committed after each batch's outputs are acknowledged by the broker (acks=all),
  so the figures include the at-least-once bookkeeping.
- The HTTP figure is one record per request, as a caller scoring events one by one would send
  them; the records API also takes arrays, and a client that batches pays per request as the
  stream pays per batch.
`,
);
console.log(`HTTP c=32: ${f(h.rps)} req/s; stream: ${f(s.mps)} msg/s (${f(s.mps / h.rps, 2)}×)`);

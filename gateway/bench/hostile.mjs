// Benchmark of hostile input: how long each request body built for the slowest path through a
// decoder (and the validator) holds the event loop, at the default limits (16 MiB bodies, 10,000
// records), and how long publishing a PMML document does. Whatever holds the loop is how late a
// health check (or any other call) would be answered meanwhile.
// Usage: npm run build --workspace gateway && node bench/hostile.mjs
//        [--baseline <dir of another gateway build's dist/> --baseline-name "…"]
// With a baseline (e.g. an earlier commit's build), both builds run every case in turn; a case
// that takes a build past --cap seconds is stopped there and reported as "> cap".
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { Worker, isMainThread, parentPort, workerData } from 'node:worker_threads';
import { writeSection } from './report.mjs';

const gatewayDir = fileURLToPath(new URL('..', import.meta.url));
const arg = (name, fallback) => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? process.argv[i + 1] : fallback;
};
const MAX_BODY = 16 * 1024 * 1024;
const MAX_BATCH = 10_000;

/** Repeats `item(i)` joined by commas between `head` and `tail`, up to `bytes`. */
function fill(head, item, tail, bytes = MAX_BODY - 64) {
  const parts = [];
  let size = head.length + tail.length;
  for (let i = 0; ; i++) {
    const s = item(i);
    if (size + s.length + 1 > bytes) break;
    parts.push(s);
    size += s.length + 1;
  }
  return head + parts.join(',') + tail;
}

const sum = {
  inputs: [
    { name: 'a', type: 'float64', shape: [] },
    { name: 'b', type: 'float64', shape: [] },
  ],
  outputs: [{ name: 'sum', type: 'float64', shape: [] }],
};
const tensor = (name, shape, data) =>
  `{"name":"${name}","shape":${JSON.stringify(shape)},"datatype":"FP64","data":${data}}`;

/** Each case: a body, the codec that reads it, and a note on its shape. */
const BODY_CASES = [
  {
    name: 'MLflow, 200,000 columns, one row (the issue’s 2.7 MB body)',
    codec: 'mlflow',
    body: () => {
      const cols = Array.from({ length: 200_000 }, (_, i) => `"c${i}"`);
      return `{"dataframe_split":{"columns":[${cols}],"data":[[${cols.map(() => 1)}]]}}`;
    },
  },
  {
    name: 'MLflow, 16 MiB of columns, the duplicate last',
    codec: 'mlflow',
    body: () => {
      const cols = fill('', (i) => `"c${i}"`, '', MAX_BODY * 0.8).split(',');
      return `{"dataframe_split":{"columns":[${cols},"c0"],"data":[[${cols.map(() => 1)},1]]}}`;
    },
  },
  {
    name: 'Open Inference Protocol, 16 MiB of tensors, a name repeated last',
    codec: 'oip',
    body: () =>
      fill('{"inputs":[', (i) => tensor(`t${i}`, [1], '[1]'), `,${tensor('t0', [1], '[1]')}]}`),
  },
  {
    name: 'Open Inference Protocol, one element in a shape of 100,000 dimensions',
    codec: 'oip',
    body: () => `{"inputs":[${tensor('t', Array(100_001).fill(1), '[1]')}]}`,
  },
  {
    name: 'Open Inference Protocol, 2,000 empty tensors of 10,000 rows',
    codec: 'oip',
    body: () =>
      `{"inputs":[${tensor('a', [MAX_BATCH], `[${Array(MAX_BATCH).fill(1)}]`)},${tensor('b', [MAX_BATCH], `[${Array(MAX_BATCH).fill(1)}]`)},${Array.from({ length: 2000 }, (_, i) => tensor(`e${i}`, [MAX_BATCH, 0], '[]'))}]}`,
  },
  {
    name: 'records, 10,000 records padded to 16 MiB with unknown fields',
    codec: 'records',
    body: () => {
      const pad = Array.from({ length: 100 }, (_, i) => `"p${i}":${i}`).join(',');
      const record = (i) => `{"a":${i},"b":1,${pad}}`;
      return `[${Array.from({ length: MAX_BATCH }, (_, i) => record(i))}]`;
    },
  },
  {
    name: 'records, {"X": [[[…10,000 deep…]]]} (the issue’s 20 KB body)',
    codec: 'records',
    body: () => `{"a":1,"b":2,"X":${'['.repeat(10_000)}1${']'.repeat(10_000)}}`,
  },
];

/** Decodes and validates one body with a build's modules, as the invoke path does. */
async function loadBuild(dist) {
  const codecs = await import(pathToFileURL(join(dist, 'codecs/index.js')).href);
  const { compileValidator } = await import(
    pathToFileURL(join(dist, 'validation/validate-records.js')).href
  );
  const body = await import(pathToFileURL(join(dist, 'routes/read-json-body.js')).href);
  const validate = compileValidator(sum, { unknownFields: 'ignore' });
  const decoders = {
    mlflow: (b) => codecs.decodeMlflowRequest(b, sum, MAX_BATCH),
    oip: (b) => codecs.decodeOipRequest(b, sum, MAX_BATCH).records,
    records: (b) => codecs.decodeRecordsBody(b, MAX_BATCH).records,
  };
  return (codec, text) => {
    // What readJsonBody does with the text (the depth check where the build has one), then
    // the codec and the validator.
    if (body.nestsDeeperThan && body.nestsDeeperThan(text, body.MAX_JSON_DEPTH)) return 'too_deep';
    const records = decoders[codec](JSON.parse(text));
    validate(records);
    return 'ok';
  };
}

/** Runs one case in a worker thread, so that a build that takes too long can be stopped. */
function timeCase(dist, kind, index, capSeconds) {
  return new Promise((resolve) => {
    const worker = new Worker(fileURLToPath(import.meta.url), {
      workerData: { dist, kind, index },
    });
    const timer = setTimeout(() => {
      worker.terminate();
      resolve({ ms: Infinity, outcome: `stopped after ${capSeconds} s` });
    }, capSeconds * 1000);
    worker.once('message', (m) => {
      clearTimeout(timer);
      worker.terminate();
      resolve(m);
    });
    worker.once('error', (e) => {
      clearTimeout(timer);
      resolve({ ms: NaN, outcome: `${e.name}: ${e.message.slice(0, 60)}` });
    });
  });
}

// PMML publishes: how long the event loop is held while a document loads.
const fixture = (name) => join(gatewayDir, `test/fixtures/pmml/${name}.pmml`);
async function bigGbm(copies) {
  const base = await readFile(fixture('s2p_gbm_regressor_100'), 'utf8');
  const start = base.indexOf('<Segment ');
  const end = base.lastIndexOf('</Segment>') + '</Segment>'.length;
  return base.slice(0, start) + base.slice(start, end).repeat(copies) + base.slice(end);
}
const PMML_CASES = [
  {
    name: 'PMML, GBM of 100 trees (150 KB)',
    doc: () => readFile(fixture('s2p_gbm_regressor_100'), 'utf8'),
  },
  { name: 'PMML, GBM of 5,000 trees (7.4 MB)', doc: () => bigGbm(50) },
  {
    name: 'PMML, 20,000 elements deep, config.maxDepth=1000000',
    doc: async () =>
      `<PMML version="4.4">${'<Extension>'.repeat(20_000)}${'</Extension>'.repeat(20_000)}</PMML>`,
    config: { maxDepth: 1_000_000 },
  },
];

/**
 * How long `work` took, and the longest the event loop was held meanwhile: the longest gap
 * between ticks of a 1 ms interval.
 */
async function measureHold(work) {
  let last = performance.now();
  let held = 0;
  const tick = setInterval(() => {
    const now = performance.now();
    held = Math.max(held, now - last);
    last = now;
  }, 1);
  const t = performance.now();
  await work();
  const ms = performance.now() - t;
  held = Math.max(held, performance.now() - last);
  clearInterval(tick);
  return { ms, held };
}

async function runPmmlCase(dist, c) {
  const { PmmlRuntime } = await import(pathToFileURL(join(dist, 'runtimes/pmml/index.js')).href);
  const dir = await mkdtemp(join(tmpdir(), 'slipway-bench-hostile-'));
  try {
    const path = join(dir, 'model.pmml');
    const text = await c.doc();
    await writeFile(path, text);
    const rt = new PmmlRuntime({
      name: 'b',
      version: 1,
      artifact: { path, sha256: '', size: Buffer.byteLength(text) },
      pool: 'cpu',
      config: c.config ?? {},
    });
    let outcome = 'loaded';
    const { ms, held } = await measureHold(() =>
      rt.load().catch((e) => (outcome = `${e.status ?? e.name}: ${e.message.slice(0, 50)}`)),
    );
    return { ms, held, outcome };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/**
 * A body through the whole gateway of this build (a PMML deployment on an in-memory database):
 * the longest the event loop is held while the gateway answers it. Large bodies are parsed,
 * decoded and validated on a worker thread; what is left here is reading the body and the
 * hand-overs.
 */
async function runThroughGateway(dist, c) {
  const { createGateway } = await import(pathToFileURL(join(dist, 'gateway.js')).href);
  const { openDatabase } = await import(pathToFileURL(join(dist, 'db/client.js')).href);
  const dataDir = await mkdtemp(join(tmpdir(), 'slipway-bench-hostile-gw-'));
  const database = await openDatabase({});
  const gw = createGateway({
    config: {
      dataDir,
      publicUrl: 'http://bench',
      maxUploadBytes: 64 * 1024 * 1024,
      maxBodyBytes: MAX_BODY,
      maxBatch: MAX_BATCH,
      pools: ['cpu'],
      log: {
        flushMs: 200,
        batchSize: 500,
        recordInputs: true,
        spoolMb: 1024,
        maxValueBytes: 1 << 20,
        sync: true,
      },
    },
    database,
    adminToken: 'sa_bench-admin-token-0123456789',
    version: 'bench',
  });
  try {
    await gw.init();
    const form = new FormData();
    form.set('name', 'm');
    form.set('public', 'true');
    form.set('file', new Blob([await readFile(fixture('s2p_logistic'))]), 'm.pmml');
    await gw.app.request('/api/deployments', {
      method: 'POST',
      body: form,
      headers: { authorization: 'Bearer sa_bench-admin-token-0123456789' },
    });
    const path = { records: '/fn/m', mlflow: '/fn/m/invocations', oip: '/v2/models/m/infer' }[
      c.codec
    ];
    const bytes = new TextEncoder().encode(c.body());
    let status;
    const { ms, held } = await measureHold(async () => {
      const res = await gw.app.request(path, {
        method: 'POST',
        body: bytes,
        headers: { 'content-type': 'application/json' },
      });
      await res.arrayBuffer();
      status = res.status;
    });
    return { ms, held, outcome: String(status), bytes: bytes.byteLength };
  } finally {
    await gw.close();
    await database.close();
    await rm(dataDir, { recursive: true, force: true });
  }
}

if (!isMainThread) {
  const { dist, kind, index } = workerData;
  if (kind === 'body') {
    const run = await loadBuild(dist);
    const c = BODY_CASES[index];
    const text = c.body();
    const t = performance.now();
    let outcome;
    try {
      outcome = run(c.codec, text);
    } catch (e) {
      outcome = `${e.status ?? e.name}: ${e.message.slice(0, 50)}`;
    }
    parentPort.postMessage({ ms: performance.now() - t, outcome, bytes: text.length });
  } else if (kind === 'gateway') {
    parentPort.postMessage(await runThroughGateway(dist, BODY_CASES[index]));
  } else {
    parentPort.postMessage(await runPmmlCase(dist, PMML_CASES[index]));
  }
} else {
  const builds = [{ name: 'this build', dist: join(gatewayDir, 'dist') }];
  const baseline = arg('baseline');
  if (baseline) builds.unshift({ name: arg('baseline-name', baseline), dist: baseline });
  const cap = Number(arg('cap', 60));
  const f = (ms) =>
    ms === Infinity
      ? `> ${cap} s`
      : Number.isNaN(ms)
        ? '—'
        : ms >= 1000
          ? `${(ms / 1000).toFixed(1)} s`
          : `${ms.toFixed(1)} ms`;
  const rows = [];
  for (let i = 0; i < BODY_CASES.length; i++) {
    const cells = [];
    let bytes;
    for (const b of builds) {
      const r = await timeCase(b.dist, 'body', i, cap);
      bytes ??= r.bytes;
      cells.push(`${f(r.ms)} (${r.outcome})`);
      console.log(`${BODY_CASES[i].name} [${b.name}]: ${f(r.ms)} ${r.outcome}`);
    }
    rows.push(
      `| ${BODY_CASES[i].name} | ${bytes ? `${(bytes / 1e6).toFixed(1)} MB` : ''} | ${cells.join(' | ')} |`,
    );
  }
  const through = [];
  const current = builds.at(-1);
  for (let i = 0; i < BODY_CASES.length; i++) {
    const r = await timeCase(current.dist, 'gateway', i, cap);
    console.log(`${BODY_CASES[i].name} [through the gateway]: held ${f(r.held)} of ${f(r.ms)}`);
    through.push(`| ${BODY_CASES[i].name} | ${f(r.held)} | ${f(r.ms)} | ${r.outcome} |`);
  }
  const pmmlRows = [];
  for (let i = 0; i < PMML_CASES.length; i++) {
    const cells = [];
    for (const b of builds) {
      const r = await timeCase(b.dist, 'pmml', i, cap);
      cells.push(
        r.held === undefined
          ? `${f(r.ms)} (${r.outcome})`
          : `${f(r.held)} of ${f(r.ms)} (${r.outcome})`,
      );
      console.log(
        `${PMML_CASES[i].name} [${b.name}]: held ${f(r.held)} of ${f(r.ms)} ${r.outcome}`,
      );
    }
    pmmlRows.push(`| ${PMML_CASES[i].name} | ${cells.join(' | ')} |`);
  }
  const heads = builds.map((b) => b.name);
  const markdown = `## Hostile input: how long one request holds the event loop

Made by \`node bench/hostile.mjs\` (gateway/bench/hostile.mjs) on ${new Date().toISOString().slice(0, 10)},
${cpus().length} × ${cpus()[0]?.model ?? 'cpu'}, Node ${process.version}, at the default limits (16 MiB bodies,
10,000 records). One run per case, each in a fresh worker thread; a case is stopped after ${cap} s.

Request bodies: the work of the JSON parse, depth check, decode and validation of each body
(by the codecs and the validator alone, on one thread).

| body | size | ${heads.join(' | ')} |
|---|---:|${heads.map(() => '---:').join('|')}|
${rows.join('\n')}

The same bodies sent to a real gateway of this build (a PMML deployment, so most are refused
after decoding): the longest the event loop was held while it answered — how late a health
check sent meanwhile would be answered. Bodies of 256 KiB and more are parsed, decoded and
validated on a worker thread.

| body | event loop held | answered in | status |
|---|---:|---:|---:|
${through.join('\n')}

Publishing PMML: the longest the event loop was held (the longest gap between ticks of a 1 ms
interval), of how long the whole load took (read, parse, checks, compile).

| document | ${heads.join(' | ')} |
|---|${heads.map(() => '---:').join('|')}|
${pmmlRows.join('\n')}
`;
  await writeSection('hostile', markdown);
  console.log(markdown);
}

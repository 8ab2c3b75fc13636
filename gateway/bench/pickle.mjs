// Benchmark of a pickled pipeline served by Slipway (POST /fn/:name through the gateway
// process and the deployment's Python worker), one call at a time, beside what a user would
// run instead: the same pickle behind a minimal stdlib `http.server` in Python (keep-alive,
// no framework), and the model called directly in Python (the floor: no HTTP at all).
// Usage: npm run bench:pickle --workspace gateway   (needs the worker venv: npm run python)
import { execFileSync, spawn } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { keepAlivePoster } from './http-post.mjs';
import { BENCH_TOKEN, startGatewayProcess, waitFor, writeSection } from './report.mjs';

const gatewayDir = fileURLToPath(new URL('..', import.meta.url));
const MODEL = 'gbm_classifier';
const modelFile = join(gatewayDir, `test/fixtures/pickle/${MODEL}.pkl`);
const expected = JSON.parse(
  await readFile(join(gatewayDir, `test/fixtures/pickle/${MODEL}.expected.json`), 'utf8'),
);
const record = expected.records[0];
const CALLS = 300;
const WARMUP = 50;
/** Rounds in which the three take turns, so that noise from other work hits them alike. */
const ROUNDS = 3;
const python = execFileSync(process.execPath, ['--import', 'tsx', 'scripts/ensure-python.ts'], {
  cwd: gatewayDir,
  encoding: 'utf8',
}).trim();

// The user's alternatives, in Python: the same work the worker does per call (a one-row
// DataFrame from the JSON record, the pipeline's transforms once, predict and predict_proba of
// its final step, JSON out), and the naive version that runs the transforms twice.
const PY_COMMON = `
import json, sys, time
import joblib, pandas as pd
model = joblib.load(sys.argv[1])
names = list(model.feature_names_in_)
head, final = model[:-1], model.steps[-1][1]
def frame_of(rec):
    return pd.DataFrame({n: [rec.get(n)] for n in names}, columns=names)
def reply(label, proba):
    return {"label": str(label), "probabilities": {str(c): float(p) for c, p in zip(model.classes_, proba)}}
def answer(rec):
    # as Slipway's worker does: the pipeline's transforms once, then the final step's answers
    x = head.transform(frame_of(rec))
    return reply(final.predict(x)[0], final.predict_proba(x)[0])
def answer_naive(rec):
    # as most hand-written servers do: predict and predict_proba each run the whole pipeline
    frame = frame_of(rec)
    return reply(model.predict(frame)[0], model.predict_proba(frame)[0])
`;
const PY_DIRECT = `${PY_COMMON}
rec = json.loads(sys.argv[2]); n, warm = int(sys.argv[3]), int(sys.argv[4])
fn = answer_naive if sys.argv[5] == "naive" else answer
lat = []
for i in range(n + warm):
    t = time.perf_counter(); fn(json.loads(json.dumps(rec))); d = time.perf_counter() - t
    if i >= warm: lat.append(d * 1000)
print(json.dumps(lat))
`;
const PY_SERVER = `${PY_COMMON}
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive, as the gateway's client gets
    disable_nagle_algorithm = True  # else headers and body wait on delayed ACKs (~40 ms)
    def log_message(self, *a): pass
    def do_GET(self):
        self.send_response(200); self.send_header("content-length", "2"); self.end_headers(); self.wfile.write(b"ok")
    def do_POST(self):
        body = json.loads(self.rfile.read(int(self.headers["content-length"])))
        out = json.dumps({"prediction": answer(body)}).encode()
        self.send_response(200); self.send_header("content-type", "application/json")
        self.send_header("content-length", str(len(out))); self.end_headers(); self.wfile.write(out)
ThreadingHTTPServer(("127.0.0.1", int(sys.argv[2])), Handler).serve_forever()
`;

const pct = (sorted, p) =>
  sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
const summary = (lat) => {
  const s = [...lat].sort((a, b) => a - b);
  return { p50: pct(s, 50), p95: pct(s, 95), n: s.length };
};

/** One keep-alive connection, one request at a time, sub-millisecond timing. */
async function sequential(url, headers) {
  const poster = keepAlivePoster(url, headers);
  const body = JSON.stringify(record);
  const once = async () => JSON.parse(await poster.post(body));
  const lat = [];
  let last;
  for (let i = 0; i < WARMUP + CALLS; i++) {
    const t = performance.now();
    last = await once();
    if (i >= WARMUP) lat.push(performance.now() - t);
  }
  poster.close();
  return { lat, last };
}

const stop = async (child) => {
  child.kill('SIGTERM');
  await new Promise((r) => child.on('exit', r));
};

// The alternatives' server and Slipway run side by side; each round times all three in turn.
// 1. A minimal Python HTTP server around the same pickle.
const pyPort = 19400 + Math.floor(Math.random() * 200);
const pyServer = spawn(python, ['-c', PY_SERVER, modelFile, String(pyPort)], { stdio: 'ignore' });
await waitFor(`http://127.0.0.1:${pyPort}/`);

// 2. Slipway: the gateway process (run from source with tsx) and the deployment's worker.
const tmp = await mkdtemp(join(tmpdir(), 'slipway-picklebench-'));
const token = BENCH_TOKEN;
const { child: gateway, base } = await startGatewayProcess({
  cwd: gatewayDir,
  args: ['--import', 'tsx', 'src/index.ts'],
  dataDir: tmp,
  python,
  portBase: 19600,
});
const form = new FormData();
form.set('name', 'pipeline');
form.set('file', new Blob([await readFile(modelFile)]), `${MODEL}.pkl`);
const published = await fetch(`${base}/api/deployments`, {
  method: 'POST',
  headers: { authorization: `Bearer ${token}` },
  body: form,
});
const created = await published.json();
if (published.status !== 201) throw new Error(`publish: ${JSON.stringify(created)}`);

const lat = { direct: [], naive: [], plain: [], slipway: [] };
const directCall = (mode) =>
  JSON.parse(
    execFileSync(
      python,
      ['-c', PY_DIRECT, modelFile, JSON.stringify(record), String(CALLS), String(WARMUP), mode],
      { encoding: 'utf8' },
    ),
  );
let plain;
let slipway;
for (let round = 0; round < ROUNDS; round++) {
  // 3. The model called directly in Python, in a process of its own (loading not timed).
  lat.direct.push(...directCall('once'));
  lat.naive.push(...directCall('naive'));
  plain = await sequential(`http://127.0.0.1:${pyPort}/`, {});
  lat.plain.push(...plain.lat);
  slipway = await sequential(`${base}/fn/pipeline`, {
    authorization: `Bearer ${created.invokeKey}`,
  });
  lat.slipway.push(...slipway.lat);
}
await stop(pyServer);
await stop(gateway);
await rm(tmp, { recursive: true, force: true });
const direct = summary(lat.direct);
const naive = summary(lat.naive);
const plainS = summary(lat.plain);
const slipS = summary(lat.slipway);

// Both servers must answer as scikit-learn did, or the comparison means nothing.
const want = expected.predictions[0];
for (const [who, got] of [
  ['http.server', plain.last.prediction],
  ['Slipway', slipway.last.prediction],
]) {
  if (got.label !== want.label || Math.abs(got.probabilities.stay - want.probabilities.stay) > 1e-9)
    throw new Error(`${who} answered ${JSON.stringify(got)}, scikit-learn ${JSON.stringify(want)}`);
}

const f = (n, d = 2) =>
  n.toLocaleString('en-US', { maximumFractionDigits: d, minimumFractionDigits: d });
const report = `## Pickled pipeline calls

Made by \`npm run bench:pickle --workspace gateway\` (bench/pickle.mjs) on ${new Date().toISOString().slice(0, 10)},
${cpus().length} × ${cpus()[0]?.model ?? 'cpu'}, Node ${process.version}, Python ${execFileSync(python, ['-c', 'import sys, sklearn; print(sys.version.split()[0], "/ scikit-learn", sklearn.__version__)'], { encoding: 'utf8' }).trim()}.
Model: \`${MODEL}.pkl\` (ColumnTransformer with imputers, StandardScaler and one-hot encoding, then a
GradientBoostingClassifier of 8 trees; label and probabilities), one record per call, ${ROUNDS} rounds of ${CALLS} calls
(after ${WARMUP} of warm-up each) per alternative, taking turns, one at a time over one keep-alive connection. The gateway runs as its own
process (from source, on PGlite, invocation log on) with the deployment's own Python worker.
Each alternative does the same work per call as Slipway's worker: a one-row DataFrame from the JSON
record, the pipeline's transforms once, the final step's \`predict\` and \`predict_proba\`, JSON out.

| | calls | p50 latency | p95 latency |
|---|---:|---:|---:|
| the model called directly in Python (no HTTP: the floor) | ${direct.n} | ${f(direct.p50)} ms | ${f(direct.p95)} ms |
| the same, calling the pipeline's \`predict\` and \`predict_proba\` (transforms twice, as most hand-written servers do) | ${naive.n} | ${f(naive.p50)} ms | ${f(naive.p95)} ms |
| the pickle behind Python's stdlib \`http.server\` (ThreadingHTTPServer, keep-alive) | ${plainS.n} | ${f(plainS.p50)} ms | ${f(plainS.p95)} ms |
| Slipway \`POST /fn/pipeline\` (auth, validation, worker round trip, log) | ${slipS.n} | ${f(slipS.p50)} ms | ${f(slipS.p95)} ms |

- p50 ratio Slipway ÷ \`http.server\`: **${f(slipS.p50 / plainS.p50)}×** (p95: ${f(slipS.p95 / plainS.p95)}×).
- p50 ratio Slipway ÷ the direct call: **${f(slipS.p50 / direct.p50)}×**; Slipway adds ${f(slipS.p50 - direct.p50)} ms at p50
  over the model's own work (HTTP, auth, validation against the signature, the JSON-lines hop to
  the worker and the invocation log), ${f(slipS.p50 - plainS.p50)} ms over the bare \`http.server\`.
- The \`http.server\` and Slipway answers were checked against scikit-learn's for the fixture's record
  before reporting.
`;
await writeSection('pickle', report);
console.log(report);

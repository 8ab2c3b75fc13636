// Runs inside a runner image (build-runner-image.sh --smoke mounts this folder at /smoke):
//   node /smoke/smoke-runner.mjs <format> <sha256> <size> <filename>
// starts the image's runner on /smoke/<sha256>, a model fixture, waits for GET /healthz to
// answer 200, scores the records of /smoke/expected.json (the fixture's) with POST /v1/predict
// and compares the predictions with its tolerance (relative to the value, absolute below 1, as
// the gateway's tests do). Exits 0 when all passed. Plain Node 20: the image has nothing else.
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';

const [format, sha256, size, filename] = process.argv.slice(2);
const expected = JSON.parse(readFileSync('/smoke/expected.json', 'utf8'));
const token = `smoke-${Math.random().toString(36).slice(2)}`;
const port = 18080;
const base = `http://127.0.0.1:${port}`;
const spec = {
  name: 'smoke',
  version: 1,
  format,
  pool: 'cpu',
  config: expected.config ?? {},
  artifact: { sha256, size: Number(size), filename },
};

const runner = spawn('node', ['dist/runner/main.js'], {
  stdio: 'inherit',
  env: {
    ...process.env,
    SLIPWAY_RUNNER_TOKEN: token,
    SLIPWAY_RUNNER_SPEC: JSON.stringify(spec),
    SLIPWAY_RUNNER_ARTIFACT_DIR: '/smoke',
    SLIPWAY_RUNNER_PORT: String(port),
    SLIPWAY_RUNNER_HOST: '127.0.0.1',
  },
});
const exited = new Promise((resolve) => runner.once('exit', resolve));

async function check() {
  const started = Date.now();
  let health;
  while (Date.now() - started < 60_000) {
    health = await fetch(`${base}/healthz`).catch(() => undefined);
    if (health?.status === 200) break;
    await new Promise((r) => setTimeout(r, 200));
  }
  console.log(`[smoke] GET /healthz: ${health?.status} after ${Date.now() - started} ms`);
  if (health?.status !== 200) return false;
  const res = await fetch(`${base}/v1/predict`, {
    method: 'POST',
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
    body: JSON.stringify({ records: expected.records }),
  });
  const body = await res.json();
  const wrong = (body.predictions ?? []).filter((p, i) => {
    const got = Object.values(p)[0];
    const want = Object.values(expected.predictions[i])[0];
    return !(Math.abs(got - want) <= expected.tolerance * Math.max(1, Math.abs(want)));
  });
  const n = body.predictions?.length;
  console.log(`[smoke] POST /v1/predict: ${res.status}, ${n} predictions, ${wrong.length} off`);
  return res.status === 200 && n === expected.predictions.length && wrong.length === 0;
}

const ok = await check().catch((err) => (console.error('[smoke]', err), false));
runner.kill('SIGTERM');
const code = await exited;
console.log(`[smoke] runner stopped on SIGTERM with exit code ${code}`);
process.exit(ok && code === 0 ? 0 : 1);

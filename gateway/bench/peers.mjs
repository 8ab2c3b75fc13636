// Side-by-side benchmark of Slipway against the Python model servers (issue 20, goals 2–4):
// the same 100-tree GradientBoostingRegressor as a pickle and as ONNX, served by Slipway (the
// built gateway, embedded PGlite, invocation log on), MLServer (mlserver-sklearn), KServe's
// sklearn predictor, BentoML and `mlflow models serve`, each peer in its own venv from PyPI
// (bench/peers/requirements-*.txt, made under ~/.cache/slipway/peers when missing). Every
// server's answers are checked against scikit-learn's before anything is timed. Then each side
// in turn, in rounds whose order rotates: spawn → healthy → first prediction, idle memory after
// a few calls, 1,000-row requests at 4 callers (rows/s, CPU per row of the server's process
// tree), single records at 32 callers (requests/s, CPU per request) and at one caller (p50,
// p99), all with the same load generator (autocannon; a keep-alive poster at one caller).
// A bare Hono echo and raw onnxruntime-node `session.run` are measured each round as the
// ceiling and the floor of goal 3. Ratios are Slipway ÷ peer within a round; medians reported.
// Usage: npm run bench:peers --workspace gateway
//        [-- --rounds 3 --duration 8 --only slipway,mlserver,bentoml-onnx --out FILE --json FILE]
// --only takes side ids (slipway-pickle, slipway-onnx, mlserver, kserve, bentoml-pickle,
// bentoml-onnx, mlflow-pickle, mlflow-onnx) or their prefixes (slipway, bentoml, mlflow).
import { execFileSync, spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as ort from 'onnxruntime-node';
import { inProcess, loadRun, msUntil, oneCaller, settle, treeRss } from './peers/measure.mjs';
import { peersSection } from './peers/section.mjs';
import { SIDES, snapshotGateway } from './peers/sides.mjs';
import { CACHE_DIR, ensureVenv, run, versionsIn } from './peers/venvs.mjs';
import { waitFor, writeSection } from './report.mjs';

const gatewayDir = fileURLToPath(new URL('..', import.meta.url));
const peersDir = join(gatewayDir, 'bench/peers');
const text = (name) => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? process.argv[i + 1] : undefined;
};
const settings = {
  rounds: Number(text('rounds') ?? 3),
  duration: Number(text('duration') ?? 8),
  batchCallers: 4,
  manyCallers: 32,
  batchRows: 1000,
};
const only = text('only')?.split(',');
const sides = SIDES.filter(
  (s) => !only || only.some((o) => s.id === o || s.id.startsWith(`${o}-`)),
);
const log = (...a) => console.log(new Date().toISOString().slice(11, 19), ...a);

// 1. The models, made once into the cache (remade when the scripts that make them change).
const models = join(CACHE_DIR, 'models');
async function ensureModels() {
  const hash = createHash('sha256');
  for (const f of ['make_models.py', 'requirements-models.txt', 'mlflow_save.py'])
    hash.update(await readFile(join(peersDir, f)));
  const stampFile = join(models, 'stamp');
  const stamp = hash.digest('hex');
  const needMlflow = sides.some((s) => s.venv === 'mlflow');
  const had = await readFile(stampFile, 'utf8').catch(() => '');
  if (had === stamp || (had === `${stamp} base` && !needMlflow)) return;
  log(`making the models in ${models} …`);
  const python = await ensureVenv('models', log);
  await run(python, [join(peersDir, 'make_models.py'), models]);
  if (needMlflow)
    await run(await ensureVenv('mlflow', log), [join(peersDir, 'mlflow_save.py'), models]);
  await writeFile(stampFile, needMlflow ? stamp : `${stamp} base`);
}
await ensureModels();
const records = JSON.parse(await readFile(join(models, 'records.json'), 'utf8'));

// 2. Each peer's venv; a peer whose venv cannot be made is reported, not timed.
const unavailable = {};
const pythons = {};
const versions = {};
for (const side of sides.filter((s) => s.venv)) {
  try {
    pythons[side.venv] ??= await ensureVenv(side.venv, log);
    versions[side.peer] = {
      ...versions[side.peer],
      ...(await versionsIn(pythons[side.venv], side.versions)),
    };
  } catch (err) {
    unavailable[side.id] = `venv not made: ${err.message.split('\n').slice(0, 3).join(' ')}`;
  }
}
const slipwayPython = execFileSync(
  process.execPath,
  ['--import', 'tsx', 'scripts/ensure-python.ts'],
  { cwd: gatewayDir, encoding: 'utf8' },
).trim();
const tmp = await mkdtemp(join(tmpdir(), 'slipway-peers-'));
// Slipway runs from a copy of this build: others may rebuild gateway/dist during the run.
const slipwayDir = sides.some((s) => !s.venv) ? await snapshotGateway(gatewayDir, tmp) : undefined;
const git = (...args) => execFileSync('git', args, { cwd: gatewayDir, encoding: 'utf8' }).trim();
const commit = `${git('rev-parse', '--short', 'HEAD')}${git('status', '--porcelain', '--', 'src') ? ', with uncommitted changes under gateway/src' : ''}`;

// 3. What a side answers must be what scikit-learn answered, or its figures mean nothing.
const TOLERANCE = { pickle: 1e-9, onnx: 1e-4 };
function checkAnswers(side, got, want) {
  const wrong = (message) =>
    Object.assign(new Error(`${side.id} ${message}`), { wrongAnswer: true });
  if (!Array.isArray(got) || got.length !== want.length)
    throw wrong(`answered ${got?.length} predictions for ${want.length} rows`);
  got.forEach((g, i) => {
    const rel = Math.abs(g - want[i]) / Math.abs(want[i]);
    if (!(rel <= TOLERANCE[side.format]))
      throw wrong(
        `answered ${g} for row ${i}, scikit-learn ${want[i]} (relative ${rel} > ${TOLERANCE[side.format]})`,
      );
  });
}

async function post(url, headers, body) {
  const res = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body,
  });
  const answer = await res.text();
  if (res.status !== 200) throw new Error(`${url}: ${res.status} ${answer.slice(0, 500)}`);
  return answer;
}

/** One side's round: start, check, idle memory, then the three loads; stopped whatever happens. */
async function measureSide(side) {
  const ctx = { models, tmp, python: pythons[side.venv], slipwayPython, gatewayDir: slipwayDir };
  const prepared = side.prepare ? await side.prepare(ctx) : {};
  const server = await side.launch(ctx, prepared);
  const url = `${server.base}${side.path}`;
  const headers = side.headers ?? {};
  const single = (i) => side.encode([records.check[i]], true);
  const batchBody = side.encode(records.batch.slice(0, settings.batchRows), false);
  try {
    const healthyMs = await msUntil(server.spawnedAt, () => fetch(`${server.base}${side.health}`), {
      exited: server.exited,
    });
    const firstMs = await msUntil(
      server.spawnedAt,
      () =>
        fetch(url, {
          method: 'POST',
          headers: { 'content-type': 'application/json', ...headers },
          body: single(0),
        }),
      { exited: server.exited },
    );
    for (let i = 0; i < records.check.length; i++)
      checkAnswers(side, side.decode(await post(url, headers, single(i)), true), [
        records.checkPredictions[i],
      ]);
    checkAnswers(
      side,
      side.decode(await post(url, headers, batchBody), false),
      records.batchPredictions.slice(0, settings.batchRows),
    );
    await settle(server.pid);
    const idle = await treeRss(server.pid, side.classify);

    // Each load after a warm-up, from an idle server; what a load leaves the server doing
    // afterwards (until it is idle again) counts in that load's CPU.
    const warm = Math.max(1, Math.round(settings.duration / 4));
    const timed = async (body, callers) => {
      const base = { url, headers, pid: server.pid, body, callers };
      await loadRun({ ...base, seconds: warm });
      await settle(server.pid);
      const load = await loadRun({ ...base, seconds: settings.duration });
      const after = await settle(server.pid);
      return { ...load, cpuMs: load.cpuMs + after.cpuMs, settleMs: after.ms };
    };
    const batch = await timed(batchBody, settings.batchCallers);
    const many = await timed(single(1), settings.manyCallers);
    const one = await oneCaller({ url, headers, body: single(2), seconds: settings.duration });
    await settle(server.pid);
    const afterLoad = await treeRss(server.pid, side.classify);
    return {
      build: side.build ? await side.build(ctx) : undefined,
      freshMs: prepared.freshMs,
      healthyMs,
      firstMs,
      idle,
      afterLoad,
      batch: {
        rowsPerSecond: batch.perSecond * settings.batchRows,
        cpuUsPerRow: (1000 * batch.cpuMs) / (batch.total * settings.batchRows),
        settleMs: batch.settleMs,
      },
      many: {
        perSecond: many.perSecond,
        cpuUsPerRequest: (1000 * many.cpuMs) / many.total,
        settleMs: many.settleMs,
      },
      one,
    };
  } catch (err) {
    const logText = server.log ? await readFile(server.log, 'utf8').catch(() => '') : '';
    err.message = `${side.id}: ${err.message}${logText ? `\n--- its log:\n${logText.slice(-3000)}` : ''}`;
    throw err;
  } finally {
    await server.stop();
  }
}

/** The ceiling and the floor of goal 3: a bare Hono echo at 32 callers, raw `session.run`. */
async function references() {
  const port = 18700 + Math.floor(Math.random() * 200);
  const echo = spawn(process.execPath, ['bench/hono-echo.mjs'], {
    cwd: gatewayDir,
    env: { ...process.env, PORT: String(port) },
    stdio: 'ignore',
  });
  const body = JSON.stringify({ X: records.check[1] });
  try {
    await waitFor(`http://127.0.0.1:${port}/`);
    const seconds = settings.duration;
    const opts = { url: `http://127.0.0.1:${port}/`, headers: {}, body, pid: echo.pid };
    await loadRun({ ...opts, callers: settings.manyCallers, seconds: 1 });
    const hono = await loadRun({ ...opts, callers: settings.manyCallers, seconds });
    const session = await ort.InferenceSession.create(join(models, 'gbm.onnx'));
    const feeds = () => ({
      X: new ort.Tensor('float32', Float32Array.from(records.check[2]), [1, 8]),
    });
    const raw = await inProcess(() => session.run(feeds()), Math.min(seconds, 4));
    await session.release();
    return { honoPerSecond: hono.perSecond, raw };
  } finally {
    echo.kill('SIGTERM');
  }
}

const rounds = [];
for (let r = 0; r < settings.rounds; r++) {
  const round = { loadBefore: loadavg()[0], sides: {} };
  log(`round ${r + 1}/${settings.rounds}: references (Hono echo, raw session.run)`);
  round.references = await references();
  const order = sides.filter((s) => !unavailable[s.id]);
  // The order rotates each round, so that other work on this machine weighs on all alike.
  const turn = [...order.slice(r % order.length), ...order.slice(0, r % order.length)];
  for (const side of turn) {
    log(`round ${r + 1}/${settings.rounds}: ${side.id}`);
    // Wrong answers end the run. A server that does not come up gets a second try (the
    // gateway's dist/ may have been rebuilt under it meanwhile); then it is reported, not timed.
    for (let attempt = 1; !round.sides[side.id] && !unavailable[side.id]; attempt++) {
      try {
        round.sides[side.id] = await measureSide(side);
      } catch (err) {
        if (err.wrongAnswer) throw err;
        console.error(err.message);
        if (attempt === 2)
          unavailable[side.id] = `not served in round ${r + 1}: ${err.message.split('\n')[0]}`;
        else await new Promise((resolve) => setTimeout(resolve, 20_000));
      }
    }
    if (!round.sides[side.id]) continue;
    const m = round.sides[side.id];
    log(
      `  ${Math.round(m.batch.rowsPerSecond)} rows/s (${m.batch.cpuUsPerRow.toFixed(1)} µs CPU/row), ` +
        `${Math.round(m.many.perSecond)} req/s at ${settings.manyCallers} (${Math.round(m.many.cpuUsPerRequest)} µs CPU/req), ` +
        `p50 ${m.one.p50.toFixed(2)} ms p99 ${m.one.p99.toFixed(2)} ms at 1, idle ${Math.round(m.idle.total)} MiB, ` +
        `first prediction ${Math.round(m.firstMs)} ms`,
    );
  }
  round.loadAfter = loadavg()[0];
  rounds.push(round);
}
await rm(tmp, { recursive: true, force: true });

const ortVersion = ort.env.versions.node;
const mlflowTrusted = JSON.parse(
  await readFile(join(models, 'mlflow-trusted.json'), 'utf8').catch(() => 'null'),
);
const section = peersSection({
  mlflowTrusted,
  settings,
  sides,
  rounds,
  unavailable,
  versions,
  records,
  ortVersion,
  commit,
});
const out = text('out');
if (text('json')) await writeFile(text('json'), JSON.stringify({ settings, rounds, versions }));
if (out) await writeFile(out, section);
else await writeSection('peers', section);
console.log(section);

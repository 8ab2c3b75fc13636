// The servers the side-by-side benchmark compares, each as it ships: how it is started (one
// serving worker process, bound to 127.0.0.1, CPU only), where it answers health and
// predictions, and how its wire format carries rows of 8 numbers and answers them.
import { spawn } from 'node:child_process';
import { closeSync, openSync } from 'node:fs';
import {
  chmod,
  cp,
  mkdir,
  mkdtemp,
  readFile,
  rm,
  stat,
  symlink,
  writeFile,
} from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { BENCH_TOKEN, spawnGatewayProcess } from '../report.mjs';
import { msUntil, pidsMentioning, sleep } from './measure.mjs';

const here = fileURLToPath(new URL('.', import.meta.url));

/** A port nothing listens on now (the kernel's pick). */
function freePort() {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

/**
 * Spawns a peer in a process group of its own (so that stopping it ends its workers too),
 * its output to `log`; answers the spawn time, its pid and `stop`.
 */
function spawnPeer(command, args, { env = {}, cwd, log }) {
  const fd = openSync(log, 'a');
  const spawnedAt = performance.now();
  const child = spawn(command, args, {
    cwd,
    env: { ...process.env, ...env },
    stdio: ['ignore', fd, fd],
    detached: true,
  });
  closeSync(fd);
  let exited = false;
  const exit = new Promise((r) => child.on('exit', () => r((exited = true))));
  const stop = async () => {
    const group = (signal) => {
      try {
        process.kill(-child.pid, signal);
      } catch {
        // already gone
      }
    };
    group('SIGTERM');
    await Promise.race([exit, sleep(15_000)]);
    group('SIGKILL');
    await exit;
  };
  return { spawnedAt, pid: child.pid, stop, exited: () => exited, log };
}

const flat = (rows) => rows.flat();
const json = JSON.stringify;

/** The pickle as MLServer serves it: mlserver-sklearn, Open Inference Protocol v2. */
const mlserver = {
  id: 'mlserver',
  peer: 'MLServer',
  format: 'pickle',
  venv: 'mlserver',
  versions: ['mlserver', 'mlserver-sklearn', 'uvloop'],
  path: '/v2/models/gbm/infer',
  health: '/v2/health/ready',
  encode: (rows) =>
    json({
      inputs: [{ name: 'input-0', shape: [rows.length, 8], datatype: 'FP64', data: flat(rows) }],
    }),
  decode: (text) => JSON.parse(text).outputs[0].data,
  async launch(ctx) {
    const [http, grpc, metrics] = [await freePort(), await freePort(), await freePort()];
    const dir = await mkdtemp(join(ctx.tmp, 'mlserver-'));
    await mkdir(join(dir, 'gbm'));
    // MLServer's defaults otherwise: one parallel inference worker process, gRPC and metrics on.
    await writeFile(
      join(dir, 'settings.json'),
      json({ host: '127.0.0.1', http_port: http, grpc_port: grpc, metrics_port: metrics }),
    );
    await writeFile(
      join(dir, 'gbm/model-settings.json'),
      json({
        name: 'gbm',
        implementation: 'mlserver_sklearn.SKLearnModel',
        parameters: { uri: join(ctx.models, 'gbm.joblib') },
      }),
    );
    // In its own folder: MLServer keeps its metrics' files in `.metrics` under the working dir.
    const p = spawnPeer(join(dirname(ctx.python), 'mlserver'), ['start', dir], {
      log: join(dir, 'log'),
      cwd: dir,
    });
    return { ...p, base: `http://127.0.0.1:${http}` };
  },
};

/** The pickle as KServe's sklearn predictor serves it (kserve_server.py), v1 protocol. */
const kserve = {
  id: 'kserve',
  peer: 'KServe',
  format: 'pickle',
  venv: 'kserve',
  versions: ['kserve'],
  path: '/v1/models/gbm:predict',
  health: '/v2/health/ready',
  encode: (rows) => json({ instances: rows }),
  decode: (text) => JSON.parse(text).predictions,
  async launch(ctx) {
    const port = await freePort();
    const p = spawnPeer(
      ctx.python,
      [join(here, 'kserve_server.py'), join(ctx.models, 'gbm.joblib'), String(port)],
      { log: join(ctx.tmp, `kserve-${port}.log`) },
    );
    return { ...p, base: `http://127.0.0.1:${port}` };
  },
};

/** BentoML services (bento_service.py), one worker each. */
const bento = (format, service, file) => ({
  id: `bentoml-${format}`,
  peer: 'BentoML',
  format,
  venv: 'bentoml',
  versions: ['bentoml', 'onnxruntime'],
  path: '/predict',
  health: '/readyz',
  encode: (rows) => json({ instances: rows }),
  decode: (text) => JSON.parse(text),
  async launch(ctx) {
    const port = await freePort();
    const p = spawnPeer(
      join(dirname(ctx.python), 'bentoml'),
      ['serve', `bento_service:${service}`, '--host', '127.0.0.1', '--port', String(port)],
      {
        cwd: here,
        env: { PEERS_MODEL: join(ctx.models, file), BENTOML_DO_NOT_TRACK: 'true' },
        log: join(ctx.tmp, `bentoml-${port}.log`),
      },
    );
    return { ...p, base: `http://127.0.0.1:${port}` };
  },
});

/** `mlflow models serve` on a saved MLflow model (mlflow_save.py), one uvicorn worker. */
const mlflow = (format, dir) => ({
  id: `mlflow-${format}`,
  peer: 'MLflow',
  format,
  venv: 'mlflow',
  versions: ['mlflow', 'skops', 'onnx', 'onnxruntime'],
  path: '/invocations',
  health: '/ping',
  encode: (rows) => json({ inputs: rows }),
  decode: (text) => {
    const { predictions } = JSON.parse(text);
    return format === 'onnx' ? predictions.variable.flat() : predictions;
  },
  async launch(ctx) {
    const port = await freePort();
    const bin = dirname(ctx.python);
    const p = spawnPeer(
      join(bin, 'mlflow'),
      [
        'models',
        'serve',
        '-m',
        join(ctx.models, dir),
        '-h',
        '127.0.0.1',
        '-p',
        String(port),
        '-w',
        '1',
        '--env-manager',
        'local',
      ],
      {
        // It starts `uvicorn` by name; loading a scikit-learn model (skops included) needs the
        // opt-in MLflow 3 asks for.
        env: { PATH: `${bin}:${process.env.PATH}`, MLFLOW_ALLOW_PICKLE_DESERIALIZATION: 'true' },
        log: join(ctx.tmp, `mlflow-${port}.log`),
      },
    );
    return { ...p, base: `http://127.0.0.1:${port}` };
  },
});

/**
 * Slipway: the built gateway (`node dist/index.js`, embedded PGlite, invocation log on) with the
 * model published through its API. `prepare` times a fresh gateway to healthy and publishes;
 * `launch` restarts the gateway on that data dir, as a server restarts with its models.
 */
const slipway = (format, file, field) => ({
  id: `slipway-${format}`,
  peer: 'Slipway',
  format,
  path: `/fn/gbm-${format}`,
  health: '/api/health',
  headers: { authorization: `Bearer ${BENCH_TOKEN}` },
  encode: (rows, single) => json(single ? { [field]: rows[0] } : rows.map((r) => ({ [field]: r }))),
  decode: (text, single) => {
    const answer = JSON.parse(text);
    return single ? [answer.prediction] : answer.predictions;
  },
  classify: (p, isRoot) =>
    isRoot ? 'gateway' : p.cmdline.includes('embedded-database-process') ? 'database' : 'workers',
  /** When the gateway build that runs was made. */
  build: async (ctx) => (await stat(join(ctx.gatewayDir, 'dist/index.js'))).mtime.toISOString(),
  async prepare(ctx) {
    const dataDir = await mkdtemp(join(tmpdir(), `slipway-peers-${format}-`));
    const gw = this.spawnGateway(ctx, dataDir);
    try {
      const freshMs = await msUntil(gw.spawnedAt, () => fetch(`${gw.base}/api/health`), {
        exited: gw.exited,
      });
      const form = new FormData();
      form.set('name', `gbm-${format}`);
      form.set('file', new Blob([await readFile(join(ctx.models, file))]), file);
      const res = await fetch(`${gw.base}/api/deployments`, {
        method: 'POST',
        headers: { authorization: `Bearer ${BENCH_TOKEN}` },
        body: form,
      });
      if (res.status !== 201)
        throw new Error(`publishing ${file}: ${res.status} ${await res.text()}`);
      await gw.stop();
      return { dataDir, freshMs };
    } catch (err) {
      await gw.stop();
      await rm(dataDir, { recursive: true, force: true });
      throw err;
    }
  },
  spawnGateway(ctx, dataDir) {
    const spawnedAt = performance.now();
    const { child, base } = spawnGatewayProcess({
      cwd: ctx.gatewayDir,
      args: ['dist/index.js'],
      dataDir,
      python: ctx.slipwayPython,
      portBase: 24000,
    });
    let exited = false;
    const exit = new Promise((r) => child.on('exit', () => r((exited = true))));
    const stop = async () => {
      child.kill('SIGTERM');
      await exit;
      // Its embedded database's process goes after it: wait, so it weighs on no later side.
      for (let i = 0; i < 600 && (await pidsMentioning(dataDir)).length > 0; i++) await sleep(50);
    };
    return { spawnedAt, pid: child.pid, base, stop, exited: () => exited };
  },
  async launch(ctx, prepared) {
    const gw = this.spawnGateway(ctx, prepared.dataDir);
    return {
      ...gw,
      stop: async () => {
        await gw.stop();
        await rm(prepared.dataDir, { recursive: true, force: true });
      },
    };
  },
});

/**
 * A copy of the built gateway under `dir` that every Slipway side of the run starts from, so
 * that a rebuild of gateway/dist meanwhile (others work in this checkout) changes no round: dist/,
 * what it reads beside it (package.json, drizzle/, workers/python) and links to node_modules.
 * Answers the copy's gateway directory.
 */
export async function snapshotGateway(gatewayDir, dir) {
  const copy = join(dir, 'gateway');
  // Slipway's workers run as nobody: the copy must be readable by them (mkdtemp makes 0700).
  await chmod(dir, 0o755);
  for (const part of ['dist', 'package.json', 'drizzle', 'workers/python'])
    await cp(join(gatewayDir, part), join(copy, part), { recursive: true });
  await symlink(join(gatewayDir, 'workers/java'), join(copy, 'workers/java'));
  await symlink(join(gatewayDir, 'node_modules'), join(copy, 'node_modules')).catch(() => {});
  await symlink(join(gatewayDir, '../node_modules'), join(dir, 'node_modules'));
  return copy;
}

/** Every side, Slipway first in each format. */
export const SIDES = [
  slipway('pickle', 'gbm.joblib', 'features'),
  mlserver,
  kserve,
  bento('pickle', 'GbmPickle', 'gbm.joblib'),
  mlflow('pickle', 'mlflow-sklearn'),
  slipway('onnx', 'gbm.onnx', 'X'),
  bento('onnx', 'GbmOnnx', 'gbm.onnx'),
  mlflow('onnx', 'mlflow-onnx'),
];

// `npm start`: the Python environment, the builds (each only when its sources changed), then
// the gateway (embedded database) and JupyterLab with the extension, already pointed at the
// gateway with its token. The console gets one line per set-up step; what pip, tsc and webpack
// print goes to <data dir>/logs/setup.log, JupyterLab's info lines to logs/jupyterlab.log.
// Ctrl-C stops both. `--jupyter-config <file>` passes a Jupyter server config (the UI tests
// use Galata's, which sets the token and root folder itself).
import { spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream, mkdirSync, rmSync } from 'node:fs';
import { homedir } from 'node:os';
import { join, relative, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { fileURLToPath } from 'node:url';
import { resolveAdminToken, resolveSecret } from '../gateway/src/auth/admin-token.js';
import { buildExtension, JUPYTER_DATA_DIR, serverExtensionPath } from './build-extension.js';
import { buildGateway } from './build-gateway.js';
import { ensureLabEnv } from './lab-env.js';
import { ensureNotebookDir, notebookDir, resolveLabToken } from './lab-settings.js';
import {
  createSetupLog,
  failureMessage,
  jupyterConsoleFilter,
  progressLine,
  SetupStepError,
  splitLines,
} from './setup-log.js';

const root = fileURLToPath(new URL('..', import.meta.url));
const { values: args } = parseArgs({
  options: { 'jupyter-config': { type: 'string' }, 'skip-build': { type: 'boolean' } },
});
const env = process.env;
const host = env.SLIPWAY_HOST ?? '127.0.0.1';
const port = Number(env.SLIPWAY_PORT ?? 8787);
const gatewayUrl = env.SLIPWAY_PUBLIC_URL ?? `http://${host}:${port}`;
const labPort = Number(env.SLIPWAY_LAB_PORT ?? 8888);
const dataDir = resolve(env.SLIPWAY_DATA_DIR ?? join(root, '.slipway'));
const say = (line: string) => console.log(progressLine(line));
/** A path as the user would type it from the checkout (absolute when outside it). */
const shown = (path: string) => (path.startsWith(root) ? relative(root, path) : path);

mkdirSync(dataDir, { recursive: true });
const logDir = join(dataDir, 'logs');
const setup = createSetupLog(join(logDir, 'setup.log'));
let labToken: { token: string; file?: string } | undefined;
let notebooks: string | undefined;
// Settings first: a bad variable is reported before minutes of set-up, not after.
if (!args['jupyter-config']) {
  try {
    labToken = resolveLabToken(dataDir, env.SLIPWAY_LAB_TOKEN);
    notebooks = notebookDir(env.SLIPWAY_NOTEBOOK_DIR, homedir());
    ensureNotebookDir(notebooks);
  } catch (err) {
    console.error(progressLine((err as Error).message));
    process.exit(2);
  }
}
let python: string;
try {
  python = await ensureLabEnv(setup.progress, setup.output);
  if (!args['skip-build']) {
    await buildGateway(setup);
    await buildExtension(python, false, setup);
  }
} catch (err) {
  // A failed command says so with the end of the log; anything else gets that end added.
  const message = (err as Error).message;
  console.error(
    progressLine(
      err instanceof SetupStepError
        ? message
        : failureMessage('the set-up', message, shown(setup.file), setup.tail(20)),
    ),
  );
  process.exit(1);
}

// The same token the gateway will read: generated into the data dir on first start.
const admin = await resolveAdminToken(dataDir, env.SLIPWAY_ADMIN_TOKEN);
// The Jupyter server's credential for its proxy: with it the gateway takes the JupyterLab user's
// name. Whoever runs npm start is the admin of their own gateway: a user first seen is one
// (SLIPWAY_NEW_USER_ROLE chooses another role).
const proxy = await resolveSecret(dataDir, 'proxy-token', env.SLIPWAY_PROXY_TOKEN);
// JupyterLab's settings folder. No gateway URL or token in it: the extension reaches the gateway
// through the Jupyter server (below), which holds them. An overrides file an older start wrote
// (it held the admin token, for the browser) goes.
const labSettings = join(dataDir, 'lab', 'settings');
mkdirSync(labSettings, { recursive: true });
rmSync(join(labSettings, 'overrides.json'), { force: true });

const children: ChildProcess[] = [];
let stopping = false;
function stopAll(code: number): void {
  if (stopping) return;
  stopping = true;
  say('stopping the gateway and JupyterLab');
  for (const c of children) if (c.exitCode === null) c.kill('SIGTERM');
  const force = setTimeout(() => children.forEach((c) => c.kill('SIGKILL')), 10_000);
  force.unref();
  void Promise.all(
    children.map((c) => (c.exitCode === null ? new Promise((r) => c.once('exit', r)) : null)),
  ).then(() => process.exit(code));
}
const hints: Record<string, string> = {
  gateway: `is port ${port} free? SLIPWAY_PORT picks another`,
  JupyterLab: `is port ${labPort} free? SLIPWAY_LAB_PORT picks another`,
};
// Children run in their own process groups: Ctrl-C reaches only this script, which stops
// them with SIGTERM (a SIGINT would make Jupyter ask "Shutdown this Jupyter server?").
/** Where a child's output goes: the console, or a log file and what of it the console shows. */
interface OutputRoute {
  file: string;
  toConsole: (line: string) => boolean;
}
function start(
  name: string,
  cmd: string,
  argv: string[],
  extraEnv: Record<string, string>,
  route?: OutputRoute,
): ChildProcess {
  const child = spawn(cmd, argv, {
    cwd: root,
    env: { ...env, ...extraEnv },
    stdio: ['ignore', route ? 'pipe' : 'inherit', route ? 'pipe' : 'inherit'],
    detached: true,
  });
  if (route) {
    const file = createWriteStream(route.file);
    for (const [stream, print] of [
      [child.stdout!, (l: string) => console.log(l)],
      [child.stderr!, (l: string) => console.error(l)],
    ] as const) {
      const lines = splitLines((line) => {
        file.write(`${line}\n`);
        if (route.toConsole(line)) print(line);
      });
      stream.on('data', lines.push);
      stream.on('end', lines.end);
    }
  }
  child.once('exit', (code, signal) => {
    if (!stopping) {
      say(`${name} exited (${signal ?? code}); stopping${hints[name] ? ` (${hints[name]})` : ''}`);
      stopAll(code || 1);
    }
  });
  children.push(child);
  return child;
}
process.on('SIGINT', () => stopAll(0));
process.on('SIGTERM', () => stopAll(0));

start('gateway', process.execPath, [join(root, 'gateway/dist/index.js')], {
  SLIPWAY_DATA_DIR: dataDir,
  SLIPWAY_HOST: host,
  SLIPWAY_PORT: String(port),
  SLIPWAY_PYTHON: env.SLIPWAY_PYTHON ?? python,
  SLIPWAY_PROXY_TOKEN: proxy.token,
  SLIPWAY_NEW_USER_ROLE: env.SLIPWAY_NEW_USER_ROLE ?? 'admin',
  // Batch jobs may name files of the JupyterLab workspace by path (and schedules read there).
  ...(notebooks && !env.SLIPWAY_BATCH_INPUT_ROOT && { SLIPWAY_BATCH_INPUT_ROOT: notebooks }),
});
/** Waits until `url` answers 200; false when it did not within `seconds` or we are stopping. */
async function answers(url: string, seconds: number): Promise<boolean> {
  for (let i = 0; i < seconds * 10 && !stopping; i++) {
    try {
      if ((await fetch(url)).ok) return true;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  return false;
}

if (!(await answers(`${gatewayUrl}/api/health`, 30))) {
  if (!stopping) say(`the gateway did not answer at ${gatewayUrl}/api/health within 30 s`);
  stopAll(1);
  await new Promise(() => {}); // stopAll exits the process once the children are gone
}

const labArgs = [
  '-m',
  'jupyter',
  'lab',
  '--no-browser',
  `--port=${labPort}`,
  // The printed URL must be the one it listens on: fail rather than take the next free port.
  '--ServerApp.port_retries=0',
  `--LabApp.app_settings_dir=${labSettings}`,
  // Slipway's server extension proxies the extension's calls to the gateway.
  '--ServerApp.jpserver_extensions=jupyterlab_slipway=True',
];
// Containers and CI run as root, which Jupyter refuses unless told.
if (process.getuid?.() === 0) labArgs.push('--allow-root');
if (args['jupyter-config']) labArgs.push(`--config=${resolve(args['jupyter-config'])}`);
else
  labArgs.push(`--IdentityProvider.token=${labToken!.token}`, `--ServerApp.root_dir=${notebooks}`);
const labLog = join(logDir, 'jupyterlab.log');
start(
  'JupyterLab',
  python,
  labArgs,
  {
    JUPYTER_PATH: [JUPYTER_DATA_DIR, env.JUPYTER_PATH].filter(Boolean).join(':'),
    // The server extension from this checkout (a folder holding only it: kernels inherit this).
    PYTHONPATH: [serverExtensionPath(), env.PYTHONPATH].filter(Boolean).join(':'),
    // The Python client's defaults: `Client()` in a notebook reaches this gateway as admin.
    SLIPWAY_URL: gatewayUrl,
    ...(admin.file && { SLIPWAY_TOKEN_FILE: admin.file }),
    // The proxy's gateway and credential: the Jupyter server's, never the browser's.
    SLIPWAY_GATEWAY_URL: gatewayUrl,
    SLIPWAY_GATEWAY_TOKEN: proxy.token,
  },
  { file: labLog, toConsole: jupyterConsoleFilter() },
);

// GET /api needs no token: it answers once the server listens.
if (!(await answers(`http://127.0.0.1:${labPort}/api`, 120))) {
  if (!stopping) say(`JupyterLab did not answer on port ${labPort} within 120 s`);
  stopAll(1);
} else {
  const tokenFrom = labToken?.file ? shown(labToken.file) : 'SLIPWAY_LAB_TOKEN';
  say(`gateway:    ${gatewayUrl}  (admin token in ${admin.file ?? 'SLIPWAY_ADMIN_TOKEN'})`);
  say(
    `JupyterLab: http://localhost:${labPort}/lab${labToken ? `?token=${labToken.token}  (the same on every start; token in ${tokenFrom})` : ''}`,
  );
  if (notebooks) say(`notebooks:  ${notebooks}  (SLIPWAY_NOTEBOOK_DIR picks another folder)`);
  say(`logs:       ${shown(logDir)}/  (setup.log, jupyterlab.log)`);
  say('Ctrl-C stops both');
}

// The peers' Python environments: one venv per peer under ~/.cache/slipway/peers/venvs, made
// from the pinned requirements file beside this one when missing or when the file changed.
import { spawn } from 'node:child_process';
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** Where the peers' venvs and models live: a cache, never the repository. */
export const CACHE_DIR = join(homedir(), '.cache/slipway/peers');
const here = fileURLToPath(new URL('.', import.meta.url));

/** Runs `command`; rejects with its output when it fails. */
export function run(command, args, options = {}) {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { ...options, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => (out += d));
    child.on('error', reject);
    child.on('exit', (code) =>
      code === 0
        ? resolve(out)
        : reject(new Error(`${command} ${args.join(' ')} exited ${code}:\n${out.slice(-4000)}`)),
    );
  });
}

/**
 * The python of peer `name`'s venv, made first (python3.11 -m venv, pip install -r
 * requirements-<name>.txt) unless it was made from the same requirements before.
 */
export async function ensureVenv(name, log = console.log) {
  const requirements = join(here, `requirements-${name}.txt`);
  const wanted = await readFile(requirements, 'utf8');
  const dir = join(CACHE_DIR, 'venvs', name);
  const stamp = join(dir, '.slipway-requirements');
  const python = join(dir, 'bin/python');
  if ((await readFile(stamp, 'utf8').catch(() => '')) === wanted) return python;
  log(`making the ${name} venv in ${dir} (pip install -r ${requirements}) …`);
  await rm(dir, { recursive: true, force: true });
  await mkdir(join(CACHE_DIR, 'venvs'), { recursive: true });
  await run('python3.11', ['-m', 'venv', dir]);
  await run(python, ['-m', 'pip', 'install', '--quiet', '--upgrade', 'pip']);
  await run(python, ['-m', 'pip', 'install', '--quiet', '-r', requirements]);
  await writeFile(stamp, wanted);
  return python;
}

/** `pip freeze`'s version of each of `packages` in the venv of `python`. */
export async function versionsIn(python, packages) {
  const out = await run(python, ['-m', 'pip', 'list', '--format', 'json']);
  const list = JSON.parse(out.slice(out.indexOf('[')));
  const byName = new Map(list.map((p) => [p.name.toLowerCase().replace(/_/g, '-'), p.version]));
  return Object.fromEntries(packages.map((p) => [p, byName.get(p) ?? '?']));
}

// `node bench/peers/venvs.mjs mlserver kserve …` makes those venvs ahead of a run.
if (process.argv[1] === fileURLToPath(import.meta.url))
  for (const name of process.argv.slice(2)) console.log(await ensureVenv(name));

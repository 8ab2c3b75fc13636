// Keeps bench/RESULTS.md as one file with a section per benchmark, each rewritten by its own run.
import { spawn } from 'node:child_process';
import { readFile, writeFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { format, resolveConfig } from 'prettier';

const file = new URL('../../bench/RESULTS.md', import.meta.url);
const HEADER =
  '# Benchmark results\n\nEach section is written by its benchmark (`gateway/bench/*.mjs`); run them with `npm run bench`.\n';

/** Replaces (or appends) the section `name` of bench/RESULTS.md with `markdown`. */
export async function writeSection(name, markdown) {
  let text = await readFile(file, 'utf8').catch(() => HEADER);
  if (!text.startsWith(HEADER)) text = HEADER;
  const begin = `<!-- ${name} -->`;
  const end = `<!-- /${name} -->`;
  const block = `${begin}\n\n${markdown.trim()}\n\n${end}`;
  const i = text.indexOf(begin);
  const j = text.indexOf(end);
  text =
    i >= 0 && j > i
      ? text.slice(0, i) + block + text.slice(j + end.length)
      : `${text.trimEnd()}\n\n${block}\n`;
  // Formatted as the repository's lint wants it, whoever wrote the section.
  const path = fileURLToPath(file);
  const options = { ...(await resolveConfig(path)), filepath: path };
  await writeFile(file, await format(text, options));
}

/** Waits until `url` answers 200 (a process the benchmark started). */
export async function waitFor(url) {
  for (let i = 0; i < 300; i++) {
    try {
      if ((await fetch(url)).ok) return;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`${url} did not answer`);
}

/** The admin token of the gateways the benchmarks start. */
export const BENCH_TOKEN = 'sa_bench-admin-token-000000000';

/**
 * Spawns a gateway process (`args` run by node in `cwd`) on a free-ish port with its data in
 * `dataDir` and its worker on `python` (and `env` besides); `base` is its URL. It answers once it
 * has started: see `startGatewayProcess`.
 */
export function spawnGatewayProcess({ cwd, args, dataDir, python, portBase, env = {} }) {
  const port = portBase + Math.floor(Math.random() * 800);
  const child = spawn(process.execPath, args, {
    cwd,
    env: {
      ...process.env,
      SLIPWAY_DATA_DIR: dataDir,
      SLIPWAY_PORT: String(port),
      SLIPWAY_ADMIN_TOKEN: BENCH_TOKEN,
      SLIPWAY_PYTHON: python,
      ...env,
    },
    stdio: 'ignore',
  });
  return { child, base: `http://127.0.0.1:${port}` };
}

/** `spawnGatewayProcess`, then waits until the gateway answers. */
export async function startGatewayProcess(options) {
  const { child, base } = spawnGatewayProcess(options);
  await waitFor(`${base}/api/health`);
  return { child, base };
}

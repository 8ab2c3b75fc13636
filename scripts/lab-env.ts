// The Python environment for JupyterLab and the gateway's worker: one venv made from
// scripts/lab-requirements.txt plus the worker's requirements, keyed by their content.
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { ensurePythonEnv } from '../gateway/src/workers/python-env.js';
import { PYTHON_REQUIREMENTS_FILE } from '../gateway/src/workers/python-worker.js';
import { ensureLabClient } from './lab-client.js';

const root = fileURLToPath(new URL('..', import.meta.url));
const venvRoot = `${root}.venv-lab`;

/**
 * Makes (or reuses) the venv, with the Python client (clients/python) installed editable, and
 * returns its interpreter. `SLIPWAY_LAB_PYTHON` names an
 * existing interpreter to use instead (it must have JupyterLab and the worker's packages).
 * `log` gets a line per step, `output` what venv and pip print (default `log`).
 */
export async function ensureLabEnv(
  log: (line: string) => void = console.log,
  output: (line: string) => void = log,
): Promise<string> {
  // One file holding both lists, so a change to either makes a new venv.
  mkdirSync(venvRoot, { recursive: true });
  const combined = `${venvRoot}/requirements.txt`;
  writeFileSync(
    combined,
    `${readFileSync(`${root}scripts/lab-requirements.txt`, 'utf8')}\n${readFileSync(PYTHON_REQUIREMENTS_FILE, 'utf8')}`,
  );
  const python = await ensurePythonEnv({
    configured: process.env.SLIPWAY_LAB_PYTHON,
    venvRoot,
    requirementsFile: combined,
    log,
    output,
  });
  // A notebook publishes from code with the Python client; an interpreter of one's own is left as it is.
  if (!process.env.SLIPWAY_LAB_PYTHON) await ensureLabClient(python, log, output);
  return python;
}

// `tsx scripts/lab-env.ts` prints the interpreter (for CI and the UI tests).
if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  console.log(await ensureLabEnv((line) => console.error(line)));
}

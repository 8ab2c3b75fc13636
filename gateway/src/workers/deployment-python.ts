import { createHash } from 'node:crypto';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { ensurePythonEnv, type BuildSandbox } from './python-env.js';
import { PYTHON_REQUIREMENTS_FILE } from './python-worker.js';

/** Where the interpreters of deployments with `config.requirements` come from. */
export interface DeploymentPythonOptions {
  /** `SLIPWAY_PYTHON`: the worker's interpreter as it is; else the managed venv. */
  configured?: string;
  /** `<dataDir>/python`: the worker's venv is there, deployments' venvs under `models/`. */
  venvRoot: string;
  /** Default `python3`. */
  basePython?: string;
  log?: (line: string) => void;
  /**
   * How pip builds a deployment's venv: as the worker user, with the workers' environment
   * (it runs the packages' build code). Asked at each build; default: as the gateway.
   */
  pipSandbox?: () => BuildSandbox;
}

/**
 * The interpreter of a Python deployment (a pickle's worker, a notebook's kernels): the
 * worker's own when it has no `requirements`; else a venv for exactly those requirements,
 * layered on the worker's (it sees the worker's packages after its own, so pip installs only
 * what is missing or pinned differently, in seconds rather than minutes). The venv is
 * `<venvRoot>/models/venv-<hash>` of a requirements file that names the worker's interpreter
 * too: the same requirements on the same worker reuse it, whichever runtime asks; a new worker
 * environment makes a new one.
 */
export async function deploymentPython(
  requirements: readonly string[],
  opts: DeploymentPythonOptions,
): Promise<string> {
  const base = await ensurePythonEnv({
    configured: opts.configured,
    venvRoot: opts.venvRoot,
    basePython: opts.basePython,
    requirementsFile: PYTHON_REQUIREMENTS_FILE,
    log: opts.log,
  });
  if (requirements.length === 0) return base;
  const root = join(opts.venvRoot, 'models');
  await mkdir(root, { recursive: true });
  // The header is part of the hash: its words stay as they were when only pickles had
  // requirements, so that venvs made then are reused (a notebook's list shares them too).
  const text = `# a pickle deployment's requirements, on top of ${base}\n${requirements.join('\n')}\n`;
  const hash = createHash('sha256').update(text).digest('hex').slice(0, 16);
  const file = join(root, `requirements-${hash}.txt`);
  await writeFile(file, text);
  return ensurePythonEnv({
    venvRoot: root,
    requirementsFile: file,
    // The same interpreter version as the worker's: compiled packages must match it.
    basePython: base,
    inherit: base,
    log: opts.log,
    sandbox: opts.pipSandbox?.(),
  });
}

import { fileURLToPath } from 'node:url';
import { pythonWorker } from '../workers/python-worker.js';
import { testPython } from '../workers/testing/python.js';
import { notebookRuntimeFactory } from './notebook/notebook-runtime.js';
import { notebookContract, type NotebookContractCase } from './testing/notebook-contract.js';
import { toyNotebookRuntimeFactory } from './testing/toy-notebook-runtime.js';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

// The contract lives in ./testing/notebook-contract.ts; this file lists the notebook runtimes.

const fixture = (p: string) => fileURLToPath(new URL(`../../test/fixtures/${p}`, import.meta.url));

notebookContract('toy notebook (the route tests’ notebook)', async () => {
  const echo = fixture('toy/echo.toynb.json');
  const defaults = { x: 1, label: 'hi', seconds: 0, fail: false };
  return {
    factory: toyNotebookRuntimeFactory(),
    artifact: echo,
    run: { parameters: { x: 5 }, outputs: [{ ...defaults, x: 5 }] },
    defaultOutputs: [defaults],
    slow: { artifact: echo, parameters: { seconds: 60 } },
    failing: {
      artifact: echo,
      parameters: { fail: true },
      cell: { position: 2, executionCount: 2 },
      ename: 'ValueError',
    },
    foreignFile: fixture('notebooks/trivial.ipynb'),
  };
});

// Papermill needs the Python worker's venv (npm test makes it); without it, skipped.
const python = await testPython();
if (python)
  notebookContract(
    'papermill (real worker and ipykernel)',
    async (): Promise<NotebookContractCase> => {
      const runsDir = await mkdtemp(join(tmpdir(), 'slipway-nb-contract-runs-'));
      const worker = pythonWorker({ configured: python, venvRoot: '/nonexistent' });
      return {
        factory: notebookRuntimeFactory({ worker, runsDir }),
        artifact: fixture('notebooks/trivial.ipynb'),
        run: { parameters: { x: 41 }, outputs: [42] },
        defaultOutputs: [2],
        slow: { artifact: fixture('notebooks/slow.ipynb'), parameters: { seconds: 60 } },
        failing: {
          artifact: fixture('notebooks/failing.ipynb'),
          parameters: {},
          // The 3rd cell, [3] after Run All in JupyterLab (the injected cell takes no number).
          cell: { position: 3, executionCount: 3, firstLine: 'value = 10 / divisor' },
          ename: 'ZeroDivisionError',
        },
        foreignFile: fixture('toy/echo.toynb.json'),
        dispose: async () => {
          await worker.stop();
          await rm(runsDir, { recursive: true, force: true });
        },
      };
    },
  );

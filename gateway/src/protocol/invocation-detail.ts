/**
 * One recorded call in full, as `GET /api/deployments/:name/invocations/:id` answers it, and
 * the tracebacks a failed notebook run left in its executed notebook.
 * Shared with the JupyterLab extension: this file imports types only.
 */
import type { Format, Invocation } from './deployments.js';

/** The error a cell of an executed notebook raised. */
export interface NotebookTraceback {
  /** The cell's index in the executed notebook (papermill's injected cell included). */
  cell: number;
  /** The cell's number as JupyterLab shows it (`[3]`), as the call's error names it. */
  executionCount: number | null;
  ename: string;
  evalue: string;
  /** The traceback as plain text (the kernel's terminal colours removed). */
  traceback: string;
}

/** The notebook run behind a call to a notebook deployment. */
export interface InvocationRun {
  id: string;
  status: 'running' | 'succeeded' | 'failed';
  /** Where the run's status is read with the admin token (a path on the gateway). */
  statusPath: string;
  /** Where the executed notebook is read with the admin token; null until the run wrote it. */
  notebookPath: string | null;
  /** The errors the notebook's cells raised, in cell order (none when it ran through). */
  tracebacks: NotebookTraceback[];
}

/** One call: what the list of recent calls gives, plus its version's format and its run. */
export interface InvocationDetail extends Invocation {
  /** The format of the version that answered; null when that version is gone. */
  format: Format | null;
  /** For a call to a notebook: its run; null for models (and for calls refused before a run). */
  run: InvocationRun | null;
}

const ESC = String.fromCharCode(27);
// Colours and cursor moves, as IPython writes them into tracebacks.
const ANSI = new RegExp(`${ESC}\\[[0-9;?]*[ -/]*[@-~]`, 'g');

/** The error outputs of an executed notebook (nbformat 4), in cell order; [] for anything else. */
export function notebookTracebacks(notebook: unknown): NotebookTraceback[] {
  const cells = (notebook as { cells?: unknown } | null)?.cells;
  if (!Array.isArray(cells)) return [];
  const found: NotebookTraceback[] = [];
  cells.forEach((cell: unknown, index) => {
    const { outputs, execution_count: count } =
      (cell as { outputs?: unknown; execution_count?: unknown } | null) ?? {};
    if (!Array.isArray(outputs)) return;
    for (const out of outputs as unknown[]) {
      const o = out as {
        output_type?: unknown;
        ename?: unknown;
        evalue?: unknown;
        traceback?: unknown;
      };
      if (o?.output_type !== 'error') continue;
      const lines = Array.isArray(o.traceback) ? o.traceback.map(String) : [];
      found.push({
        cell: index,
        executionCount: typeof count === 'number' ? count : null,
        ename: typeof o.ename === 'string' ? o.ename : 'Error',
        evalue: typeof o.evalue === 'string' ? o.evalue : '',
        traceback: lines.join('\n').replace(ANSI, ''),
      });
    }
  });
  return found;
}

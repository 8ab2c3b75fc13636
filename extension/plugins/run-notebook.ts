import type { JupyterFrontEnd } from '@jupyterlab/application';
import type { Contents } from '@jupyterlab/services';
import type { RetrainRun } from '../../gateway/src/protocol/retraining.js';
import { RUNS_FOLDER, runNotebookPath } from '../models/retraining-model.js';

/** Makes `slipway-runs/` on the Jupyter server when it is not there yet. */
async function ensureRunsFolder(contents: Contents.IManager): Promise<void> {
  try {
    await contents.get(RUNS_FOLDER, { content: false });
  } catch {
    await contents.save(RUNS_FOLDER, { type: 'directory' });
  }
}

/**
 * Saves a run's executed notebook under `slipway-runs/` and opens it: the gateway keeps it,
 * but JupyterLab opens only what its contents manager can read. Resolves with the path.
 */
export async function openRunNotebook(
  app: JupyterFrontEnd,
  run: Pick<RetrainRun, 'deployment' | 'id'>,
  notebook: Record<string, unknown>,
): Promise<string> {
  const contents = app.serviceManager.contents;
  const path = runNotebookPath(run);
  await ensureRunsFolder(contents);
  await contents.save(path, { type: 'notebook', format: 'json', content: notebook });
  await app.commands.execute('docmanager:open', { path });
  return path;
}

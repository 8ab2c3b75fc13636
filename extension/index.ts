import type { JupyterFrontEndPlugin } from '@jupyterlab/application';
import { auditPlugin } from './plugins/audit.js';
import { corePlugin } from './plugins/core.js';
import { deploymentsPlugin } from './plugins/deployments.js';
import { monitoringDataPlugin } from './plugins/monitoring-data.js';
import { publishPlugin } from './plugins/publish.js';
import { scoreFilePlugin } from './plugins/score-file.js';
import { tagsPlugin } from './plugins/tags.js';

export { ISlipway } from './tokens.js';

/** Slipway's JupyterLab plugins; each only wires, the logic lives in models and widgets. */
const plugins: JupyterFrontEndPlugin<unknown>[] = [
  corePlugin,
  tagsPlugin,
  publishPlugin,
  deploymentsPlugin,
  monitoringDataPlugin,
  scoreFilePlugin,
  auditPlugin,
];
export default plugins;

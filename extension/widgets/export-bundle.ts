import { showErrorMessage } from '@jupyterlab/apputils';
import type { TranslationBundle } from '@jupyterlab/translation';
import type { GatewayClient } from '../client/gateway-client.js';
import { userMessage } from '../client/errors.js';
import { browserDownload } from './download.js';

/**
 * Downloads the export bundle of a deployment's live version (`GET
 * /api/deployments/:name/export`): a tarball that runs without the gateway. A refusal (a
 * missing artifact is a 409 naming it) is shown with the gateway's message.
 */
export async function exportDeploymentBundle(opts: {
  client: Pick<GatewayClient, 'download'>;
  name: string;
  trans: TranslationBundle;
  download?: (file: Blob, filename: string) => void;
}): Promise<void> {
  const { client, name, trans, download = browserDownload } = opts;
  try {
    const file = await client.download(`/api/deployments/${encodeURIComponent(name)}/export`);
    download(file, `${name}.tar.gz`);
  } catch (err) {
    await showErrorMessage(trans.__('Could not export %1', name), userMessage(err));
  }
}

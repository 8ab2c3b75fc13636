// @vitest-environment jsdom
import '../testing/dom-shims.js';
import { Dialog } from '@jupyterlab/apputils';
import { nullTranslator } from '@jupyterlab/translation';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { GatewayClient } from '../client/gateway-client.js';
import { UNTIL } from '../testing/until.js';
import { exportDeploymentBundle } from './export-bundle.js';

const trans = nullTranslator.load('slipway');

/** A gateway whose export route answers `status` (a tarball when 200). */
function gateway(status: number) {
  const asked: string[] = [];
  const client = new GatewayClient(
    { baseUrl: 'http://gw.test', token: 't' },
    {
      trans,
      fetch: async (input) => {
        asked.push(new URL(String(input)).pathname);
        if (status === 200) return new Response(new Uint8Array([31, 139, 8]), { status });
        return new Response(
          JSON.stringify({
            error: { code: 'artifact_missing', message: 'its artifact model.onnx is missing' },
          }),
          { status },
        );
      },
    },
  );
  return { client, asked };
}

afterEach(() => Dialog.flush());

describe('Export in the monitor', () => {
  it('downloads the bundle of the deployment as <name>.tar.gz', async () => {
    const { client, asked } = gateway(200);
    const got: { file: Blob; filename: string }[] = [];
    await exportDeploymentBundle({
      client,
      name: 'iris',
      trans,
      download: (file, filename) => got.push({ file, filename }),
    });
    expect(asked).toEqual(['/api/deployments/iris/export']);
    expect(got).toHaveLength(1);
    expect(got[0]!.filename).toBe('iris.tar.gz');
    expect(got[0]!.file.size).toBe(3);
  });

  it("shows the gateway's reason when the export is refused, and downloads nothing", async () => {
    const { client } = gateway(409);
    const got: string[] = [];
    const shown = exportDeploymentBundle({
      client,
      name: 'iris',
      trans,
      download: (_f, filename) => got.push(filename),
    });
    await vi.waitFor(() => expect(document.body.textContent).toContain('is missing'), UNTIL);
    const dialog = document.querySelector<HTMLElement>('.jp-Dialog')!;
    expect(dialog.querySelector('.jp-Dialog-header')?.textContent).toBe('Could not export iris');
    dialog.querySelector<HTMLButtonElement>('.jp-Dialog-footer button')!.click();
    await shown;
    expect(got).toEqual([]);
  });
});

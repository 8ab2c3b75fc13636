// @vitest-environment jsdom
import '../testing/dom-shims.js';
import { nullTranslator } from '@jupyterlab/translation';
import { describe, expect, it } from 'vitest';
import { GatewayClient } from '../client/gateway-client.js';
import { irisDeployment } from '../testing/deployments.js';
import { DeploymentsPanel } from './DeploymentsPanel.js';

const trans = nullTranslator.load('slipway');
const reason =
  'pod slw-iris-1a2b waits: Unschedulable: 0/3 nodes are available: 1 Insufficient nvidia.com/gpu';

/** A panel over a gateway listing `deployments`. */
async function panelWith(deployments: object[]): Promise<DeploymentsPanel> {
  const client = new GatewayClient(
    { baseUrl: 'http://gw.test', token: 't' },
    { trans, fetch: async () => new Response(JSON.stringify({ deployments }), { status: 200 }) },
  );
  const panel = new DeploymentsPanel({ client, openMonitor: () => {}, trans });
  await panel.refresh();
  return panel;
}

describe('the deployments sidebar: status', () => {
  it('a deployment waiting for its pool shows pending, and the scheduler’s reason', async () => {
    const panel = await panelWith([
      irisDeployment({ pool: 'gpu', status: 'pending', statusReason: reason }),
    ]);
    const item = panel.node.querySelector('li[data-name="iris"]')!;
    expect(item.querySelector('.jp-SlipwayStatus')?.className).toContain('jp-mod-pending');
    expect(item.querySelector('.jp-SlipwayStatus')?.textContent).toBe('pending');
    expect(item.querySelector('.jp-SlipwayDeployments-reason')?.textContent).toBe(reason);
    panel.dispose();
  });

  it('a ready one has no reason line', async () => {
    const panel = await panelWith([irisDeployment()]);
    expect(panel.node.querySelector('.jp-SlipwayDeployments-reason')).toBeNull();
    panel.dispose();
  });
});

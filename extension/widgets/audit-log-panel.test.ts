// @vitest-environment jsdom
import '../testing/dom-shims.js';
import { nullTranslator } from '@jupyterlab/translation';
import { describe, expect, it } from 'vitest';
import type { AuditEntry } from '../../gateway/src/protocol/identity.js';
import { GatewayClient } from '../client/gateway-client.js';
import { AuditLogPanel } from './AuditLogPanel.js';

// The gateway's side (what it logs, who may read it) is gateway/test/teams.test.ts; here, what
// the panel makes of its answers.
const trans = nullTranslator.load('slipway');

const entry = (over: Partial<AuditEntry>): AuditEntry => ({
  id: 1,
  time: '2026-11-30T12:00:00.000Z',
  actor: 'ada',
  via: 'proxy',
  method: 'POST',
  path: '/api/deployments',
  deploymentName: null,
  status: 201,
  remote: '10.0.0.7',
  requestId: 'r1',
  ...over,
});

/** A panel over a gateway answering `answer` to every call; `asked` gets each URL. */
function panelOver(answer: () => Response, asked: string[] = []) {
  const client = new GatewayClient(
    { baseUrl: 'http://gw.test', token: '' },
    {
      trans,
      fetch: async (input) => {
        asked.push(String(input));
        return answer();
      },
    },
  );
  return new AuditLogPanel(client, trans);
}

describe('the audit log panel', () => {
  it('lists the actions as the gateway answers them, refusals marked, and sends the filters', async () => {
    const asked: string[] = [];
    const entries = [
      entry({
        id: 2,
        actor: 'victor',
        method: 'DELETE',
        path: '/api/deployments/churn',
        deploymentName: 'churn',
        status: 403,
      }),
      entry({ id: 1 }),
    ];
    const panel = panelOver(() => Response.json({ entries }), asked);
    await panel.refresh();
    const rows = [...panel.node.querySelectorAll('tbody tr')].map((tr) =>
      [...tr.querySelectorAll('td')].slice(1).map((td) => td.textContent),
    );
    expect(rows).toEqual([
      ['victor', 'proxy', 'DELETE /api/deployments/churn', 'churn', '403', '10.0.0.7'],
      ['ada', 'proxy', 'POST /api/deployments', '', '201', '10.0.0.7'],
    ]);
    expect(panel.node.querySelector('tbody tr')!.className).toBe('jp-mod-refused');
    panel.node.querySelector<HTMLInputElement>('input[name="actor"]')!.value = 'victor';
    panel.node.querySelector<HTMLInputElement>('input[name="deployment"]')!.value = 'churn';
    await panel.refresh();
    expect(asked.at(-1)).toBe('http://gw.test/api/audit?actor=victor&deployment=churn&limit=200');
    panel.dispose();
  });

  it("shows a non-admin the gateway's refusal, naming the permission", async () => {
    const message =
      'victor (viewer) may not do this: it needs the "admin" permission; an admin can change the role (PUT /api/users/victor)';
    const panel = panelOver(() =>
      Response.json({ error: { code: 'forbidden', message } }, { status: 403 }),
    );
    await panel.refresh();
    expect(panel.node.querySelector('[role="status"]')!.textContent).toBe(
      `Not allowed: ${message}`,
    );
    expect(panel.node.querySelectorAll('tbody tr')).toHaveLength(0);
    panel.dispose();
  });
});

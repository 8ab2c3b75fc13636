// The jupyterlab-slipway wheel in a fresh venv (issue 21): Slipway appears with no build step and
// reaches the gateway through the Jupyter server, the browser never sees the gateway's
// credential, and a server set up wrong says so, for its administrator to fix.
import { expect, test } from '@jupyterlab/galata';
import type { Page } from '@playwright/test';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { ADMIN_TOKEN, GATEWAY, LABS, PROXY_TOKEN } from '../wheel-stack.js';

const iris = fileURLToPath(
  new URL('../../gateway/test/fixtures/onnx/classifier_zipmap.onnx', import.meta.url),
);

/** Reads a message from the notification center (toasts are not shown to the test browser). */
async function notified(page: Page, text: RegExp): Promise<void> {
  await page.locator('.jp-Notification-Status').click();
  await expect(page.locator('.jp-Notification-Center')).toContainText(text, { timeout: 120_000 });
}

test.describe('a server set up as the README says', () => {
  test.use({ baseURL: LABS.ok.url });

  test('shows the deployments through the Jupyter server, and the browser holds no gateway secret', async ({
    page,
    request,
  }) => {
    const published = await request.post(`${GATEWAY}/api/deployments`, {
      headers: { Authorization: `Bearer ${ADMIN_TOKEN}` },
      multipart: {
        name: 'wheel-iris',
        file: {
          name: 'iris.onnx',
          mimeType: 'application/octet-stream',
          buffer: readFileSync(iris),
        },
      },
    });
    expect(published.status()).toBe(201);

    // Everything the browser receives from now on, to look for the credential in.
    const received: string[] = [];
    page.on('response', (res) => {
      void res.text().then(
        (text) => received.push(`${res.url()}\n${text}`),
        () => {},
      );
    });
    await page.reload();
    await notified(page, /Slipway gateway \S+, through the Jupyter server/);
    await page.evaluate(() =>
      (
        window as unknown as { jupyterapp: { commands: { execute(id: string): Promise<unknown> } } }
      ).jupyterapp.commands.execute('slipway:open-deployments'),
    );
    const list = page.getByRole('list', { name: 'Deployments' });
    await expect(list.locator('li[data-name="wheel-iris"]')).toContainText('onnx · cpu · v1');
    // The gateway's calls went to the Jupyter server's proxy, never to the gateway itself.
    await expect
      .poll(() => received.some((r) => r.includes('/slipway/api/deployments')))
      .toBe(true);
    expect(received.filter((r) => r.startsWith(GATEWAY))).toEqual([]);
    expect(received.filter((r) => r.includes(ADMIN_TOKEN) || r.includes(PROXY_TOKEN))).toEqual([]);
    // The gateway knows the JupyterLab user, as the Jupyter server named them.
    const me = await page.evaluate(async () => (await fetch('/slipway/api/me')).json());
    expect(me).toMatchObject({ role: 'publisher', via: 'proxy' });
    expect(me.user).toBeTruthy();
    // Slipway's settings are UI preferences only.
    const settings = await page.evaluate(async () => {
      const res = await fetch('/lab/api/settings/slipway:core');
      return (await res.json()) as { schema: { properties: Record<string, unknown> } };
    });
    expect(Object.keys(settings.schema.properties)).toEqual(['refreshSeconds']);
  });
});

test.describe('a server whose credential the gateway refuses', () => {
  test.use({ baseURL: LABS.wrongToken.url });
  test('says the server is misconfigured, for its administrator', async ({ page }) => {
    // The notification center shows the start of it; the rest names c.Slipway.token
    // (extension/client/gateway-client.test.ts reads it whole).
    await notified(page, /The Slipway gateway refused the Jupyter server \(401: /);
  });
});

test.describe('a server with no gateway in its configuration', () => {
  test.use({ baseURL: LABS.noGateway.url });
  test('names the setting to set', async ({ page }) => {
    await notified(
      page,
      /The Jupyter server is not set up for Slipway: the Jupyter server has no Slipway gateway: set c\.Slipway\.gateway_url/,
    );
  });
});

test.describe('a server whose gateway does not answer', () => {
  test.use({ baseURL: LABS.unreachable.url });
  test('says the gateway is not reachable from the server', async ({ page }) => {
    await notified(
      page,
      /Slipway gateway not reachable: the Jupyter server could not reach the Slipway gateway/,
    );
  });
});

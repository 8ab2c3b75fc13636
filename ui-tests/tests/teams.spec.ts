// Teams in JupyterLab (issue 21): the extension reaches the gateway through the Jupyter server,
// which names its user; the gateway logs what they do, and an admin reads the log in JupyterLab.
import { expect, test } from '@jupyterlab/galata';
import { screenshots } from '../iris.js';

test('an admin opens the audit log from the Slipway menu and finds their own action there', async ({
  page,
  request,
  baseURL,
}) => {
  // Through the Jupyter server's proxy, as the extension calls: the gateway knows the user.
  const me = await (await request.get(`${baseURL}/slipway/api/me`)).json();
  expect(me).toMatchObject({ role: 'admin', via: 'proxy' });
  expect(me.user).toBeTruthy();
  const probe = await request.delete(`${baseURL}/slipway/api/deployments/audit-probe`);
  expect(probe.status()).toBe(404);

  await page.getByRole('menuitem', { name: 'Slipway', exact: true }).click();
  await page.locator('.lm-Menu').getByRole('menuitem', { name: 'Slipway Audit Log' }).click();
  const log = page.getByRole('table', { name: 'Audit log' });
  const row = log.locator('tbody tr', { hasText: 'DELETE /api/deployments/audit-probe' });
  await expect(row).toHaveCount(1);
  await expect(row).toContainText(me.user);
  await expect(row).toContainText('proxy');
  await expect(row).toContainText('404');
  // Filtered by user, the gateway answers only theirs.
  await page.getByRole('searchbox', { name: 'User' }).fill(me.user);
  await page.getByRole('searchbox', { name: 'User' }).press('Enter');
  await expect(log.locator('tbody tr')).not.toHaveCount(0);
  for (const cells of await log.locator('tbody tr td:nth-child(2)').allTextContents())
    expect(cells).toBe(me.user);
  await page.screenshot({ path: `${screenshots}audit-log.png` });
});

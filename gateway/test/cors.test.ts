import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADMIN_TOKEN, startTestGateway, type TestGateway } from './support/test-gateway.js';

// The JupyterLab extension calls the gateway from another origin (JupyterLab's).
describe('CORS for the JupyterLab extension', () => {
  let open: TestGateway;
  let listed: TestGateway;
  beforeAll(async () => {
    open = await startTestGateway();
    listed = await startTestGateway({ config: { corsOrigins: ['http://localhost:8888'] } });
  });
  afterAll(async () => {
    await open.stop();
    await listed.stop();
  });

  const preflight = (gw: TestGateway, origin: string) =>
    gw.app.request('/api/deployments', {
      method: 'OPTIONS',
      headers: {
        Origin: origin,
        'Access-Control-Request-Method': 'POST',
        'Access-Control-Request-Headers': 'authorization',
      },
    });

  it('answers a preflight without a token and allows the Authorization header', async () => {
    const res = await preflight(open, 'http://localhost:8888');
    expect(res.status).toBe(204);
    expect(res.headers.get('access-control-allow-origin')).toBe('*');
    expect(res.headers.get('access-control-allow-headers')?.toLowerCase()).toContain(
      'authorization',
    );
  });

  it('still needs the token for the call itself', async () => {
    const res = await open.app.request('/api/deployments', {
      headers: { Origin: 'http://localhost:8888' },
    });
    expect(res.status).toBe(401);
    expect(res.headers.get('access-control-allow-origin')).toBe('*');
  });

  it('allows only the configured origins when a list is set', async () => {
    const ok = await listed.app.request('/api/deployments', {
      headers: { Origin: 'http://localhost:8888', Authorization: `Bearer ${ADMIN_TOKEN}` },
    });
    expect(ok.headers.get('access-control-allow-origin')).toBe('http://localhost:8888');
    const other = await preflight(listed, 'http://evil.example');
    expect(other.headers.get('access-control-allow-origin')).toBeNull();
  });
});

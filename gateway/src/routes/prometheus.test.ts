import { Hono } from 'hono';
import { describe, expect, it } from 'vitest';
import { GatewayMetrics } from '../alerts/prometheus.js';
import { prometheusRoutes } from './prometheus.js';

describe('GET /metrics', () => {
  it('answers the text format with Prometheus’s content type', async () => {
    const metrics = new GatewayMetrics();
    metrics.observeCall({ deployment: 'iris', version: 1, status: 200, latencyMs: 12 });
    const app = new Hono().route('/metrics', prometheusRoutes({ metrics }));
    const res = await app.request('/metrics');
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('text/plain; version=0.0.4; charset=utf-8');
    const text = await res.text();
    expect(text).toContain('# TYPE slipway_requests_total counter');
    expect(text).toContain('slipway_requests_total{deployment="iris",version="1",status="200"} 1');
  });
});

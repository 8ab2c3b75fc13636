import { Hono } from 'hono';
import type { GatewayMetrics } from '../alerts/prometheus.js';

/** `GET /metrics`: the Prometheus text format. Auth is the app's. */
export function prometheusRoutes({ metrics }: { metrics: GatewayMetrics }) {
  return new Hono().get('/', async (c) => {
    const text = await metrics.metrics();
    return c.body(text, 200, { 'Content-Type': metrics.contentType, 'Cache-Control': 'no-store' });
  });
}

import { register as globalRegistry } from 'prom-client';
import { describe, expect, it } from 'vitest';
import { GatewayMetrics } from './prometheus.js';

/** The sample lines of a metric family, without HELP and TYPE. */
async function samples(metrics: GatewayMetrics, name: string): Promise<string[]> {
  return (await metrics.metrics())
    .split('\n')
    .filter((line) => line.startsWith(`${name}{`) || line.startsWith(`${name} `));
}

describe('GatewayMetrics', () => {
  it('counts calls by deployment, version and status, and times them in seconds', async () => {
    const m = new GatewayMetrics();
    m.observeCall({ deployment: 'iris', version: 2, status: 200, latencyMs: 3 });
    m.observeCall({ deployment: 'iris', version: 2, status: 200, latencyMs: 40 });
    m.observeCall({ deployment: 'iris', version: 2, status: 503, latencyMs: 1 });
    m.observeCall({ deployment: 'iris', version: 2, status: 42.5, latencyMs: 1 });
    expect(await samples(m, 'slipway_requests_total')).toEqual([
      'slipway_requests_total{deployment="iris",version="2",status="200"} 2',
      'slipway_requests_total{deployment="iris",version="2",status="503"} 1',
      'slipway_requests_total{deployment="iris",version="2",status="other"} 1',
    ]);
    const buckets = await samples(m, 'slipway_request_duration_seconds_bucket');
    expect(buckets).toContain(
      'slipway_request_duration_seconds_bucket{le="0.005",deployment="iris",version="2"} 3',
    );
    expect(buckets).toContain(
      'slipway_request_duration_seconds_bucket{le="0.05",deployment="iris",version="2"} 4',
    );
    expect(buckets).toContain(
      'slipway_request_duration_seconds_bucket{le="600",deployment="iris",version="2"} 4',
    );
    expect(await samples(m, 'slipway_request_duration_seconds_count')).toEqual([
      'slipway_request_duration_seconds_count{deployment="iris",version="2"} 4',
    ]);
  });

  it('counts the calls the log kept without their values while it was behind', async () => {
    const m = new GatewayMetrics();
    expect(await samples(m, 'slipway_log_values_sampled_out_total')).toEqual([
      'slipway_log_values_sampled_out_total 0',
    ]);
    m.logValuesSampledOut();
    m.logValuesSampledOut();
    expect(await samples(m, 'slipway_log_values_sampled_out_total')).toEqual([
      'slipway_log_values_sampled_out_total 2',
    ]);
  });

  it('counts cold starts, and times the loads a call waited for', async () => {
    const m = new GatewayMetrics();
    m.observeCall({
      deployment: 'iris',
      version: 1,
      status: 200,
      latencyMs: 900,
      cold: true,
      coldStartMs: 850,
    });
    // A notebook run that waited for a kernel: counted, its wait not known to the gateway.
    m.observeCall({ deployment: 'iris', version: 1, status: 200, latencyMs: 2000, cold: true });
    m.observeCall({ deployment: 'iris', version: 1, status: 200, latencyMs: 3 });
    expect(await samples(m, 'slipway_cold_starts_total')).toEqual([
      'slipway_cold_starts_total{deployment="iris",version="1"} 2',
    ]);
    expect(await samples(m, 'slipway_cold_start_seconds_count')).toEqual([
      'slipway_cold_start_seconds_count{deployment="iris",version="1"} 1',
    ]);
    expect(await samples(m, 'slipway_cold_start_seconds_sum')).toEqual([
      'slipway_cold_start_seconds_sum{deployment="iris",version="1"} 0.85',
    ]);
  });

  it('sets quality, drift and alert gauges', async () => {
    const m = new GatewayMetrics();
    m.setQuality({ deployment: 'iris', version: 1, metric: 'accuracy', value: 0.93 });
    m.setDrift({
      deployment: 'iris',
      feature: 'petal_length',
      method: 'ks',
      statistic: 0.31,
      detected: true,
    });
    m.setDrift({
      deployment: 'iris',
      feature: 'sepal_width',
      method: 'ks',
      statistic: 0.02,
      detected: false,
    });
    m.setAlert({ deployment: 'iris', rule: 'accuracy-drop', firing: true });
    expect(await samples(m, 'slipway_quality')).toEqual([
      'slipway_quality{deployment="iris",version="1",metric="accuracy"} 0.93',
    ]);
    expect(await samples(m, 'slipway_drift')).toEqual([
      'slipway_drift{deployment="iris",feature="petal_length",method="ks"} 0.31',
      'slipway_drift{deployment="iris",feature="sepal_width",method="ks"} 0.02',
    ]);
    expect(await samples(m, 'slipway_drift_detected')).toEqual([
      'slipway_drift_detected{deployment="iris",feature="petal_length"} 1',
      'slipway_drift_detected{deployment="iris",feature="sepal_width"} 0',
    ]);
    expect(await samples(m, 'slipway_alert_firing')).toEqual([
      'slipway_alert_firing{deployment="iris",rule="accuracy-drop"} 1',
    ]);

    m.setAlert({ deployment: 'iris', rule: 'accuracy-drop', firing: false });
    m.setQuality({ deployment: 'iris', version: 1, metric: 'accuracy', value: null });
    // A feature measured with another method now: one series for it, not two.
    m.setDrift({
      deployment: 'iris',
      feature: 'petal_length',
      method: 'psi',
      statistic: 0.05,
      detected: false,
    });
    expect(await samples(m, 'slipway_alert_firing')).toEqual([
      'slipway_alert_firing{deployment="iris",rule="accuracy-drop"} 0',
    ]);
    expect(await samples(m, 'slipway_quality')).toEqual([]);
    expect(await samples(m, 'slipway_drift')).toEqual([
      'slipway_drift{deployment="iris",feature="sepal_width",method="ks"} 0.02',
      'slipway_drift{deployment="iris",feature="petal_length",method="psi"} 0.05',
    ]);
    m.removeAlert({ deployment: 'iris', rule: 'accuracy-drop' });
    expect(await samples(m, 'slipway_alert_firing')).toEqual([]);
  });

  it('removes every series of a deleted deployment, and only those', async () => {
    const m = new GatewayMetrics();
    for (const deployment of ['iris', 'wine']) {
      m.observeCall({ deployment, version: 1, status: 200, latencyMs: 5 });
      m.setQuality({ deployment, version: 1, metric: 'f1_macro', value: 0.8 });
      m.setDrift({ deployment, feature: 'x', method: 'psi', statistic: 0.2, detected: true });
      m.setAlert({ deployment, rule: 'r', firing: true });
    }
    m.removeDeployment('iris');
    m.removeDeployment('never-seen');
    const text = await m.metrics();
    expect(text).not.toContain('deployment="iris"');
    for (const name of [
      'slipway_requests_total',
      'slipway_request_duration_seconds_count',
      'slipway_quality',
      'slipway_drift',
      'slipway_drift_detected',
      'slipway_alert_firing',
    ])
      expect(await samples(m, name), name).toHaveLength(1);
  });

  it('keeps each metric to its series limit and counts what it left out', async () => {
    const m = new GatewayMetrics({ maxSeriesPerMetric: 2 });
    for (const feature of ['a', 'b', 'c', 'd'])
      m.setDrift({ deployment: 'iris', feature, method: 'psi', statistic: 0.1, detected: false });
    expect(await samples(m, 'slipway_drift')).toHaveLength(2);
    expect(await samples(m, 'slipway_metric_series_dropped_total')).toContain(
      'slipway_metric_series_dropped_total{metric="slipway_drift"} 2',
    );
    // Known series still update; removal frees room.
    m.setDrift({ deployment: 'iris', feature: 'a', method: 'psi', statistic: 0.7, detected: true });
    expect(await samples(m, 'slipway_drift')).toContain(
      'slipway_drift{deployment="iris",feature="a",method="psi"} 0.7',
    );
    m.removeDeployment('iris');
    m.setDrift({
      deployment: 'wine',
      feature: 'c',
      method: 'psi',
      statistic: 0.1,
      detected: false,
    });
    expect(await samples(m, 'slipway_drift')).toHaveLength(1);
  });

  it('truncates a very long label value', async () => {
    const m = new GatewayMetrics();
    m.setDrift({
      deployment: 'iris',
      feature: 'f'.repeat(500),
      method: 'psi',
      statistic: 0,
      detected: false,
    });
    const [line] = await samples(m, 'slipway_drift');
    expect(line).toContain(`feature="${'f'.repeat(128)}"`);
  });

  it('uses a registry of its own, so two instances do not collide', async () => {
    const a = new GatewayMetrics();
    const b = new GatewayMetrics({ processMetrics: true });
    a.observeCall({ deployment: 'iris', version: 1, status: 200, latencyMs: 1 });
    expect(await samples(b, 'slipway_requests_total')).toEqual([]);
    expect(await b.metrics()).toContain('process_cpu_user_seconds_total');
    expect(await a.metrics()).not.toContain('process_cpu_user_seconds_total');
    expect(await globalRegistry.metrics()).not.toContain('slipway_');
  });
});

import { Counter, Gauge, type Registry } from 'prom-client';
import type { StreamConsumer } from './stream-consumer.js';

/**
 * The streams' series in `/metrics`, read from this gateway's consumers at each scrape:
 * messages by outcome, throughput and the group's lag, labelled by stream and deployment.
 */
export function registerStreamMetrics(
  registry: Registry,
  consumers: () => Iterable<StreamConsumer>,
): void {
  const labelNames = ['stream', 'deployment'] as const;
  const labels = (c: StreamConsumer) => ({
    stream: c.binding.id,
    deployment: c.binding.deploymentName,
  });
  new Counter({
    name: 'slipway_stream_messages_total',
    help: 'Messages a stream consumer of this gateway handled, by outcome (consumed, produced: a prediction out, dead_lettered)',
    labelNames: [...labelNames, 'outcome'],
    registers: [registry],
    collect() {
      this.reset();
      for (const c of consumers()) {
        const l = labels(c);
        this.inc({ ...l, outcome: 'consumed' }, c.totals.consumed);
        this.inc({ ...l, outcome: 'produced' }, c.totals.produced);
        this.inc({ ...l, outcome: 'dead_lettered' }, c.totals.deadLettered);
      }
    },
  });
  new Gauge({
    name: 'slipway_stream_messages_per_second',
    help: 'Messages consumed per second by this gateway over the last 10 s',
    labelNames,
    registers: [registry],
    collect() {
      this.reset();
      for (const c of consumers()) this.set(labels(c), c.messagesPerSecond() ?? 0);
    },
  });
  new Gauge({
    name: 'slipway_stream_lag',
    help: "Messages of the input topic the stream's consumer group has not committed",
    labelNames,
    registers: [registry],
    collect() {
      this.reset();
      for (const c of consumers()) if (c.lag !== null) this.set(labels(c), c.lag);
    },
  });
  new Gauge({
    name: 'slipway_stream_up',
    help: "1 while this gateway's consumer of the stream runs (or is paused), 0 while it connects or retries",
    labelNames,
    registers: [registry],
    collect() {
      this.reset();
      for (const c of consumers())
        this.set(labels(c), c.state === 'running' || c.state === 'paused' ? 1 : 0);
    },
  });
}

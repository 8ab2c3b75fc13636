import { randomUUID } from 'node:crypto';
import type { Registry } from 'prom-client';
import type { ScoreResult } from '../data-plane/index.js';
import type { StreamBindingRecord, StreamRepository } from '../db/stream-repository.js';
import { ConflictError, InvalidInputError, NotFoundError } from '../errors.js';
import type { Stream } from '../protocol/streams.js';
import { StreamConsumer, type ConsumerBinding } from './stream-consumer.js';
import { registerStreamMetrics } from './stream-metrics.js';
import { defaultDeadLetterTopic, defaultGroup, type NewStreamBody } from './stream-spec.js';

export interface StreamServiceDeps {
  repo: StreamRepository;
  /** A deployment's kind by its live version; undefined when there is no such deployment. */
  kindOf: (deployment: string) => Promise<'model' | 'notebook' | undefined>;
  /** `DataPlane.score` of a stream's records (via `stream`, with the admin token). */
  score: (req: {
    name: string;
    requestId: string;
    records: unknown[];
    signal: AbortSignal;
  }) => Promise<ScoreResult>;
  /** Names this gateway to the brokers (Kafka's client id). */
  clientId: string;
  /** Messages per data-plane call at most (the gateway's maxBatch). */
  maxBatch: number;
  /** How often the bindings are read again (those other gateways made, paused or deleted) and the counts flushed. */
  syncMs?: number;
  /** Waits between a consumer's attempts after a failure. */
  backoff?: { initialMs: number; maxMs: number };
  /** Where `/metrics` series are registered. */
  registry?: Registry;
  reportError?: (err: unknown) => void;
}

/**
 * Stream bindings and their consumers in this gateway: every gateway runs a consumer of each
 * binding (their group spreads the partitions between them), following the table — bindings
 * another gateway creates, pauses or deletes are picked up at the next sync.
 */
export class StreamService {
  private readonly consumers = new Map<string, StreamConsumer>();
  private timer: NodeJS.Timeout | undefined;
  private syncing: Promise<void> | undefined;
  private closed = false;

  constructor(private readonly deps: StreamServiceDeps) {
    if (deps.registry) registerStreamMetrics(deps.registry, () => this.consumers.values());
  }

  /** Starts a consumer for every binding, and follows the table from then on. */
  async start(): Promise<void> {
    await this.sync();
    this.timer = setInterval(() => void this.sync(), this.deps.syncMs ?? 5000);
    this.timer.unref();
  }

  /** Stops every consumer (a batch under way is read again by the next) and flushes the counts. */
  async close(): Promise<void> {
    this.closed = true;
    clearInterval(this.timer);
    await this.syncing;
    await Promise.all([...this.consumers.values()].map((c) => c.stop()));
    await this.flush();
    this.consumers.clear();
  }

  async create(deployment: string, body: NewStreamBody): Promise<Stream> {
    await this.requireModel(deployment);
    const record = await this.deps.repo.create({
      id: randomUUID(),
      deploymentName: deployment,
      brokers: body.brokers,
      inputTopic: body.inputTopic,
      outputTopic: body.outputTopic,
      deadLetterTopic: body.deadLetterTopic ?? defaultDeadLetterTopic(body.inputTopic),
      groupId: body.group ?? defaultGroup(deployment),
      format: body.format ?? 'json',
    });
    if (!record)
      throw new ConflictError(
        `consumer group ${body.group ?? defaultGroup(deployment)} already reads topic ${body.inputTopic} for a stream; give this one another group (field "group") or delete that stream`,
        'stream_exists',
      );
    this.run(record);
    return this.present(record);
  }

  async list(deployment: string): Promise<{ streams: Stream[] }> {
    if ((await this.deps.kindOf(deployment)) === undefined)
      throw new NotFoundError(`deployment ${deployment}`);
    const records = await this.deps.repo.list(deployment);
    return { streams: records.map((r) => this.present(r)) };
  }

  async get(id: string): Promise<Stream> {
    return this.present(await this.record(id));
  }

  async setPaused(id: string, paused: boolean): Promise<Stream> {
    const record = await this.deps.repo.setPaused(id, paused);
    if (!record) throw new NotFoundError(`stream ${id}`);
    this.consumers.get(id)?.setPaused(paused);
    return this.present(record);
  }

  async delete(id: string): Promise<void> {
    if (!(await this.deps.repo.delete(id))) throw new NotFoundError(`stream ${id}`);
    const consumer = this.consumers.get(id);
    this.consumers.delete(id);
    await consumer?.stop();
  }

  /** Starts what the table has and this gateway does not run, stops what it lost, flushes the counts. */
  sync(): Promise<void> {
    this.syncing ??= this.syncOnce()
      .catch((err: unknown) => this.deps.reportError?.(err))
      .finally(() => (this.syncing = undefined));
    return this.syncing;
  }

  private async syncOnce(): Promise<void> {
    if (this.closed) return;
    await this.flush();
    const records = await this.deps.repo.list();
    const ids = new Set(records.map((r) => r.id));
    for (const [id, consumer] of this.consumers)
      if (!ids.has(id)) {
        this.consumers.delete(id);
        await consumer.stop();
      }
    for (const r of records) {
      const running = this.consumers.get(r.id);
      if (running) running.setPaused(r.paused);
      else this.run(r);
    }
  }

  private async flush(): Promise<void> {
    for (const [id, consumer] of this.consumers) {
      const counts = consumer.takeCounts();
      if (counts.consumed + counts.produced + counts.deadLettered === 0) continue;
      await this.deps.repo.addCounts(id, counts).catch((err: unknown) => {
        // Kept for the next flush.
        const now = consumer.peekCounts();
        now.consumed += counts.consumed;
        now.produced += counts.produced;
        now.deadLettered += counts.deadLettered;
        this.deps.reportError?.(err);
      });
    }
  }

  private run(record: StreamBindingRecord): void {
    if (this.closed || this.consumers.has(record.id)) return;
    const consumer = new StreamConsumer({
      binding: bindingOf(record),
      score: (requestId, records, signal) =>
        this.deps.score({ name: record.deploymentName, requestId, records, signal }),
      clientId: this.deps.clientId,
      batchSize: Math.min(500, this.deps.maxBatch),
      backoff: this.deps.backoff,
      reportError: this.deps.reportError,
    });
    this.consumers.set(record.id, consumer);
    consumer.start();
  }

  private async record(id: string): Promise<StreamBindingRecord> {
    const record = await this.deps.repo.get(id);
    if (!record) throw new NotFoundError(`stream ${id}`);
    return record;
  }

  private async requireModel(deployment: string): Promise<void> {
    const kind = await this.deps.kindOf(deployment);
    if (kind === undefined) throw new NotFoundError(`deployment ${deployment}`);
    if (kind === 'notebook')
      throw new InvalidInputError(
        `deployment ${deployment} is a notebook: a stream scores records with a model; bind a model deployment (ONNX, PMML, pickle or MOJO) instead`,
        'name',
        'not_a_model',
      );
  }

  private present(r: StreamBindingRecord): Stream {
    const c = this.consumers.get(r.id);
    const pending = c?.peekCounts();
    return {
      id: r.id,
      deployment: r.deploymentName,
      brokers: r.brokers,
      inputTopic: r.inputTopic,
      outputTopic: r.outputTopic,
      deadLetterTopic: r.deadLetterTopic,
      group: r.groupId,
      format: 'json',
      // Paused through the API is what the binding is, whatever its consumer is doing (it may
      // still be connecting, or retrying: the reason says so).
      state: r.paused ? 'paused' : c ? c.state : 'connecting',
      stateReason: c ? c.stateReason : null,
      consumed: r.consumed + (pending?.consumed ?? 0),
      produced: r.produced + (pending?.produced ?? 0),
      deadLettered: r.deadLettered + (pending?.deadLettered ?? 0),
      messagesPerSecond: c?.messagesPerSecond() ?? null,
      lag: c?.lag ?? null,
      createdAt: r.createdAt.toISOString(),
    };
  }
}

function bindingOf(r: StreamBindingRecord): ConsumerBinding {
  return {
    id: r.id,
    deploymentName: r.deploymentName,
    brokers: r.brokers,
    inputTopic: r.inputTopic,
    outputTopic: r.outputTopic,
    deadLetterTopic: r.deadLetterTopic ?? defaultDeadLetterTopic(r.inputTopic),
    groupId: r.groupId,
    paused: r.paused,
  };
}

import { randomUUID } from 'node:crypto';
import type { Admin, Consumer, MessagesStream, Producer } from '@platformatic/kafka';
import { presentPrediction } from '../codecs/records.js';
import type { ScoreResult } from '../data-plane/index.js';
import type { StreamCounts } from '../db/stream-repository.js';
import type { StreamState } from '../protocol/streams.js';
import { SlipwayError } from '../errors.js';
import { describeStreamFailure, isPassing, TopicMissingError } from './kafka-errors.js';
import {
  deadLetterMessage,
  outputMessage,
  parseRecord,
  type InputMessage,
  type MessageError,
  type OutputMessage,
} from './stream-messages.js';
import { RateWindow } from './rate-window.js';
import { isBroker } from './stream-spec.js';

/** The part of a binding its consumer runs on. */
export interface ConsumerBinding {
  id: string;
  deploymentName: string;
  brokers: string[];
  inputTopic: string;
  outputTopic: string;
  deadLetterTopic: string;
  groupId: string;
  paused: boolean;
}

export interface StreamConsumerOptions {
  binding: ConsumerBinding;
  /** Scores one partition's records through the data plane (`DataPlane.score`, via `stream`). */
  score: (requestId: string, records: unknown[], signal: AbortSignal) => Promise<ScoreResult>;
  /** Kafka's client id: names this gateway in the broker's logs. */
  clientId: string;
  /** Messages per batch (one data-plane call per partition in it); at most the gateway's maxBatch. */
  batchSize?: number;
  /** Messages read ahead of the batch being scored; past it the consumer stops fetching. */
  maxBuffered?: number;
  /** Waits between attempts after a failure: doubles from `initialMs` up to `maxMs`. */
  backoff?: { initialMs: number; maxMs: number };
  /** How often the group's lag is read. */
  lagIntervalMs?: number;
  reportError?: (err: unknown) => void;
}

/** Buffers of bytes in and out: keys and values pass through untouched. */
type BytesStream = MessagesStream<Buffer, Buffer, Buffer, Buffer>;

/**
 * One binding's consumer in this gateway: it joins the binding's consumer group, scores each
 * batch of messages through the data plane, produces the predictions (and the bad messages to
 * the dead-letter topic), and commits the batch's offsets only once the broker has acknowledged
 * all of them — at-least-once: a gateway that dies mid-batch leaves those messages to the next
 * consumer of their partitions. Any failure (brokers away, a topic missing, a commit refused
 * after a rebalance) closes the clients and starts over after a backoff, from the committed
 * offsets.
 */
type Kafka = typeof import('@platformatic/kafka');

export class StreamConsumer {
  state: StreamState = 'connecting';
  stateReason: string | null = null;
  /** The group's lag on the input topic, as last read; null while unknown. */
  lag: number | null = null;
  /** Messages handled since `takeCounts` last took them (the database's totals are behind by these). */
  private pending: StreamCounts = { consumed: 0, produced: 0, deadLettered: 0 };
  /** The Kafka client's module, once the first attempt loaded it. */
  private kafka: Kafka | undefined;
  /** Everything this consumer handled (the `/metrics` counters). */
  readonly totals: StreamCounts = { consumed: 0, produced: 0, deadLettered: 0 };
  private readonly rate = new RateWindow();
  private paused: boolean;
  /** Why the consumer waits for the deployment (backpressure), while it does. */
  private held: string | null = null;
  private stopped = false;
  private readonly abort = new AbortController();
  private poke: (() => void) | undefined;
  private stream: BytesStream | undefined;
  private running: Promise<void> | undefined;
  private readonly batchSize: number;
  private readonly maxBuffered: number;
  private readonly backoff: { initialMs: number; maxMs: number };

  constructor(private readonly opts: StreamConsumerOptions) {
    this.paused = opts.binding.paused;
    this.batchSize = opts.batchSize ?? 500;
    this.maxBuffered = opts.maxBuffered ?? this.batchSize * 4;
    this.backoff = opts.backoff ?? { initialMs: 1000, maxMs: 30_000 };
  }

  get binding(): ConsumerBinding {
    return this.opts.binding;
  }

  messagesPerSecond(): number | null {
    return this.rate.perSecond();
  }

  start(): void {
    this.running ??= this.run();
  }

  /** Stops fetching and scoring; a batch under way is abandoned uncommitted (it is read again). */
  async stop(): Promise<void> {
    this.stopped = true;
    this.abort.abort();
    this.wake();
    await this.running;
  }

  /** The operator's pause: the batch under way finishes; nothing more is fetched until resumed. */
  setPaused(paused: boolean): void {
    if (this.paused === paused) return;
    this.paused = paused;
    this.flow();
    this.wake();
  }

  /** The counts since the last call (to add to the database's totals). */
  takeCounts(): StreamCounts {
    const taken = this.pending;
    this.pending = { consumed: 0, produced: 0, deadLettered: 0 };
    return taken;
  }

  /** What has not been taken yet (added to the database's totals when answering). */
  peekCounts(): StreamCounts {
    return this.pending;
  }

  private async run(): Promise<void> {
    // Refused at creation; a row written otherwise must not reach the client, which throws
    // outside any promise on an address it cannot read (and the gateway would stop).
    const bad = this.binding.brokers.filter((b) => !isBroker(b));
    if (bad.length > 0) {
      this.setState(
        'failed',
        `brokers ${bad.join(', ')} are not host:port addresses; delete this stream and create it with valid ones`,
      );
      return;
    }
    let failures = 0;
    while (!this.stopped) {
      const clients: { close: () => Promise<unknown> }[] = [];
      try {
        this.setState('connecting', null);
        // The Kafka client (50 MB, half a second to load) only in a gateway that streams.
        const kafka = (this.kafka ??= await import('@platformatic/kafka'));
        await this.prepareTopics(kafka, clients);
        const { consumer, producer } = this.clients(kafka, clients);
        const stream = await consumer.consume({
          topics: [this.binding.inputTopic],
          autocommit: false,
          mode: 'committed',
          fallbackMode: 'earliest',
          maxWaitTime: 500,
        });
        clients.unshift({ close: () => new Promise<void>((done) => stream.close(() => done())) });
        failures = 0;
        await this.pump(stream, consumer, producer);
      } catch (err) {
        if (this.stopped) break;
        failures++;
        const waitMs = Math.min(this.backoff.maxMs, this.backoff.initialMs * 2 ** (failures - 1));
        const why = describeStreamFailure(err, this.binding.brokers);
        this.setState(
          'retrying',
          `${why} (attempt ${failures}; next in ${Math.ceil(waitMs / 1000)} s)`,
        );
        await this.sleep(waitMs);
      } finally {
        this.stream = undefined;
        for (const c of clients) await c.close().catch(() => {});
      }
    }
  }

  /** The clients of one attempt; `clients` collects them to close. */
  private clients(kafka: Kafka, clients: { close: () => Promise<unknown> }[]) {
    const base = {
      clientId: this.opts.clientId,
      bootstrapBrokers: this.binding.brokers,
      // Never create a topic by asking for it: the input topic is the operator's.
      autocreateTopics: false,
    };
    const consumer = new kafka.Consumer({
      ...base,
      groupId: this.binding.groupId,
      // A gateway that dies (kill -9) holds its partitions until its session times out: 10 s
      // rather than the client's minute, so the group's other gateways take them over soon.
      sessionTimeout: 10_000,
      rebalanceTimeout: 30_000,
      heartbeatInterval: 1000,
    });
    const producer = new kafka.Producer({ ...base, acks: kafka.ProduceAcks.ALL });
    clients.push(
      { close: () => new Promise<void>((done) => consumer.close(true, () => done())) },
      { close: () => new Promise<void>((done) => producer.close(() => done())) },
    );
    return { consumer, producer };
  }

  /**
   * The input topic must exist (the reason says how to create it); the output and dead-letter
   * topics are created with its partition count when missing.
   */
  private async prepareTopics(
    kafka: Kafka,
    clients: { close: () => Promise<unknown> }[],
  ): Promise<void> {
    const b = this.binding;
    const admin = new kafka.Admin({
      clientId: this.opts.clientId,
      bootstrapBrokers: b.brokers,
      autocreateTopics: false,
      retries: 1,
    });
    clients.push({ close: () => admin.close() });
    const partitions = await partitionCount(admin, b.inputTopic);
    if (partitions === undefined) throw new TopicMissingError(b.inputTopic, b.brokers);
    for (const topic of new Set([b.outputTopic, b.deadLetterTopic])) {
      if ((await partitionCount(admin, topic)) !== undefined) continue;
      try {
        await admin.createTopics({ topics: [topic], partitions, replicas: -1 });
      } catch (err) {
        // Another gateway of the group may have created it meanwhile.
        if ((await partitionCount(admin, topic)) === undefined) throw err;
      }
    }
  }

  private async pump(
    stream: BytesStream,
    consumer: Consumer<Buffer, Buffer, Buffer, Buffer>,
    producer: Producer<Buffer, Buffer, Buffer, Buffer>,
  ): Promise<void> {
    const buffer: InputMessage[] = [];
    let failure: unknown;
    this.stream = stream;
    stream.on('data', (m: InputMessage) => {
      buffer.push(m);
      if (buffer.length >= this.maxBuffered) stream.pause();
      this.wake();
    });
    stream.on('error', (err) => {
      failure ??= err;
      this.wake();
    });
    stream.on('close', () => {
      failure ??= new Error('the consumer stream closed');
      this.wake();
    });
    const lag = setInterval(
      () => void this.readLag(consumer).catch(() => (this.lag = null)),
      this.opts.lagIntervalMs ?? 2000,
    );
    try {
      void this.readLag(consumer).catch(() => {});
      while (!this.stopped) {
        if (failure !== undefined) throw failure;
        this.flow(buffer.length);
        this.setState(
          this.paused ? 'paused' : 'running',
          this.paused ? 'paused through the API' : null,
        );
        if (this.paused || buffer.length === 0) {
          await new Promise<void>((resolve) => (this.poke = resolve));
          continue;
        }
        await this.process(buffer.splice(0, this.batchSize), producer);
      }
    } finally {
      clearInterval(lag);
    }
  }

  /** Fetching follows the pause, the backpressure hold and the read-ahead buffer. */
  private flow(buffered = 0): void {
    const s = this.stream;
    if (!s) return;
    const hold = this.paused || this.held !== null || buffered >= this.maxBuffered;
    if (hold && !s.isPaused()) s.pause();
    else if (!hold && s.isPaused()) s.resume();
  }

  /**
   * One batch: each partition's messages scored in one data-plane call, the outputs and dead
   * letters produced and acknowledged (acks=all), then each partition's offset committed.
   */
  private async process(
    batch: InputMessage[],
    producer: Producer<Buffer, Buffer, Buffer, Buffer>,
  ): Promise<void> {
    const b = this.binding;
    const byPartition = new Map<number, InputMessage[]>();
    for (const m of batch) {
      const list = byPartition.get(m.partition);
      if (list) list.push(m);
      else byPartition.set(m.partition, [m]);
    }
    const outputs: OutputMessage[] = [];
    const dead: OutputMessage[] = [];
    const deadLetter = (m: InputMessage, e: MessageError) =>
      dead.push(deadLetterMessage(b.deadLetterTopic, m, e));
    await Promise.all(
      [...byPartition.values()].map(async (messages) => {
        const scorable: { message: InputMessage; record: unknown }[] = [];
        for (const message of messages) {
          const parsed = parseRecord(message.value);
          if ('error' in parsed) deadLetter(message, parsed.error);
          else scorable.push({ message, record: parsed.record });
        }
        if (scorable.length === 0) return;
        const scored = await this.scoreHeld(scorable.map((s) => s.record));
        if ('failed' in scored) {
          for (const s of scorable) deadLetter(s.message, scored.failed);
          return;
        }
        for (const r of scored.rejected)
          deadLetter(scorable[r.index]!.message, {
            code: 'invalid_input',
            message: r.message,
            ...(r.field !== undefined && { field: r.field }),
          });
        scorable.forEach((s, i) => {
          const prediction = scored.predictions[i];
          const predictionId = scored.ids[i];
          if (prediction === undefined || predictionId === undefined) return;
          outputs.push(
            outputMessage(b.outputTopic, s.message, {
              prediction: presentPrediction(prediction, scored.signature),
              predictionId,
              version: scored.version,
            }),
          );
        });
      }),
    );
    if (this.stopped) return;
    const all = [...outputs, ...dead];
    if (all.length > 0) await producer.send({ messages: all, acks: this.kafka!.ProduceAcks.ALL });
    // The last message of each partition commits its offset + 1: everything before is out.
    await Promise.all([...byPartition.values()].map((list) => list[list.length - 1]!.commit()));
    this.count({ consumed: batch.length, produced: outputs.length, deadLettered: dead.length });
  }

  /**
   * The data plane's answer; while the deployment is busy or not ready, the consumer stops
   * fetching and tries the same records again after a backoff (backpressure). A model that
   * fails the call (500) dead-letters the batch with its error: the stream goes on.
   */
  private async scoreHeld(records: unknown[]): Promise<ScoreResult | { failed: MessageError }> {
    for (let attempt = 0; ; attempt++) {
      try {
        // The invocation log keys a call by a UUID, one per try (a refused try is logged under
        // its own, and the log keeps one row per id); the prediction ids are `<requestId>:<i>`.
        const requestId = randomUUID();
        const result = await this.opts.score(requestId, records, this.abort.signal);
        if (this.held !== null) {
          this.held = null;
          this.flow();
        }
        return result;
      } catch (err) {
        if (this.stopped) throw err;
        if (isPassing(err)) {
          this.held = `held back: deployment ${this.binding.deploymentName} answered ${err.status} (${err.message}); fetching resumes when it has room`;
          this.flow();
          this.setState('running', this.held);
          await this.sleep(
            Math.min(this.backoff.maxMs, this.backoff.initialMs * 2 ** Math.min(attempt, 10)) / 4,
          );
          if (this.stopped) throw err;
          continue;
        }
        if (err instanceof SlipwayError && err.status === 500)
          return { failed: { code: err.code, message: err.message } };
        throw err;
      }
    }
  }

  private count(c: StreamCounts): void {
    for (const k of ['consumed', 'produced', 'deadLettered'] as const) {
      this.pending[k] += c[k];
      this.totals[k] += c[k];
    }
    this.rate.add(c.consumed);
  }

  /** The group's lag: the end offsets less the committed ones, over every partition. */
  private async readLag(consumer: Consumer<Buffer, Buffer, Buffer, Buffer>): Promise<void> {
    const topic = this.binding.inputTopic;
    const ends = (await consumer.listOffsets({ topics: [topic] })).get(topic) ?? [];
    const committed =
      (
        await consumer.listCommittedOffsets({
          topics: [{ topic, partitions: ends.map((_, i) => i) }],
        })
      ).get(topic) ?? [];
    let lag = 0n;
    ends.forEach((end, i) => {
      const at = committed[i] ?? -1n;
      lag += end - (at >= 0n ? at : 0n);
    });
    this.lag = Number(lag);
  }

  private setState(state: StreamState, reason: string | null): void {
    this.state = state;
    this.stateReason = this.held ?? reason;
  }

  private wake(): void {
    const poke = this.poke;
    this.poke = undefined;
    poke?.();
  }

  /** Waits `ms`, or less when stopped. */
  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(done, ms);
      const signal = this.abort.signal;
      function done() {
        clearTimeout(timer);
        signal.removeEventListener('abort', done);
        resolve();
      }
      signal.addEventListener('abort', done);
    });
  }
}

/** A topic's partition count; undefined when the cluster has no such topic. */
async function partitionCount(admin: Admin, topic: string): Promise<number | undefined> {
  try {
    const md = await admin.metadata({ topics: [topic], forceUpdate: true });
    return md.topics.get(topic)?.partitionsCount;
  } catch (err) {
    if (err instanceof Error && /unknown topic/i.test(err.message)) return undefined;
    throw err;
  }
}

import { randomUUID } from 'node:crypto';
import { Admin, Consumer, ProduceAcks, Producer, type Message } from '@platformatic/kafka';
import { inject } from 'vitest';

/** `host:port` of the run's broker (kafka.setup.ts). */
export const broker = (): string => inject('kafkaBroker');

/** A name no other test uses (topics and groups live as long as the broker). */
export const unique = (prefix: string): string => `${prefix}-${randomUUID().slice(0, 8)}`;

export async function createTopic(topic: string, partitions = 2): Promise<void> {
  const admin = new Admin({ clientId: 'slipway-test', bootstrapBrokers: [broker()] });
  try {
    await admin.createTopics({ topics: [topic], partitions, replicas: 1 });
  } finally {
    await admin.close();
  }
}

/** Produces each message (a value that is not a string is sent as JSON), acknowledged by the broker. */
export async function produce(
  topic: string,
  messages: { key?: string; value: unknown }[],
): Promise<void> {
  const producer = new Producer({ clientId: 'slipway-test', bootstrapBrokers: [broker()] });
  try {
    for (let i = 0; i < messages.length; i += 1000)
      await producer.send({
        acks: ProduceAcks.ALL,
        messages: messages.slice(i, i + 1000).map((m) => ({
          topic,
          ...(m.key !== undefined && { key: Buffer.from(m.key) }),
          value: Buffer.from(typeof m.value === 'string' ? m.value : JSON.stringify(m.value)),
        })),
      });
  } finally {
    await producer.close();
  }
}

/** A message read back, as text. */
export interface ReadMessage {
  key: string;
  value: string;
  headers: Record<string, string>;
  partition: number;
}

/**
 * Reads a topic from its beginning (a group of its own) into `messages` as they arrive;
 * `close` when done.
 */
export async function readTopic(topic: string) {
  const consumer = new Consumer({
    clientId: 'slipway-test',
    groupId: unique('reader'),
    bootstrapBrokers: [broker()],
  });
  const messages: ReadMessage[] = [];
  const stream = await consumer.consume({
    topics: [topic],
    mode: 'earliest',
    autocommit: false,
    maxWaitTime: 200,
  });
  stream.on('data', (m: Message<Buffer, Buffer, Buffer, Buffer>) => {
    const headers: Record<string, string> = {};
    for (const [k, v] of m.headers) headers[k.toString()] = v.toString();
    messages.push({
      key: m.key?.toString() ?? '',
      value: m.value?.toString() ?? '',
      headers,
      partition: m.partition,
    });
  });
  return {
    messages,
    async close() {
      await new Promise<void>((done) => stream.close(() => done()));
      await consumer.close(true);
    },
  };
}

import { z } from '@hono/zod-openapi';

/** Kafka's own rule for a topic name (kafka.common.internals.Topic): 1-249 of `[a-zA-Z0-9._-]`. */
const TOPIC = /^[a-zA-Z0-9._-]{1,249}$/;
/**
 * `host:port`; the host a name or an IPv4 address. Not a bracketed IPv6 address: the Kafka
 * client cannot parse one (it throws where nothing can catch it, which would stop the gateway).
 */
const BROKER = /^[a-zA-Z0-9.-]+:([0-9]{1,5})$/;

/** True for a `host:port` the Kafka client can connect to (see `BROKER`; a port from 1 to 65535). */
export function isBroker(address: string): boolean {
  const port = BROKER.exec(address)?.[1];
  return port !== undefined && Number(port) >= 1 && Number(port) <= 65535;
}

const topic = (what: string) =>
  z
    .string()
    .regex(
      TOPIC,
      `expected a Kafka topic name for ${what}: 1-249 letters, digits, '.', '_' or '-'`,
    );

/** The body of `POST /api/deployments/:name/streams` (`NewStream`). */
export const NewStreamSchema = z
  .object({
    brokers: z
      .array(
        z
          .string()
          .regex(BROKER, 'expected a broker as host:port, e.g. 127.0.0.1:9092')
          .refine(isBroker, { message: 'expected a port from 1 to 65535' }),
      )
      .min(1, 'expected at least one broker (host:port) of the Kafka cluster')
      .max(32)
      .openapi({ example: ['127.0.0.1:9092'] }),
    inputTopic: topic('the input topic').openapi({
      description: 'Read from; never created by the gateway.',
      example: 'iris-measurements',
    }),
    outputTopic: topic('the output topic').openapi({
      description: "Written to; created with the input topic's partition count when missing.",
      example: 'iris-predictions',
    }),
    group: z
      .string()
      .min(1, 'expected a consumer group name')
      .max(249)
      .regex(/^[^\p{C}]+$/u, 'expected a consumer group name without control characters')
      .optional()
      .openapi({ description: 'The consumer group; default `slipway-<deployment>`.' }),
    deadLetterTopic: topic('the dead-letter topic').optional().openapi({
      description:
        'Where bad messages go (their payload unchanged, the error in headers); default `<inputTopic>.dead-letter`; created when missing.',
    }),
    format: z
      .enum(['json'])
      .optional()
      .openapi({ description: 'Each message value is one JSON record (an object).' }),
  })
  .strict()
  .refine((s) => s.outputTopic !== s.inputTopic, {
    message:
      'expected an output topic other than the input topic (the stream would read its own predictions)',
    path: ['outputTopic'],
  })
  .refine((s) => s.deadLetterTopic === undefined || s.deadLetterTopic !== s.inputTopic, {
    message: 'expected a dead-letter topic other than the input topic',
    path: ['deadLetterTopic'],
  })
  .openapi('NewStream');

export type NewStreamBody = z.infer<typeof NewStreamSchema>;

/** The default consumer group of a deployment's streams. */
export const defaultGroup = (deployment: string) => `slipway-${deployment}`;

/** The default dead-letter topic of an input topic. */
export const defaultDeadLetterTopic = (inputTopic: string) =>
  `${inputTopic.slice(0, 249 - '.dead-letter'.length)}.dead-letter`;

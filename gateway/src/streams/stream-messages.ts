import type { Message, MessageToProduce } from '@platformatic/kafka';

/** Why a message was not scored: what its dead-letter headers say. */
export interface MessageError {
  code: string;
  message: string;
  field?: string;
}

/** The headers a dead-lettered message carries (its key and value are the input's, unchanged). */
export const DEAD_LETTER_HEADERS = {
  code: 'slipway-error-code',
  message: 'slipway-error-message',
  field: 'slipway-error-field',
  topic: 'slipway-source-topic',
  partition: 'slipway-source-partition',
  offset: 'slipway-source-offset',
} as const;

/** A message read from the input topic, as the consumer hands it over (bytes). */
export type InputMessage = Message<Buffer, Buffer, Buffer, Buffer>;
/** A message to produce (bytes). */
export type OutputMessage = MessageToProduce<Buffer, Buffer, Buffer, Buffer>;

/**
 * One JSON record from a message value, or why it is not one (`format: json`). Anything
 * else than one JSON object is refused here; the data plane then validates the record.
 */
export function parseRecord(
  value: Buffer | undefined,
): { record: unknown } | { error: MessageError } {
  if (value === undefined || value.length === 0)
    return {
      error: {
        code: 'empty_message',
        message: 'the message has no value; send one JSON record (an object) per message',
      },
    };
  let record: unknown;
  try {
    record = JSON.parse(value.toString('utf8'));
  } catch (err) {
    return {
      error: {
        code: 'not_json',
        message: `the message value is not JSON (${(err as Error).message}); send one JSON record (an object with the deployment's inputs) per message`,
      },
    };
  }
  if (record === null || typeof record !== 'object' || Array.isArray(record))
    return {
      error: {
        code: 'not_a_record',
        message: `the message value is JSON ${Array.isArray(record) ? 'array' : record === null ? 'null' : typeof record}, not a record; send one JSON object per message (one record each)`,
      },
    };
  return { record };
}

/** The output message of a scored input message: its key, and the prediction as JSON. */
export function outputMessage(
  topic: string,
  input: InputMessage,
  value: { prediction: unknown; predictionId: string; version: number },
): OutputMessage {
  return {
    topic,
    ...(input.key !== undefined && input.key.length > 0 && { key: input.key }),
    value: Buffer.from(JSON.stringify(value)),
  };
}

/** A bad input message as it goes to the dead-letter topic: unchanged, the error in headers. */
export function deadLetterMessage(
  topic: string,
  input: InputMessage,
  error: MessageError,
): OutputMessage {
  const h = DEAD_LETTER_HEADERS;
  const headers = new Map<Buffer, Buffer>([
    [Buffer.from(h.code), Buffer.from(error.code)],
    [Buffer.from(h.message), Buffer.from(error.message)],
    [Buffer.from(h.topic), Buffer.from(input.topic)],
    [Buffer.from(h.partition), Buffer.from(String(input.partition))],
    [Buffer.from(h.offset), Buffer.from(String(input.offset))],
  ]);
  if (error.field !== undefined) headers.set(Buffer.from(h.field), Buffer.from(error.field));
  return {
    topic,
    ...(input.key !== undefined && input.key.length > 0 && { key: input.key }),
    value: input.value ?? Buffer.alloc(0),
    headers,
  };
}

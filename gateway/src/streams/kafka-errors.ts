import { SlipwayError } from '../errors.js';

/** The input topic is not on the cluster; the gateway never creates it. */
export class TopicMissingError extends Error {
  constructor(
    readonly topic: string,
    readonly brokers: readonly string[],
  ) {
    super(
      `input topic "${topic}" does not exist on ${brokers.join(', ')}: create it (e.g. kafka-topics.sh --bootstrap-server ${brokers[0]} --create --topic ${topic} --partitions 3); the stream starts once it exists`,
    );
    this.name = 'TopicMissingError';
  }
}

/** The errors of a failed call that @platformatic/kafka gathers (MultipleErrors), or the one. */
function causes(err: unknown): Error[] {
  const inner = (err as { errors?: unknown }).errors;
  return Array.isArray(inner) ? inner.filter((e): e is Error => e instanceof Error) : [];
}

const UNREACHABLE =
  /cannot connect|connection .* failed|ECONNREFUSED|ENOTFOUND|EAI_AGAIN|ETIMEDOUT|timed out/i;

/**
 * What a stream's state reason says of a failure: which brokers could not be reached, which
 * topic is missing, what the deployment answered — and how to fix it.
 */
export function describeStreamFailure(err: unknown, brokers: readonly string[]): string {
  if (err instanceof TopicMissingError) return err.message;
  if (err instanceof SlipwayError) return `the deployment answered ${err.status}: ${err.message}`;
  if (!(err instanceof Error)) return String(err);
  const detail = [err.message, ...causes(err).map((e) => e.message)].join(': ');
  if (UNREACHABLE.test(detail))
    return `brokers ${brokers.join(', ')} are not reachable (${detail}); check the addresses and that Kafka is running there`;
  return detail;
}

/**
 * Failures of a data-plane call that pass: the deployment is busy (its queue full: 429), not
 * ready (503), its worker restarting (502), or slow (504). The consumer holds the batch and
 * waits instead of dead-lettering it.
 */
export function isPassing(err: unknown): err is SlipwayError {
  return err instanceof SlipwayError && [429, 502, 503, 504].includes(err.status);
}

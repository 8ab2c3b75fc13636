/** A stream binding's consumer, as this gateway runs it. */
export type StreamState = 'running' | 'paused' | 'connecting' | 'retrying' | 'failed';

/** The message formats a stream reads: `json`, one JSON record (an object) per message value. */
export type StreamFormat = 'json';

/** What `POST /api/deployments/:name/streams` takes. */
export interface NewStream {
  /** `host:port` of one or more brokers of the cluster. */
  brokers: string[];
  /** Read from; never created by the gateway. */
  inputTopic: string;
  /** Written to; created (with the input topic's partition count) when it does not exist. */
  outputTopic: string;
  /** The consumer group; default `slipway-<deployment>`. */
  group?: string;
  /** Where bad messages go; default `<inputTopic>.dead-letter`; created when missing. */
  deadLetterTopic?: string;
  format?: StreamFormat;
}

/**
 * A deployment's Kafka stream binding. The counters add up every gateway's consumer (flushed
 * every few seconds); `state`, `lag` and `messagesPerSecond` are what the answering gateway sees.
 */
export interface Stream {
  id: string;
  deployment: string;
  brokers: string[];
  inputTopic: string;
  outputTopic: string;
  deadLetterTopic: string | null;
  group: string;
  format: StreamFormat;
  state: StreamState;
  /** Why the state is what it is (a broker not reachable, a topic missing, a full queue), and how to fix it. */
  stateReason: string | null;
  consumed: number;
  produced: number;
  deadLettered: number;
  /** Messages consumed per second over the last seconds, by this gateway; null before the first. */
  messagesPerSecond: number | null;
  /** Messages in the input topic the group has not committed yet; null while unknown. */
  lag: number | null;
  createdAt: string;
}

/**
 * The value of an output message (its key is the input message's key): the prediction as the
 * records API presents it, its prediction id (for ground truth), and the version that scored it.
 */
export interface StreamOutputValue {
  prediction: unknown;
  predictionId: string;
  version: number;
}

import { codecFor, type ModelProtocol } from '../codecs/index.js';
import type { RetrainingRepository } from '../db/retraining-repository.js';
import type { Label } from '../protocol/monitoring.js';
import type { RecordValue, Signature } from '../protocol/signature.js';

/** A labelled prediction with the record the model saw. */
export interface LabelledExample {
  id: string;
  time: Date;
  version: number;
  record: RecordValue;
  actual: Label;
}

export interface LabelledExamplesDeps {
  retraining: RetrainingRepository;
  /** A version's signature (the codec reads a call's body against it). */
  signatureOf: (version: number) => Promise<Signature | undefined>;
  maxBatch: number;
}

const PAGE = 2000;
const MODEL_PROTOCOLS: ReadonlySet<string> = new Set<ModelProtocol>([
  'records',
  'mlflow',
  'oip-v2',
]);

/**
 * The labelled predictions of a window, oldest first, each with its record: read from the
 * logged body of its call (prediction `<call>:<i>` is record i of the call), decoded by the
 * protocol it came in. Predictions whose call kept no input (inputs not logged, a body too
 * large for the log) are counted as skipped.
 */
export async function* labelledExamples(
  deps: LabelledExamplesDeps,
  name: string,
  from: Date,
  to: Date,
): AsyncGenerator<{ examples: LabelledExample[]; skipped: number }> {
  const records = new Map<string, RecordValue[] | null>();
  let after: { time: Date; id: string } | null = null;
  for (;;) {
    const page = await deps.retraining.labelledPage(name, from, to, after, PAGE);
    if (page.length === 0) return;
    after = { time: page.at(-1)!.time, id: page.at(-1)!.id };
    const refs = page.map((p) => ({ ...p, ...callOf(p.id) }));
    const wanted = refs.map((r) => r.call).filter((c) => !records.has(c));
    for (const call of await deps.retraining.loggedInputs(name, wanted))
      records.set(call.id, await decode(deps, call));
    const examples: LabelledExample[] = [];
    let skipped = 0;
    for (const r of refs) {
      const record = records.get(r.call)?.[r.index ?? 0];
      if (record === undefined) skipped++;
      else examples.push({ id: r.id, time: r.time, version: r.version, record, actual: r.actual });
    }
    // A page's calls are not needed again once past them (ids are time-ordered with their call).
    records.clear();
    yield { examples, skipped };
  }
}

/** `<call id>:<i>` is record i of a batch; a bare id is its call's only record. */
function callOf(id: string): { call: string; index: number | null } {
  const m = /^(.*):(0|[1-9]\d{0,6})$/.exec(id);
  return m ? { call: m[1]!, index: Number(m[2]) } : { call: id, index: null };
}

async function decode(
  deps: LabelledExamplesDeps,
  call: { version: number; protocol: string; input: unknown },
): Promise<RecordValue[] | null> {
  if (!MODEL_PROTOCOLS.has(call.protocol)) return null;
  const signature = await deps.signatureOf(call.version);
  if (!signature) return null;
  try {
    const { records } = codecFor(call.protocol as ModelProtocol, deps.maxBatch).decode(
      call.input,
      signature,
    );
    return records as RecordValue[];
  } catch {
    // The body was read under this signature when the call came; one that no longer reads is left out.
    return null;
  }
}

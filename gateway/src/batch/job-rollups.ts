import { hourOf, type RollupDelta } from '../db/feature-rollups.js';
import type { FeatureColumns } from '../monitoring/features.js';
import type { FeatureKind } from '../protocol/monitoring.js';
import { numberOf, summarizeParts } from '../monitoring/summaries/value-summary.js';
import { pack, unpack, type PackedTensor } from '../runtimes/onnx/packed-tensors.js';

/**
 * A watched feature's values in a chunk: numbers as float64 (NaN: missing), labels as codes
 * into a table of their distinct values (a `string` tensor's packing), so that a chunk's labels
 * cross to the main thread and wait there for the checkpoint as bytes, not an object each.
 */
export type RollupColumn =
  | { name: string; kind: 'numeric'; values: Float64Array }
  | { name: string; kind: 'categorical'; values: PackedTensor };

/**
 * A chunk's watched features with the hour it was scored in: what the drift rollups take of it
 * once its rows are checkpointed. Numbers and codes go as bytes (moved between threads, not
 * copied).
 */
export interface ChunkRollup {
  /** The start of its hour, in ms. */
  hour: number;
  columns: RollupColumn[];
}

/**
 * `columns` for the rollups, in the hour of `time`; numbers as the summaries read them
 * (`numberOf`).
 */
export function chunkRollup(columns: FeatureColumns, time: number): ChunkRollup {
  return {
    hour: hourOf(time).getTime(),
    columns: Object.entries(columns).map(([name, c]): RollupColumn => {
      if (c.kind === 'categorical')
        return {
          name,
          kind: c.kind,
          values: pack({ type: 'string', dims: [c.values.length], data: c.values }),
        };
      const values = new Float64Array(c.values.length);
      for (let i = 0; i < values.length; i++) values[i] = numberOf(c.values[i]);
      return { name, kind: c.kind, values };
    }),
  };
}

/** The buffers a chunk's rollup moves with. */
export const rollupBuffers = (r: ChunkRollup | null): ArrayBuffer[] =>
  r
    ? r.columns.map(
        (c) => (c.kind === 'numeric' ? c.values.buffer : c.values.bytes.buffer) as ArrayBuffer,
      )
    : [];

/**
 * The drift rollups of a job's rows written since its last checkpoint, taken at the next one
 * (`take`) and merged with it in one transaction: a row counts in drift exactly once, also
 * when a crash has its chunk scored again (its first scoring was never checkpointed).
 */
export class JobRollups {
  /** By hour, then feature: the chunks' values, summarised when taken. */
  private readonly pending = new Map<
    number,
    Map<string, { kind: FeatureKind; parts: RollupColumn['values'][] }>
  >();

  add(rollup: ChunkRollup | undefined): void {
    if (!rollup) return;
    let hour = this.pending.get(rollup.hour);
    if (!hour) this.pending.set(rollup.hour, (hour = new Map()));
    for (const c of rollup.columns) {
      const feature = hour.get(c.name);
      if (feature) feature.parts.push(c.values);
      else hour.set(c.name, { kind: c.kind, parts: [c.values] });
    }
  }

  /** What was added since the last `take`, summarised: one delta per hour and feature. */
  take(deploymentName: string, version: number): RollupDelta[] {
    const deltas: RollupDelta[] = [];
    for (const [hour, features] of this.pending)
      for (const [feature, { kind, parts }] of features)
        deltas.push({
          deploymentName,
          version,
          hour: new Date(hour),
          feature,
          // Labels made again from their codes only now, to be summarised at once.
          summary: summarizeParts(
            kind,
            parts.map((p): ArrayLike<unknown> =>
              p instanceof Float64Array ? p : (unpack(p, feature).data as unknown[]),
            ),
          ),
        });
    this.pending.clear();
    return deltas;
  }
}

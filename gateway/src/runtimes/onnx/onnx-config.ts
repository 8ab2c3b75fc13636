import { z } from 'zod';
import { requirementsSchema } from '../requirements-config.js';
import { parseRuntimeConfig } from '../runtime-config.js';

/**
 * Where an ONNX deployment's model runs. `deployment`: a worker process of its own (a call
 * past its timeout kills that process only). `pool`: one worker process shared by the
 * deployments of its pool that chose it, each model on a thread of its own (less memory; a
 * call past its timeout kills the shared process, and the other models' calls under way are
 * made again on the next one).
 */
export const ONNX_ISOLATIONS = ['deployment', 'pool'] as const;
export type OnnxIsolation = (typeof ONNX_ISOLATIONS)[number];

const schema = z.object({
  /** Default: the gateway's (`SLIPWAY_ONNX_ISOLATION`, else `deployment`). */
  isolation: z.enum(ONNX_ISOLATIONS).optional(),
  /**
   * Who runs the session: `node` (onnxruntime-node in an ONNX worker process, the CPU path) or
   * `python` (onnxruntime's Python package in a Python worker: its CUDA provider on a pool with
   * GPUs). Default: `python` on a pool whose replicas get GPUs, `node` elsewhere.
   */
  engine: z.enum(['node', 'python']).optional(),
  /** Extra packages for the python engine's worker (onnxruntime-gpu for the gpu pool). */
  requirements: requirementsSchema,
  /**
   * Micro-batching (opt-in): single calls that wait while the model runs go to it as one run of
   * all their records, up to `maxRecords` (each caller gets its own answers). A call that finds
   * the model free is not held back to wait for others. Faster where a run costs much more
   * than a record (small models, many concurrent callers).
   */
  batching: z
    .object({ maxRecords: z.number().int().min(2).max(65_536).default(64) })
    .strict()
    .optional(),
  /** onnxruntime's intra-op threads for one run of this model; default one per core. */
  threads: z.number().int().min(1).max(256).optional(),
  /**
   * A deployment's own worker stops after this long without calls; the next call starts it
   * and loads the model again (a cold start). Pool workers stay up while a model uses them.
   */
  // A timer past 2^31 - 1 ms would fire at once: a week is the most.
  idleSeconds: z
    .number()
    .positive()
    .max(7 * 86_400)
    .default(900),
});

/** An ONNX deployment's options, from the publish `config` field. */
export type OnnxConfig = z.infer<typeof schema>;

/** Parses the options with defaults; a bad value is a 400 naming `config.<field>`. */
export function parseOnnxConfig(config: Record<string, unknown>): OnnxConfig {
  return parseRuntimeConfig(schema, config);
}

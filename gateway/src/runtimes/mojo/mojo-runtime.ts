import { NotReadyError } from '../../errors.js';
import type { RecordValue, Signature } from '../../protocol/signature.js';
import { callTimeout } from '../call-timeout.js';
import type { CallOptions, ModelRuntime, Prediction, RuntimeSpec } from '../types.js';
import { parseMojoConfig, type MojoConfig } from './mojo-config.js';
import { mapMojoWorkerError } from './mojo-errors.js';
import { MojoLevels } from './mojo-levels.js';
import {
  categoryNotServed,
  mojoSignature,
  toPrediction,
  unseenIsNotMissing,
} from './mojo-signature.js';
import type { MojoDescription, MojoWorker } from './mojo-worker.js';
import {
  DEFAULT_MOJO_ZIP_LIMITS,
  inspectMojoZip,
  type MojoInfo,
  type MojoZipLimits,
} from './mojo-zip.js';

interface Loaded {
  signature: Signature;
  description: MojoDescription;
  levels: MojoLevels;
  info: MojoInfo;
}

/**
 * An H2O MOJO scored by h2o-genmodel's EasyPredictModelWrapper in the shared JVM worker. The
 * zip is checked in the gateway first (sizes against the heap, model.ini, category), so a file
 * that is not a MOJO, or would not fit the JVM's heap, is refused without starting Java. A batch is one worker call.
 */
export class MojoRuntime implements ModelRuntime {
  readonly kind = 'model' as const;
  readonly format = 'mojo' as const;
  private loaded: Loaded | undefined;
  private loading: Promise<Loaded> | undefined;
  private readonly config: MojoConfig;
  /** The worker holds MOJOs by content: two deployments of one file share it. */
  private readonly key: string;

  constructor(
    private readonly spec: RuntimeSpec,
    private readonly worker: MojoWorker,
    private readonly zipLimits: MojoZipLimits = DEFAULT_MOJO_ZIP_LIMITS,
  ) {
    this.config = parseMojoConfig(spec.config);
    this.key = spec.artifact.sha256;
  }

  async load(signal?: AbortSignal): Promise<void> {
    if (this.loaded) return;
    this.loading ??= this.open(signal).finally(() => (this.loading = undefined));
    this.loaded = await this.loading;
  }

  signature(): Signature {
    if (!this.loaded) throw new NotReadyError('the MOJO is not loaded');
    return this.loaded.signature;
  }

  warnings(): string[] {
    const info = this.loaded?.info;
    return info && !info.h2oVersion
      ? ['model.ini names no h2o_version; the MOJO may come from an unusual exporter']
      : [];
  }

  /**
   * One `{label, probabilities}`, `{value}` or `{column: value}` per record, in order. A level
   * the model never saw is a 400, or (`unknownLevels: "warn"`) scored as missing with a warning.
   */
  async predict(records: RecordValue[], options: CallOptions): Promise<Prediction[]> {
    // A load is shared by every caller waiting for it: one caller leaving must not fail it.
    await this.load();
    const m = this.loaded!;
    if (records.length === 0) return [];
    const resolved = m.levels.resolve(records);
    for (const w of resolved.warnings) options.warn?.(w);
    const deadline = Date.now() + callTimeout(options);
    try {
      const scores = await this.worker.predict(
        this.key,
        this.spec.artifact.path,
        resolved.records,
        { deadline, signal: options.signal },
      );
      return scores.map((s) => toPrediction(s, m.description));
    } catch (err) {
      throw mapMojoWorkerError(err, 'predict');
    }
  }

  async unload(): Promise<void> {
    if (this.loading) await this.loading.catch(() => undefined);
    if (!this.loaded) return;
    this.loaded = undefined;
    await this.worker.release(this.key);
  }

  private async open(signal?: AbortSignal): Promise<Loaded> {
    // Inflated and counted from the file, nothing kept: a zip bomb never reaches the JVM.
    const info = await inspectMojoZip(this.spec.artifact.path, this.zipLimits);
    // Refused here, a model of another kind never costs a JVM start.
    const refused = categoryNotServed(info.category, info.algo);
    if (refused) throw refused;
    let description;
    try {
      description = await this.worker.acquire(this.key, this.spec.artifact.path, signal);
    } catch (err) {
      throw mapMojoWorkerError(err, 'load');
    }
    try {
      const signature = mojoSignature(description, this.config);
      const levels = new MojoLevels(
        description.inputs,
        this.config.unknownLevels,
        unseenIsNotMissing(description),
      );
      return { signature, description, levels, info };
    } catch (err) {
      await this.worker.release(this.key);
      throw err;
    }
  }
}

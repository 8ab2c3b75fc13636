import { setTimeout as sleep } from 'node:timers/promises';
import { DeadlineError, NotebookFailedError } from '../../errors.js';
import type { Format } from '../../protocol/deployments.js';
import type { FieldSpec, RecordValue, Signature } from '../../protocol/signature.js';
import { callTimeout } from '../call-timeout.js';
import { readToyArtifact } from './toy-artifact.js';
import type {
  CallOptions,
  NotebookRun,
  NotebookRuntime,
  ParameterMode,
  RuntimeFactory,
  RuntimeSpec,
} from '../types.js';

/**
 * A toy notebook for exercising the data plane's notebook path without Python, as the toy
 * model does for models. Its artifact is JSON: `{"toyNotebook": {"parameters": {name: default}}}`.
 * A run answers one output, the parameters it ran with; it waits `seconds` (honouring the
 * timeout and the caller's signal) and fails like a raising cell when `fail` is true.
 */
interface ToyNotebook {
  parameters: Record<string, string | number | boolean>;
}

const TYPES = { number: 'float64', string: 'string', boolean: 'bool' } as const;

class ToyNotebookRuntime implements NotebookRuntime {
  readonly kind = 'notebook' as const;
  readonly parameterMode: ParameterMode;
  private notebook: ToyNotebook | undefined;

  constructor(
    readonly format: Format,
    private readonly spec: RuntimeSpec,
  ) {
    this.parameterMode = spec.config.parameters === 'papermill' ? 'papermill' : 'typed';
  }

  parameterWarnings(names: readonly string[]): string[] {
    const known = this.notebook?.parameters ?? {};
    return names.filter((n) => !(n in known)).map((n) => `Passed unknown parameter: ${n}`);
  }

  async load(): Promise<void> {
    this.notebook ??= await readToyArtifact(
      this.spec.artifact.path,
      'toy notebook',
      '{"toyNotebook": {"parameters": {…}}}',
      (j) => {
        const nb = (j as { toyNotebook?: ToyNotebook } | null)?.toyNotebook;
        return typeof nb?.parameters === 'object' ? nb : undefined;
      },
    );
  }

  signature(): Signature {
    if (!this.notebook) throw new Error('toy notebook used before load()');
    const inputs = Object.entries(this.notebook.parameters).map(([name, value]): FieldSpec => ({
      name,
      type: TYPES[typeof value as keyof typeof TYPES],
      shape: [],
      required: false,
      default: value,
    }));
    return { inputs, outputs: [{ name: 'outputs', type: 'json' }] };
  }

  async run(
    parameters: RecordValue,
    options: CallOptions,
    text: Readonly<Record<string, string>> = {},
  ): Promise<NotebookRun> {
    await this.load();
    const started = performance.now();
    const values = { ...this.notebook!.parameters, ...text, ...parameters };
    const ms = Number(values['seconds']) * 1000;
    if (ms > 0) {
      const timeout = AbortSignal.timeout(callTimeout(options));
      const signal = options.signal ? AbortSignal.any([options.signal, timeout]) : timeout;
      try {
        await sleep(ms, undefined, { signal });
      } catch {
        throw new DeadlineError(
          options.signal?.aborted ? 'the run was cancelled' : 'the run passed its timeout',
        );
      }
    }
    if (values['fail'] === true)
      throw new NotebookFailedError(
        'cell 2 raised ValueError: told to fail',
        { position: 2, executionCount: 2, firstLine: 'if fail: raise ValueError("told to fail")' },
        'ValueError',
      );
    return { outputs: [values], durationMs: performance.now() - started, cold: false };
  }

  async unload(): Promise<void> {
    this.notebook = undefined;
  }
}

/** The toy notebook's format name; like the toy model's, reachable by detection only. */
export const TOY_NOTEBOOK_FORMAT = 'toy-notebook' as Format;

/** A factory for toy notebooks (`*.toynb.json`). */
export function toyNotebookRuntimeFactory(): RuntimeFactory<NotebookRuntime> {
  return {
    format: TOY_NOTEBOOK_FORMAT,
    kind: 'notebook',
    detect: ({ filename }) => filename?.endsWith('.toynb.json') ?? false,
    create: (spec) => new ToyNotebookRuntime(TOY_NOTEBOOK_FORMAT, spec),
  };
}

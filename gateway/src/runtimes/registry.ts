import type { Format } from '../protocol/deployments.js';
import type { RuntimeFactory } from './types.js';

/** The formats this gateway can serve, in detection order. */
export class RuntimeRegistry {
  private readonly byFormat = new Map<Format, RuntimeFactory>();

  constructor(factories: RuntimeFactory[]) {
    for (const f of factories) this.byFormat.set(f.format, f);
  }

  get(format: Format): RuntimeFactory | undefined {
    return this.byFormat.get(format);
  }

  formats(): Format[] {
    return [...this.byFormat.keys()];
  }

  /** The first factory that recognises the file, or undefined. */
  detect(file: { head: Uint8Array; filename?: string }): RuntimeFactory | undefined {
    for (const f of this.byFormat.values()) if (f.detect(file)) return f;
    return undefined;
  }
}

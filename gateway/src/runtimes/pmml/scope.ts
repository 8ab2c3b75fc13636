import { UnusableArtifactError } from '../../errors.js';
import type { DataType, Getter, Value } from './values.js';

/** How a field's values are measured. */
export type OpType = 'continuous' | 'categorical' | 'ordinal';

/** A field as compiled code sees it: its type and how to read it from a record's slots. */
export interface FieldDef {
  readonly name: string;
  readonly dataType: DataType;
  readonly optype: OpType;
  readonly get: Getter;
  /** Valid categories, for a categorical field that lists them. */
  readonly values?: readonly Value[];
  /**
   * How many nested calls computing the field takes when a record is scored: absent (1) for a
   * value read from a slot, more for a derived field (see `NestingGuard`).
   */
  readonly depth?: number;
}

/** Hands out the slots of a record's environment; one per field definition in the document. */
export class SlotAllocator {
  private n = 0;
  next(): number {
    return this.n++;
  }
  get count(): number {
    return this.n;
  }
}

/** A field defined lazily: compiled the first time something refers to it. */
export type FieldThunk = () => FieldDef;

/**
 * Names visible to a model: its parent's, then its own (mining fields with their treatments,
 * local derived fields, earlier outputs in a model chain). Inner names shadow outer ones.
 */
export class Scope {
  private readonly own = new Map<string, FieldDef | FieldThunk>();
  private readonly compiling = new Set<string>();

  constructor(readonly parent?: Scope) {}

  define(field: FieldDef): void {
    this.own.set(field.name, field);
  }

  /** Defines a field compiled on first use, so definitions may refer to later ones. */
  defineLazy(name: string, thunk: FieldThunk): void {
    this.own.set(name, thunk);
  }

  has(name: string): boolean {
    return this.own.has(name) || (this.parent?.has(name) ?? false);
  }

  resolve(name: string): FieldDef | undefined {
    const f = this.own.get(name);
    if (f === undefined) return this.parent?.resolve(name);
    if (typeof f !== 'function') return f;
    if (this.compiling.has(name))
      throw new UnusableArtifactError(`DerivedField "${name}" is defined in terms of itself`);
    this.compiling.add(name);
    try {
      const def = f();
      this.own.set(name, def);
      return def;
    } finally {
      this.compiling.delete(name);
    }
  }

  /** Resolves a name the document refers to; an unknown name makes the artifact unusable. */
  require(name: string, where: string): FieldDef {
    const f = this.resolve(name);
    if (!f)
      throw new UnusableArtifactError(`${where} refers to field "${name}", which is not defined`);
    return f;
  }
}

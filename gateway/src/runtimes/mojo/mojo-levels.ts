import { InvalidInputError } from '../../errors.js';
import type { RecordValue } from '../../protocol/signature.js';
import type { MojoConfig } from './mojo-config.js';

/** A JSON number's text ("70", "70.0", "-1e3"): the forms that stand for a numeric level. */
const JSON_NUMBER = /^-?(0|[1-9]\d*)(\.\d+)?([eE][+-]?\d+)?$/;

/** The number a level or a client's text stands for, when it is written as JSON writes one. */
export function numberOf(text: string): number | undefined {
  if (!JSON_NUMBER.test(text)) return undefined;
  const v = Number(text);
  return Number.isFinite(v) ? v : undefined;
}

/** How many levels a refusal lists. */
const LEVELS_SHOWN = 20;

/** One categorical input: its levels, and those that are numbers by value. */
class ColumnLevels {
  readonly known: Set<string>;
  /** Levels written as numbers ("70.0"), by value; null when none is. */
  readonly byNumber: Map<number, string> | null;

  constructor(
    readonly name: string,
    readonly levels: string[],
  ) {
    this.known = new Set(levels);
    const byNumber = new Map<number, string>();
    for (const level of levels) {
      const v = numberOf(level);
      // Of two levels with one value ("7", "7.0") the first wins, as in the JVM worker.
      if (v !== undefined && !byNumber.has(v)) byNumber.set(v, level);
    }
    this.byNumber = byNumber.size > 0 ? byNumber : null;
  }

  /** The level a client's value stands for, or undefined for a level the model never saw. */
  level(value: string | number): string | undefined {
    if (typeof value === 'string' && this.known.has(value)) return value;
    if (!this.byNumber) return undefined;
    const v = typeof value === 'number' ? value : numberOf(value);
    // -0 and 0 are one key in a Map (SameValueZero).
    return v === undefined ? undefined : this.byNumber.get(v);
  }

  shown(): string {
    const more = this.levels.length > LEVELS_SHOWN ? `, … (${this.levels.length} in all)` : '';
    return this.levels.slice(0, LEVELS_SHOWN).join(', ') + more;
  }
}

/**
 * A MOJO's categorical inputs, as clients may send them. A level written as a number ("70.0",
 * as h2o keeps the text a number was parsed from) is found from any of its forms: 70, 70.0,
 * "70" or "70.0". A level the model never saw is, by `unknownLevels`, a 400 naming the field and
 * the level (`error`), or scored as missing with a warning (`warn`), as h2o's predict scores it.
 * Where h2o does not score an unseen level as missing (`missingIsNotH2o`), it is a 400 always.
 */
export class MojoLevels {
  private readonly columns: ColumnLevels[];

  constructor(
    inputs: { name: string; levels: string[] | null }[],
    private readonly mode: MojoConfig['unknownLevels'],
    /** Why an unseen level cannot be scored as missing for this model, if it cannot. */
    private readonly missingIsNotH2o?: string,
  ) {
    this.columns = inputs.flatMap((c) => (c.levels ? [new ColumnLevels(c.name, c.levels)] : []));
  }

  /** Whether a level of `name` may be sent as a number. */
  takesNumbers(name: string): boolean {
    return this.columns.some((c) => c.name === name && c.byNumber !== null);
  }

  /**
   * The records with each categorical value as the model's own level (a record is copied only
   * when a value changes), and a warning for each unseen level scored as missing.
   */
  resolve(records: RecordValue[]): { records: RecordValue[]; warnings: string[] } {
    if (this.columns.length === 0) return { records, warnings: [] };
    /** Unseen levels scored as missing, and in how many records. */
    const unseen = new Map<string, number>();
    const out = records.map((record, i) => {
      let copy: RecordValue | undefined;
      for (const col of this.columns) {
        const value = record[col.name];
        if (value === undefined || value === null) continue;
        // Named as the signature's validator names a field: `[i].name` in a batch.
        const at = () => (records.length > 1 ? `[${i}].${col.name}` : col.name);
        if (typeof value !== 'string' && typeof value !== 'number')
          throw new InvalidInputError(
            `field ${at()}: expected one of its levels (a string${col.byNumber ? ' or a number' : ''}), got ${Array.isArray(value) ? 'an array' : typeof value}`,
            at(),
          );
        const level = col.level(value);
        if (level === value) continue;
        copy ??= { ...record };
        copy[col.name] = level ?? null;
        if (level !== undefined) continue;
        if (this.mode === 'error' || this.missingIsNotH2o)
          throw new InvalidInputError(
            `field ${at()}: level ${JSON.stringify(value)} is not one the model knows (${col.shown()})` +
              (this.mode === 'warn' ? `; ${this.missingIsNotH2o}` : ''),
            at(),
          );
        const key = `${col.name}: level ${JSON.stringify(value)}`;
        unseen.set(key, (unseen.get(key) ?? 0) + 1);
      }
      return copy ?? record;
    });
    return { records: out, warnings: unseenWarnings(unseen) };
  }
}

/** The most distinct unseen levels a call's warnings name. */
const WARNINGS_SHOWN = 20;

function unseenWarnings(unseen: Map<string, number>): string[] {
  const warnings = [...unseen].slice(0, WARNINGS_SHOWN).map(([what, n]) => {
    const where = n > 1 ? ` (${n} records)` : '';
    return `${what} is not one the model knows; scored as missing${where}`;
  });
  if (unseen.size > WARNINGS_SHOWN)
    warnings.push(`${unseen.size - WARNINGS_SHOWN} more unseen levels scored as missing`);
  return warnings;
}

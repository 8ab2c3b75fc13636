import { UnusableArtifactError } from '../../errors.js';
import type { FieldDef } from './scope.js';

/**
 * Bounds how deeply a document's computations nest: expressions inside expressions, and the
 * derived fields and functions they use, however the document spreads them out. Compiling
 * recurses through that nesting and scoring a record calls through it, so past the limit
 * (`config.maxDepth`) either could run out of call stack; the document is refused instead.
 *
 * Two measures, both against the limit: how deep the compiler is right now (`enter`/`leave`
 * around each step), which stops a long chain of derived fields before it recurses far; and
 * the depth of each compiled computation (`check`), which catches the chain whose links were
 * compiled one at a time, earlier, but that one record still calls through end to end.
 */
export class NestingGuard {
  private active = 0;

  constructor(readonly limit: number) {}

  /** One level deeper into the compiler; refused past the limit. */
  enter(where: string): void {
    if (this.active >= this.limit) throw tooDeep(where, this.limit);
    this.active++;
  }

  leave(): void {
    this.active--;
  }

  /** A computation's depth, refused past the limit. */
  check(depth: number, where: string): number {
    if (depth > this.limit) throw tooDeep(where, this.limit);
    return depth;
  }
}

function tooDeep(where: string, limit: number): UnusableArtifactError {
  return new UnusableArtifactError(
    `${where}: its computation nests more than ${limit} levels deep (expressions, and the derived fields and functions they use); the limit is config.maxDepth`,
  );
}

/** How many nested calls computing a field takes when a record is scored (a slot read is 1). */
export const depthOf = (f: FieldDef): number => f.depth ?? 1;

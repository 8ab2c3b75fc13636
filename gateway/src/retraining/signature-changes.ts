import type { FieldSpec, Signature } from '../protocol/signature.js';

/**
 * How a new model's signature differs from live's, one line per difference: an input or
 * output gone, added, or of another type or shape. Empty when callers and the monitor see no
 * difference.
 */
export function signatureChanges(live: Signature, next: Signature): string[] {
  return [
    ...fieldChanges('input', live.inputs, next.inputs),
    ...fieldChanges('output', live.outputs, next.outputs),
  ];
}

function fieldChanges(kind: string, before: FieldSpec[], after: FieldSpec[]): string[] {
  const out: string[] = [];
  const next = new Map(after.map((f) => [f.name, f]));
  const prev = new Map(before.map((f) => [f.name, f]));
  for (const f of before) {
    const g = next.get(f.name);
    if (!g) out.push(`${kind} ${f.name} is gone`);
    else {
      if (g.type !== f.type) out.push(`${kind} ${f.name} is ${g.type}, was ${f.type}`);
      if (JSON.stringify(g.shape ?? null) !== JSON.stringify(f.shape ?? null))
        out.push(
          `${kind} ${f.name} has shape ${JSON.stringify(g.shape ?? 'any')}, was ${JSON.stringify(f.shape ?? 'any')}`,
        );
    }
  }
  for (const g of after) if (!prev.has(g.name)) out.push(`${kind} ${g.name} is new`);
  return out;
}

import type { FieldSpec, Signature } from '../protocol/signature.js';

/**
 * How a new model's signature differs from live's, one line per difference: an input or
 * output gone, added, or of another type or shape. Empty when callers and the monitor see no
 * difference.
 */
export function signatureChanges(live: Signature, next: Signature): string[] {
  return classifiedChanges(live, next).map((c) => c.text);
}

/**
 * The differences that fail or mislead today's callers: an input gone, retyped or reshaped, a
 * new input they must send, an output gone, retyped or reshaped. A new optional input or a new
 * output is not one: every call that worked still works and reads the same answer.
 */
export function breakingSignatureChanges(live: Signature, next: Signature): string[] {
  return classifiedChanges(live, next)
    .filter((c) => c.breaking)
    .map((c) => c.text);
}

interface Change {
  text: string;
  breaking: boolean;
}

function classifiedChanges(live: Signature, next: Signature): Change[] {
  return [
    ...fieldChanges('input', live.inputs, next.inputs),
    ...fieldChanges('output', live.outputs, next.outputs),
  ];
}

function fieldChanges(kind: 'input' | 'output', before: FieldSpec[], after: FieldSpec[]): Change[] {
  const out: Change[] = [];
  const next = new Map(after.map((f) => [f.name, f]));
  const prev = new Map(before.map((f) => [f.name, f]));
  for (const f of before) {
    const g = next.get(f.name);
    if (!g) out.push({ text: `${kind} ${f.name} is gone`, breaking: true });
    else {
      if (g.type !== f.type)
        out.push({ text: `${kind} ${f.name} is ${g.type}, was ${f.type}`, breaking: true });
      if (JSON.stringify(g.shape ?? null) !== JSON.stringify(f.shape ?? null))
        out.push({
          text: `${kind} ${f.name} has shape ${JSON.stringify(g.shape ?? 'any')}, was ${JSON.stringify(f.shape ?? 'any')}`,
          breaking: true,
        });
    }
  }
  for (const g of after)
    if (!prev.has(g.name))
      out.push({
        text: `${kind} ${g.name} is new${kind === 'input' && !isRequired(g) ? ' (optional)' : ''}`,
        // A caller that does not know of a new input fails only when the input is required.
        breaking: kind === 'input' && isRequired(g),
      });
  return out;
}

/** A record may leave an input out when it says so or has a default. */
function isRequired(f: FieldSpec): boolean {
  return f.required !== false && f.default === undefined;
}

import type { FieldSpec, Signature } from '../protocol/signature.js';

/**
 * One record a signature accepts, built from it: each input's default, else its first
 * category, else a zero of its type, in its shape. The curl a user pastes sends it, and a
 * replica's warm-up prediction scores it.
 */
export function exampleRecord(signature: Signature): Record<string, unknown> {
  const example: Record<string, unknown> = {};
  for (const f of signature.inputs) example[f.name] = exampleValue(f);
  return example;
}

function exampleValue(f: FieldSpec): unknown {
  if (f.default !== undefined) return f.default;
  const scalar = f.values?.[0] ?? scalarOf(f.type);
  const dims = (f.shape ?? []).filter((d, _i, all) => !(all.length === 1 && d === 1));
  return dims.reduceRight<unknown>(
    (inner, d) => Array.from({ length: d ?? 1 }, () => inner),
    scalar,
  );
}

function scalarOf(type: FieldSpec['type']): unknown {
  if (type === 'string') return 'text';
  if (type === 'bool') return false;
  if (type === 'json') return null;
  return 0;
}

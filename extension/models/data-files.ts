import type { TranslationBundle } from '@jupyterlab/translation';
import type { ReferenceSummary } from '../../gateway/src/protocol/monitoring.js';
import type { DataContentType, FeedbackUploadResult } from '../client/gateway-client.js';

/** What a data file is sent as: ground truth for earlier calls, or the reference for drift. */
export type DataPurpose = 'feedback' | 'reference';

const TYPES: [RegExp, DataContentType][] = [
  [/\.csv$/i, 'text/csv'],
  [/\.jsonl$/i, 'application/x-ndjson'],
  [/\.parquet$/i, 'application/vnd.apache.parquet'],
];

/** The content type the gateway reads a file in, by its extension; null for other files. */
export function dataContentTypeOf(path: string): DataContentType | null {
  return TYPES.find(([re]) => re.test(path))?.[1] ?? null;
}

/**
 * How to ask the contents manager for a file: Parquet is binary and comes as base64; CSV and
 * JSON lines come as text, as they are.
 */
export function contentsFormatOf(type: DataContentType): 'text' | 'base64' {
  return type === 'application/vnd.apache.parquet' ? 'base64' : 'text';
}

/** The bytes of what the contents manager answered, as a Blob of the given type. */
export function blobFromContents(
  content: unknown,
  format: 'text' | 'base64',
  type: DataContentType,
): Blob {
  if (format === 'text') return new Blob([String(content)], { type });
  const binary = atob(String(content).replace(/\s/g, ''));
  const bytes = new Uint8Array(binary.length);
  for (let i = 0; i < binary.length; i++) bytes[i] = binary.charCodeAt(i);
  return new Blob([bytes], { type });
}

/** The notification after ground truth was sent: counts, and the first refusal's reason. */
export function feedbackMessage(
  name: string,
  result: FeedbackUploadResult,
  trans: TranslationBundle,
): string {
  const counts = trans.__(
    'Ground truth for %1: %2 accepted, %3 rejected.',
    name,
    result.accepted,
    result.rejected,
  );
  const refused = result.items?.find(
    (i): i is Extract<typeof i, { message: string }> => i.status !== 'accepted',
  );
  if (!refused) return counts;
  // The reason is the gateway's own message: shown as it came.
  return trans.__('%1 First rejected: %2 (%3)', counts, refused.id, refused.message);
}

/** The notification after a reference was stored. */
export function referenceMessage(summary: ReferenceSummary, trans: TranslationBundle): string {
  return trans._n(
    'Reference for %2: %1 row, %3 features.',
    'Reference for %2: %1 rows, %3 features.',
    summary.rows,
    summary.name,
    summary.features.length,
  );
}

import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { jobColumns, recordMaker } from '../batch/job-rows.js';
import type { Caller, DataPlane, ScoreResult } from '../data-plane/index.js';
import { TooLargeError } from '../errors.js';
import { readTable, type Row } from '../monitoring/tables/index.js';
import type { Signature } from '../protocol/signature.js';
import { esc } from './html-text.js';
import { tableHtml } from './answer-html.js';

/** A CSV upload scored: its rows, what the data plane answered, and the columns it ignored. */
export interface ScoredCsv {
  rows: Row[];
  result: ScoreResult;
  extraColumns: string[];
}

/**
 * Scores every row of an uploaded CSV at once through the data plane (`score`, which checks
 * each record on its own). The file is read by the signature on a worker thread, as batch
 * jobs read theirs: a missing column is a 400 naming it, more rows than `maxRows` a 413.
 */
export async function scoreCsv(opts: {
  dataPlane: DataPlane;
  caller: Caller;
  signature: Signature;
  file: File;
  maxRows: number;
  maxBytes: number;
}): Promise<ScoredCsv> {
  const { file, signature } = opts;
  if (file.size > opts.maxBytes)
    throw new TooLargeError(`the file is over the limit of ${opts.maxBytes} bytes`);
  const dir = await mkdtemp(join(tmpdir(), 'slipway-page-csv-'));
  try {
    const path = join(dir, 'upload.csv');
    await writeFile(path, new Uint8Array(await file.arrayBuffer()));
    const reader = readTable(path, {
      format: 'csv',
      columns: jobColumns(signature, []),
      maxRows: opts.maxRows,
      maxBytes: opts.maxBytes,
      signal: opts.caller.signal,
    });
    const rows: Row[] = [];
    for await (const batch of reader) rows.push(...batch);
    const toRecord = recordMaker(signature, 'csv');
    const result = await opts.dataPlane.score({
      ...opts.caller,
      via: 'batch',
      records: rows.map(toRecord),
    });
    return { rows, result, extraColumns: reader.summary?.extraColumns ?? [] };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/** The scored rows as a table: the row's inputs, then its prediction or why it was refused. */
export function scoredCsvHtml({ rows, result, extraColumns }: ScoredCsv): string {
  const refused = new Map(result.rejected.map((r) => [r.index, r.message]));
  const table = rows.map((row, i) => {
    const out: Record<string, unknown> = { row: i + 1, ...row };
    const p = result.predictions[i];
    if (refused.has(i)) out.error = refused.get(i);
    else if (p !== null && typeof p === 'object' && !Array.isArray(p)) Object.assign(out, p);
    else out.prediction = p;
    return out;
  });
  const scored = rows.length - result.rejected.length;
  const summary = `<p>${scored} of ${rows.length} rows scored${
    result.rejected.length ? `, ${result.rejected.length} refused` : ''
  }.</p>`;
  const ignored = extraColumns.length
    ? `<p class="meta">Columns the model does not take, ignored: ${esc(extraColumns.join(', '))}</p>`
    : '';
  return summary + ignored + (rows.length ? tableHtml(table, 'Scored rows') : '');
}

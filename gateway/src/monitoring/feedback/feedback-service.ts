import { randomUUID } from 'node:crypto';
import type { DeploymentRepository } from '../../db/deployment-repository.js';
import type { MonitoringRepository, PredictionRef } from '../../db/monitoring-repository.js';
import { InvalidInputError, NotFoundError } from '../../errors.js';
import type { FeedbackOutcome, FeedbackResult, Label } from '../../protocol/monitoring.js';
import type { RuntimeKind } from '../../runtimes/types.js';
import type { InvocationLog } from '../invocation-log.js';
import { answerOf } from '../features.js';
import { readTable, type TableFormat } from '../tables/index.js';
import { predictionView, type PredictionView } from '../prediction-view.js';
import { checkActual } from './actual-value.js';

export interface FeedbackServiceDeps {
  monitoring: MonitoringRepository;
  repo: DeploymentRepository;
  log: InvocationLog;
  /** What a format's runtimes do (a model, a notebook). */
  kindOf: (format: string) => RuntimeKind | undefined;
  maxBatch: number;
  /** Told of every accepted label, after it is stored (alerts re-evaluate, the monitor refreshes). */
  onFeedback?: (name: string, accepted: number) => void;
}

/** A file's rejected rows listed in the answer (the rest are counted). */
const MAX_LISTED = 100;

/** A prediction's checked label, ready to store. */
interface Checked {
  id: string;
  actual: Label;
}

/**
 * Ground truth for predictions, at any time after them: each label is checked against the
 * version that made the prediction (a class of that model, a number for a regression) and
 * stored on the prediction; a second label for the same prediction replaces the first (the
 * first one's time is kept). Valid items are stored even when others in the same call are not.
 */
export class FeedbackService {
  /** Versions are immutable: each is read once. */
  private readonly versions = new Map<
    string,
    Promise<{ kind: RuntimeKind; view: PredictionView }>
  >();

  constructor(private readonly deps: FeedbackServiceDeps) {}

  /** `{id, actual}` or an array of them. */
  async submit(name: string, body: unknown): Promise<FeedbackResult> {
    const items = Array.isArray(body) ? body : [body];
    if (items.length === 0)
      throw new InvalidInputError('expected at least one {"id", "actual"} item', 'body');
    if (items.length > this.deps.maxBatch)
      throw new InvalidInputError(
        `${items.length} items: at most ${this.deps.maxBatch} in one call (SLIPWAY_MAX_BATCH)`,
        'body',
      );
    const shaped = items.map((item, i) => shape(item, Array.isArray(body) ? i : undefined));
    // Predictions answered a moment ago may still be on their way to the database.
    await this.deps.log.flush();
    const outcomes = await this.check(name, shaped);
    const accepted = outcomes.flatMap((o) => (o.kind === 'ok' ? [o.checked] : []));
    await this.deps.monitoring.applyLabels(name, accepted, new Date());
    if (accepted.length > 0) this.deps.onFeedback?.(name, accepted.length);
    const out = outcomes.map((o) => o.outcome);
    return {
      accepted: accepted.length,
      rejected: out.length - accepted.length,
      items: out,
    };
  }

  /**
   * A ground-truth file (`id`, `actual` columns; CSV, JSONL or Parquet), read on a thread a
   * batch at a time. Labels are staged until the whole file was read, then applied at once: a
   * malformed file is a 400 naming the row and column, and nothing of it is stored. Ids the
   * deployment never answered and labels that are not of the model are counted and the first
   * of them listed, as for the JSON API.
   */
  async submitFile(
    name: string,
    path: string,
    format: TableFormat,
    signal?: AbortSignal,
  ): Promise<FeedbackResult & { rows: number }> {
    await this.deps.log.flush();
    const uploadId = randomUUID();
    const reader = readTable(path, {
      format,
      columns: [
        { name: 'id', type: 'string', required: true },
        { name: 'actual', type: 'label', required: true },
      ],
      signal,
    });
    const listed: FeedbackOutcome[] = [];
    let rows = 0;
    let accepted = 0;
    try {
      for await (const batch of reader) {
        const shaped = batch.map((r, i): ShapedItem => {
          const where = `row ${rows + i + 1}: `;
          return typeof r.id === 'string' && PREDICTION_ID.test(r.id)
            ? { ok: true, id: r.id, actual: r.actual, where }
            : { ok: false, message: `${where}id: expected a prediction id` };
        });
        rows += batch.length;
        const outcomes = await this.check(name, shaped);
        const good = outcomes.flatMap((o) => (o.kind === 'ok' ? [o.checked] : []));
        accepted += good.length;
        await this.deps.monitoring.stageLabels(uploadId, good);
        for (const o of outcomes)
          if (o.kind === 'rejected' && listed.length < MAX_LISTED) listed.push(o.outcome);
      }
      await this.deps.monitoring.applyStaged(name, uploadId, new Date());
    } catch (err) {
      await this.deps.monitoring.dropStaged(uploadId);
      throw err;
    }
    if (accepted > 0) this.deps.onFeedback?.(name, accepted);
    return { rows, accepted, rejected: rows - accepted, items: listed };
  }

  /**
   * Checks a batch of `{id, actual}` against the predictions they name. Items that are not an
   * object with a string id are `invalid` already (`shape`).
   */
  async check(
    name: string,
    items: ShapedItem[],
  ): Promise<{ kind: 'ok' | 'rejected'; checked: Checked; outcome: FeedbackOutcome }[]> {
    const ids = [...new Set(items.flatMap((x) => (x.ok ? [x.id] : [])))];
    const found = new Map<string, PredictionRef>(
      (await this.deps.monitoring.predictionsByIds(name, ids)).map((p) => [p.id, p]),
    );
    const missing = ids.filter((id) => !found.has(id));
    if (missing.length > 0) for (const p of await this.fromLog(name, missing)) found.set(p.id, p);
    const out = [];
    for (const item of items) {
      const dummy = { id: item.ok ? item.id : '', actual: '' as Label };
      if (!item.ok) {
        out.push({
          kind: 'rejected' as const,
          checked: dummy,
          outcome: { id: '', status: 'invalid' as const, message: item.message },
        });
        continue;
      }
      const p = found.get(item.id);
      if (!p) {
        out.push({
          kind: 'rejected' as const,
          checked: dummy,
          outcome: {
            id: item.id,
            status: 'not_found' as const,
            message: `${item.where}id: no prediction ${JSON.stringify(item.id)} of deployment ${name}`,
          },
        });
        continue;
      }
      const view = await this.view(name, p.version);
      const checked = checkActual(item.actual, view, p.predicted);
      if (!checked.ok) {
        out.push({
          kind: 'rejected' as const,
          checked: dummy,
          outcome: {
            id: item.id,
            status: 'invalid' as const,
            message: `${item.where}${checked.message}`,
          },
        });
        continue;
      }
      out.push({
        kind: 'ok' as const,
        checked: { id: item.id, actual: checked.value },
        outcome: { id: item.id, status: 'accepted' as const, replaced: p.labelled },
      });
      // A later item for the same id in this call replaces this one, as a later call would.
      p.labelled = true;
    }
    return out;
  }

  /**
   * Predictions the invocation log holds but the monitor has no row for (calls answered before
   * the monitor kept predictions): made from the logged answer, so that every prediction id
   * the API ever returned takes feedback. `<call id>:<i>` is record i of a batch.
   */
  private async fromLog(name: string, ids: string[]): Promise<PredictionRef[]> {
    const split = ids.map((id) => {
      const m = /^(.*):(0|[1-9]\d{0,6})$/.exec(id);
      return m ? { id, call: m[1]!, index: Number(m[2]) } : { id, call: id, index: null };
    });
    const calls = await this.deps.monitoring.answeredCalls(name, [
      ...new Set(split.map((s) => s.call)),
    ]);
    const byId = new Map(calls.map((c) => [c.id, c]));
    const rows = [];
    for (const s of split) {
      const call = byId.get(s.call);
      if (!call) continue;
      // The monitor's own copy, where the log did not keep the output.
      const copy = call.answers ? answerOf(call.answers, s.id, s.index) : undefined;
      if (copy) {
        rows.push({
          id: s.id,
          deploymentName: name,
          version: call.version,
          time: call.time,
          predicted: copy.predicted,
          scores: copy.scores,
        });
        continue;
      }
      const view = await this.view(name, call.version);
      const kind = await this.kind(name, call.version);
      // A model's log keeps its predictions in order; a notebook's, the run's outputs.
      const answer =
        kind === 'notebook'
          ? s.index === null
            ? call.output
            : undefined
          : Array.isArray(call.output)
            ? s.index === null
              ? call.output.length === 1
                ? call.output[0]
                : undefined
              : call.output[s.index]
            : undefined;
      if (answer === undefined) continue;
      rows.push({
        id: s.id,
        deploymentName: name,
        version: call.version,
        time: call.time,
        ...view.observe(answer),
      });
    }
    await this.deps.monitoring.adoptPredictions(rows);
    return rows.map((r) => ({
      id: r.id,
      version: r.version,
      predicted: r.predicted,
      labelled: false,
    }));
  }

  private async kind(name: string, version: number): Promise<RuntimeKind> {
    return (await this.described(name, version)).kind;
  }

  /** How a version's answers are read: its task, classes and prediction. */
  async view(name: string, version: number): Promise<PredictionView> {
    return (await this.described(name, version)).view;
  }

  /** A version's runtime kind and view, read once: versions are immutable. */
  private described(
    name: string,
    version: number,
  ): Promise<{ kind: RuntimeKind; view: PredictionView }> {
    const key = `${name}@${version}`;
    let described = this.versions.get(key);
    if (!described) {
      described = this.deps.repo.version(name, version).then((v) => {
        if (!v) throw new NotFoundError(`version ${version} of deployment ${name}`);
        const kind = this.deps.kindOf(v.format) ?? 'model';
        return { kind, view: predictionView(v.signature, v.config, kind) };
      });
      described.catch(() => this.versions.delete(key));
      this.versions.set(key, described);
    }
    return described;
  }
}

/** What a prediction id looks like: a call's id (a UUID), or `<call id>:<index>`. */
export const PREDICTION_ID = /^[A-Za-z0-9._:-]{1,200}$/;

export type ShapedItem =
  { ok: true; id: string; actual: unknown; where: string } | { ok: false; message: string };

/** An item's id and actual, or why it has none; `index` names it within an array. */
export function shape(item: unknown, index: number | undefined): ShapedItem {
  const where = index === undefined ? '' : `[${index}].`;
  if (typeof item !== 'object' || item === null || Array.isArray(item))
    return {
      ok: false,
      message: `${where.slice(0, -1) || 'body'}: expected an object {"id", "actual"}`,
    };
  const { id, actual } = item as { id?: unknown; actual?: unknown };
  if (typeof id !== 'string' || id.length === 0 || id.length > 200)
    return {
      ok: false,
      message: `${where}id: expected the prediction id (a string) the call answered`,
    };
  return { ok: true, id, actual, where };
}

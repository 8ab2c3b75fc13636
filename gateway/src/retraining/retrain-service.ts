import { randomUUID } from 'node:crypto';
import { constants } from 'node:fs';
import { copyFile, mkdir, open, rm } from 'node:fs/promises';
import { extname, join } from 'node:path';
import type { ArtifactStore, ReceivedFile } from '../artifacts/artifact-store.js';
import type {
  DeploymentRecord,
  DeploymentRepository,
  VersionRecord,
} from '../db/deployment-repository.js';
import {
  presentRun,
  type RetrainingRepository,
  type NewRetrainRun,
  type RetrainRunRow,
  type RunChange,
} from '../db/retraining-repository.js';
import { ConflictError, DeadlineError, NotFoundError, SlipwayError } from '../errors.js';
import type { Format } from '../protocol/deployments.js';
import type { Alert, AlertRule } from '../protocol/monitoring.js';
import {
  TRAINER_PARAMETERS,
  type GateResult,
  type RetrainDecision,
  type RetrainErrorCode,
  type RetrainingPolicy,
  type RetrainRequest,
  type RetrainRun,
  type RetrainTrigger,
  type TrainerInfo,
} from '../protocol/retraining.js';
import type { Signature } from '../protocol/signature.js';
import type { RuntimeRegistry } from '../runtimes/registry.js';
import type { ArtifactRef, ModelRuntime, NotebookRuntime, Runtime } from '../runtimes/types.js';
import type { ModelHost } from '../serving/model-host.js';
import { gateResult, scoreVersion } from './gate.js';
import { labelledExamples, type LabelledExample } from './labelled-examples.js';
import { checkSchedule, primaryMetric, withDefaults } from './policy.js';
import { signatureChanges } from './signature-changes.js';
import { targetColumn, TrainingTable } from './training-table.js';

export interface RetrainServiceDeps {
  repo: DeploymentRepository;
  retraining: RetrainingRepository;
  store: ArtifactStore;
  registry: RuntimeRegistry;
  host: ModelHost;
  /** Where notebook runs leave their executed notebooks; a run's work folder goes there too. */
  runsDir: string;
  publicUrl: string;
  maxBatch: number;
  /** Largest model file a training notebook may write. */
  maxModelBytes: number;
  /**
   * Makes a path the workers' (their user's, when they run as another): the work folder, where
   * the training notebook writes its model, and the files copied into it.
   */
  handOver: (dir: string) => Promise<void>;
  /** Acts on the promotion policy once a candidate's gate is known; answers what it did. */
  decide: (
    name: string,
    version: number,
    gate: GateResult,
    policy: RetrainingPolicy,
  ) => Promise<RetrainDecision>;
  /** Told of every change of a run, once it is stored. */
  onRun?: (run: RetrainRun) => void;
  onError?: (err: unknown) => void;
  now?: () => Date;
}

/** A run's failure, with the code the API reports. */
class RunFailure extends Error {
  constructor(
    readonly code: RetrainErrorCode,
    message: string,
  ) {
    super(message);
  }
}

/** Files of a trainer upload, already received into the artifact store's temporary area. */
export interface TrainerUpload {
  file?: ReceivedFile;
  trainingFile?: ReceivedFile;
}

/**
 * Retraining: a deployment's training notebook, its policy, and its runs. A run exports the
 * labelled predictions of a window (all but the most recent share, held back for the gate) as
 * a CSV, executes the training notebook with papermill, loads the model it wrote as a
 * candidate version (refused when it does not load or its signature changed), scores candidate
 * and live on the held-back labels, and hands the verdict to the promotion policy. At most one
 * run per deployment at a time: a trigger while one runs is recorded as skipped.
 */
export class RetrainService {
  private readonly running = new Map<string, { abort: AbortController; done: Promise<void> }>();
  private readonly now: () => Date;

  constructor(private readonly deps: RetrainServiceDeps) {
    this.now = deps.now ?? (() => new Date());
  }

  /** Ends the runs a stopped gateway left running. */
  async recover(): Promise<void> {
    const rows = await this.deps.retraining.failRunning(
      'the gateway stopped while the run was under way',
      this.now(),
    );
    for (const r of rows) this.deps.onRun?.(this.present(r));
  }

  /** Cancels every run under way and waits for them to end. */
  async close(): Promise<void> {
    for (const r of this.running.values()) r.abort.abort();
    await Promise.allSettled([...this.running.values()].map((r) => r.done));
  }

  // --- trainer ------------------------------------------------------------------------------

  async trainer(name: string): Promise<TrainerInfo> {
    await this.requireDeployment(name);
    const t = await this.deps.retraining.trainer(name);
    if (!t) throw new NotFoundError(`training notebook of deployment ${name}`);
    return {
      deployment: name,
      filename: t.filename,
      artifactSha256: t.artifactSha256,
      parameters: t.parameters,
      trainingFile: t.trainingFileSha256
        ? { filename: t.trainingFilename, size: t.trainingFileSize ?? 0 }
        : null,
      createdAt: t.createdAt.toISOString(),
    };
  }

  /**
   * Stores a deployment's training notebook (replacing one), and optionally the original
   * training file. The notebook must be one papermill runs, whose parameters cell names
   * `training_data_path` and `output_model_path`. The received files are gone afterwards.
   */
  async putTrainer(name: string, upload: TrainerUpload): Promise<TrainerInfo> {
    const { store } = this.deps;
    try {
      const record = await this.requireDeployment(name);
      if (record.live.format === 'notebook')
        throw new ConflictError(
          `deployment ${name} is a notebook: retraining makes model versions, of a deployment serving a model`,
          'not_a_model',
        );
      if (!upload.file)
        throw new SlipwayError(
          400,
          'invalid_input',
          'file: expected the training notebook (.ipynb) as a multipart file field',
          'file',
        );
      const artifact = await store.adopt(upload.file);
      let parameters: string[];
      try {
        parameters = await this.inspectTrainer(name, record, upload.file, artifact);
      } catch (err) {
        if (artifact.fresh) await this.dropUnused([artifact.sha256]);
        throw err;
      }
      const training = upload.trainingFile ? await store.adopt(upload.trainingFile) : undefined;
      const dropped = await this.deps.retraining.putTrainer(
        {
          deploymentName: name,
          artifactSha256: artifact.sha256,
          filename: upload.file.filename ?? null,
          parameters,
          trainingFileSha256: training?.sha256 ?? null,
          trainingFilename: upload.trainingFile?.filename ?? null,
        },
        { artifact: artifact.size, trainingFile: training?.size ?? null },
      );
      await this.dropUnused(dropped);
      return await this.trainer(name);
    } finally {
      for (const f of [upload.file, upload.trainingFile]) if (f) await store.discard(f);
    }
  }

  async deleteTrainer(name: string): Promise<void> {
    await this.requireDeployment(name);
    const files = await this.deps.retraining.deleteTrainer(name);
    if (!files) throw new NotFoundError(`training notebook of deployment ${name}`);
    await this.dropUnused(files);
  }

  // --- policy -------------------------------------------------------------------------------

  async policy(name: string): Promise<RetrainingPolicy> {
    await this.requireDeployment(name);
    return withDefaults((await this.deps.retraining.policy(name))?.policy);
  }

  /** Replaces the policy: the fields given over the defaults. */
  async setPolicy(name: string, input: Partial<RetrainingPolicy>): Promise<RetrainingPolicy> {
    await this.requireDeployment(name);
    const policy = withDefaults(input);
    checkSchedule(policy.schedule);
    await this.deps.retraining.putPolicy(name, policy, this.now());
    return policy;
  }

  // --- runs ---------------------------------------------------------------------------------

  async runs(name: string): Promise<RetrainRun[]> {
    await this.requireDeployment(name);
    return (await this.deps.retraining.runs(name)).map((r) => this.present(r));
  }

  async run(name: string, id: string): Promise<RetrainRun> {
    const row = await this.deps.retraining.run(name, id);
    if (!row) throw new NotFoundError(`retraining run ${id} of deployment ${name}`);
    return this.present(row);
  }

  /** Cancels a run under way; 409 when it is not running (here). */
  async cancel(name: string, id: string): Promise<RetrainRun> {
    const run = await this.run(name, id);
    const under = this.running.get(id);
    if (run.status !== 'running' || !under)
      throw new ConflictError(`retraining run ${id} is not running (it is ${run.status})`);
    under.abort.abort();
    await under.done;
    return this.run(name, id);
  }

  /** A rule whose action is `retrain` fired. */
  onAlert(rule: AlertRule, alert: Alert): void {
    void this.trigger(rule.deployment, 'alert', `alert rule ${rule.name} (${alert.id})`).catch(
      (err: unknown) => this.deps.onError?.(err),
    );
  }

  /**
   * Starts a run, or records a skipped one when a run of the deployment is under way.
   * `started` says which. Without a training notebook: a 409 for a caller (button, API); a
   * failed run for an alert or a schedule, so that the monitor shows why nothing happened.
   */
  async trigger(
    name: string,
    trigger: RetrainTrigger,
    detail: string | null,
    request: RetrainRequest = {},
  ): Promise<{ run: RetrainRun; started: boolean }> {
    const record = await this.requireDeployment(name);
    const policy = withDefaults((await this.deps.retraining.policy(name))?.policy);
    const now = this.now();
    const to = request.to ? new Date(request.to) : now;
    const from = request.from
      ? new Date(request.from)
      : new Date(to.getTime() - (request.windowHours ?? policy.windowHours) * 3_600_000);
    const parameters = { ...policy.parameters, ...request.parameters };
    const trainer = await this.deps.retraining.trainer(name);
    const base = {
      deploymentName: name,
      trigger,
      triggerDetail: detail,
      windowFrom: from,
      windowTo: to,
      parameters,
      liveVersion: record.liveVersion,
      createdAt: now,
    };
    if (!trainer) {
      const message = `deployment ${name} has no training notebook: PUT /api/deployments/${name}/trainer`;
      if (trigger === 'button' || trigger === 'api') throw new ConflictError(message, 'no_trainer');
      return { run: await this.recordEnded(base, 'failed', 'no_trainer', message), started: false };
    }
    const id = randomUUID();
    const log = [
      { at: now.toISOString(), message: `started by ${describeTrigger(trigger, detail)}` },
    ];
    const inserted = await this.deps.retraining.insertRun({
      ...base,
      id,
      status: 'running',
      log,
    });
    if (!inserted)
      return {
        run: await this.recordEnded(
          base,
          'skipped',
          'already_running',
          `a retraining run of deployment ${name} is under way; this trigger was skipped`,
        ),
        started: false,
      };
    const abort = new AbortController();
    const row = (await this.deps.retraining.run(name, id))!;
    const done = this.execute(row, record, policy, abort.signal).finally(() =>
      this.running.delete(id),
    );
    this.running.set(id, { abort, done });
    const run = this.present(row);
    this.deps.onRun?.(run);
    return { run, started: true };
  }

  /** Resolves when the run ends (tests, shutdown); at once when it is not under way here. */
  async settled(id: string): Promise<void> {
    await this.running.get(id)?.done;
  }

  // --- a run --------------------------------------------------------------------------------

  private async execute(
    row: RetrainRunRow,
    record: DeploymentRecord,
    policy: RetrainingPolicy,
    signal: AbortSignal,
  ): Promise<void> {
    const started = performance.now();
    const log = [...row.log];
    const update = async (change: RunChange, message?: string) => {
      if (message) log.push({ at: this.now().toISOString(), message });
      await this.deps.retraining.updateRun(row.id, { ...change, log });
      const fresh = await this.deps.retraining.run(row.deploymentName, row.id);
      if (fresh) this.deps.onRun?.(this.present(fresh));
    };
    const name = row.deploymentName;
    const dir = join(this.deps.runsDir, `retrain-${row.id}`);
    let candidate: { version: number; runtime: ModelRuntime } | undefined;
    try {
      await mkdir(dir, { recursive: true });
      await this.deps.handOver(dir);
      const live = record.live;
      const fields = live.signature.inputs.map((f) => f.name);
      const target = targetColumn(fields);
      const trainingPath = join(dir, 'training.csv');
      const { training, holdout, skipped } = await this.exportExamples(
        row,
        policy,
        trainingPath,
        fields,
        target,
      );
      await update(
        { trainingRows: training, holdoutRows: holdout.length },
        `${training} labelled predictions to train on, ${holdout.length} held back for the gate` +
          (skipped > 0 ? `; ${skipped} left out (their calls' inputs were not logged)` : ''),
      );
      if (training === 0)
        throw new RunFailure(
          'no_training_data',
          `no labelled predictions with logged inputs between ${row.windowFrom.toISOString()} and ${row.windowTo.toISOString()}`,
        );
      const liveModel = join(dir, `live-model${extensionOf(live)}`);
      await copyFile(this.deps.store.path(live.artifactSha256), liveModel);
      // A copy keeps the artifact's mode (not readable by the workers' user): theirs now.
      await this.deps.handOver(liveModel);
      const outputModel = join(dir, `model${extensionOf(live)}`);
      const trainer = (await this.deps.retraining.trainer(name))!;
      const params: Record<string, unknown> = {
        ...(row.parameters as Record<string, unknown>),
        [TRAINER_PARAMETERS.trainingData]: trainingPath,
        [TRAINER_PARAMETERS.liveModel]: liveModel,
        [TRAINER_PARAMETERS.outputModel]: outputModel,
        [TRAINER_PARAMETERS.targetColumn]: target,
      };
      if (trainer.trainingFileSha256) {
        const original = join(dir, `original${extname(trainer.trainingFilename ?? '') || '.csv'}`);
        await copyFile(this.deps.store.path(trainer.trainingFileSha256), original);
        await this.deps.handOver(original);
        params[TRAINER_PARAMETERS.originalTrainingData] = original;
      }
      await update(
        {},
        `running the training notebook ${trainer.filename ?? trainer.artifactSha256}`,
      );
      await this.runTrainer(row, record, trainer, params, policy, signal);
      await update({ notebook: true }, 'the training notebook finished');
      candidate = await this.loadCandidate(row, record, policy, outputModel, signal);
      const version = candidate.version;
      await update(
        { candidateVersion: version },
        `the model it wrote is candidate version ${version}`,
      );
      const gate = await this.gate(record, version, holdout, policy, signal);
      await this.deps.repo.setGate(name, version, gate);
      await update(
        { gate },
        gate.passed
          ? `gate passed: ${gate.metric} ${gate.candidate} against live's ${gate.live} on ${gate.n} held-back labels`
          : `gate not passed: ${gate.reason}`,
      );
      const decision = await this.deps.decide(name, version, gate, policy);
      await update(
        {
          decision,
          status: 'succeeded',
          finishedAt: this.now(),
          durationMs: performance.now() - started,
        },
        describeDecision(decision, version),
      );
    } catch (err) {
      const failure = asFailure(err, signal);
      const notebook = await this.hasNotebook(row.id);
      await update(
        {
          status: failure.code === 'cancelled' ? 'cancelled' : 'failed',
          error: { code: failure.code, message: failure.message },
          notebook,
          finishedAt: this.now(),
          durationMs: performance.now() - started,
        },
        failure.message,
      ).catch((e: unknown) => this.deps.onError?.(e));
    } finally {
      await rm(dir, { recursive: true, force: true }).catch(() => {});
    }
  }

  /** Writes the training part of the window to `path`; answers the held-back part. */
  private async exportExamples(
    row: RetrainRunRow,
    policy: RetrainingPolicy,
    path: string,
    fields: string[],
    target: string,
  ): Promise<{ training: number; holdout: LabelledExample[]; skipped: number }> {
    const name = row.deploymentName;
    const total = await this.deps.retraining.countLabelled(name, row.windowFrom, row.windowTo);
    const trainCount = Math.floor(total * (1 - policy.holdoutFraction));
    const table = new TrainingTable(path, fields, target);
    const holdout: LabelledExample[] = [];
    const signatures = new Map<number, Promise<Signature | undefined>>();
    const signatureOf = (v: number) => {
      let s = signatures.get(v);
      if (!s) signatures.set(v, (s = this.deps.repo.version(name, v).then((r) => r?.signature)));
      return s;
    };
    let seen = 0;
    let skipped = 0;
    try {
      for await (const page of labelledExamples(
        { retraining: this.deps.retraining, signatureOf, maxBatch: this.deps.maxBatch },
        name,
        row.windowFrom,
        row.windowTo,
      )) {
        skipped += page.skipped;
        // Rows are split by their place in time order: the most recent share is held back.
        const before = seen;
        seen += page.examples.length + page.skipped;
        const cut = Math.max(0, Math.min(page.examples.length, trainCount - before));
        await table.add(page.examples.slice(0, cut));
        holdout.push(...page.examples.slice(cut));
      }
    } finally {
      await table.close();
    }
    return { training: table.rows, holdout, skipped };
  }

  private async runTrainer(
    row: RetrainRunRow,
    record: DeploymentRecord,
    trainer: { artifactSha256: string; filename: string | null },
    parameters: Record<string, unknown>,
    policy: RetrainingPolicy,
    signal: AbortSignal,
  ): Promise<void> {
    const size = await fileSize(this.deps.store.path(trainer.artifactSha256));
    const runtime = this.notebookRuntime(row.deploymentName, record, {
      sha256: trainer.artifactSha256,
      size,
      filename: trainer.filename ?? undefined,
    });
    try {
      await runtime.load(signal);
      await runtime.run(parameters as never, {
        requestId: row.id,
        timeoutMs: policy.timeoutSeconds * 1000,
        signal,
      });
    } catch (err) {
      if (signal.aborted) throw new RunFailure('cancelled', 'the run was cancelled');
      if (err instanceof DeadlineError)
        throw new RunFailure(
          'trainer_timeout',
          `the training notebook did not finish within ${policy.timeoutSeconds} s (timeoutSeconds)`,
        );
      throw new RunFailure(
        'trainer_failed',
        `the training notebook failed: ${(err as Error).message}`,
      );
    } finally {
      await runtime.unload().catch(() => {});
    }
  }

  /**
   * The model the notebook wrote, as a candidate version: read without following links (the
   * folder is the workers'), stored, loaded by the runtime of its format, its signature
   * compared with live's. Nothing is stored when any of that fails.
   */
  private async loadCandidate(
    row: RetrainRunRow,
    record: DeploymentRecord,
    policy: RetrainingPolicy,
    path: string,
    signal: AbortSignal,
  ): Promise<{ version: number; runtime: ModelRuntime }> {
    const { store, registry, repo, host } = this.deps;
    const received = await this.receiveModel(path);
    const artifact = await store.adopt(received).finally(() => store.discard(received));
    let runtime: Runtime | undefined;
    try {
      const factory = registry.detect({ head: received.head, filename: received.filename });
      if (!factory || factory.kind !== 'model')
        throw new RunFailure(
          'unloadable_model',
          `the model the notebook wrote (${received.size} bytes) is not a format this gateway serves (${registry
            .formats()
            .filter((f) => f !== 'notebook')
            .join(', ')})`,
        );
      runtime = factory.create({
        name: row.deploymentName,
        version: 0,
        artifact,
        pool: record.pool,
        config: record.live.config,
      });
      try {
        await runtime.load(signal);
      } catch (err) {
        throw new RunFailure(
          'unloadable_model',
          `the ${factory.format} runtime could not load the model the notebook wrote: ${(err as Error).message}`,
        );
      }
      const signature = runtime.signature();
      const changes = signatureChanges(record.live.signature, signature);
      if (changes.length > 0 && !policy.allowSignatureChange)
        throw new RunFailure(
          'signature_changed',
          `the new model's signature differs from live version ${record.liveVersion}'s: ${changes.join('; ')} (set allowSignatureChange to accept it)`,
        );
      const version = await repo.addCandidate({
        name: row.deploymentName,
        format: factory.format,
        artifactSha256: artifact.sha256,
        artifactSize: artifact.size,
        filename: received.filename ?? null,
        config: record.live.config,
        signature,
        retrainRunId: row.id,
      });
      if (version === undefined) throw new NotFoundError(`deployment ${row.deploymentName}`);
      const stored = (await repo.version(row.deploymentName, version))!;
      host.adopt(stored, runtime);
      return { version, runtime: runtime as ModelRuntime };
    } catch (err) {
      await runtime?.unload().catch(() => {});
      if (artifact.fresh && !(await repo.artifactShas()).includes(artifact.sha256))
        await store.remove(artifact.sha256);
      throw err;
    }
  }

  /** The file at `path` into the store's temporary area: a plain file, within the size limit. */
  private async receiveModel(path: string): Promise<ReceivedFile> {
    const flags = constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK;
    const fh = await open(path, flags).catch(() => undefined);
    if (!fh)
      throw new RunFailure(
        'no_model_written',
        `the training notebook wrote no model to output_model_path (${path})`,
      );
    try {
      const st = await fh.stat();
      if (!st.isFile() || st.nlink !== 1 || st.size === 0)
        throw new RunFailure(
          'no_model_written',
          `output_model_path is not a model file (${st.isFile() ? `${st.size} bytes` : 'not a plain file'})`,
        );
      if (st.size > this.deps.maxModelBytes)
        throw new RunFailure(
          'unloadable_model',
          `the model the notebook wrote is ${st.size} bytes, over the ${this.deps.maxModelBytes} a model may have`,
        );
      return await this.deps.store.receive(fh.createReadStream({ autoClose: false }), {
        maxBytes: this.deps.maxModelBytes,
        filename: path.slice(path.lastIndexOf('/') + 1),
      });
    } finally {
      await fh.close();
    }
  }

  /** Candidate and live scored on the held-back examples with the deployment's primary metric. */
  private async gate(
    record: DeploymentRecord,
    version: number,
    holdout: LabelledExample[],
    policy: RetrainingPolicy,
    signal: AbortSignal,
  ): Promise<GateResult> {
    const { host, repo } = this.deps;
    const candidateRecord = (await repo.version(record.name, version))!;
    const [live, candidate] = await Promise.all([
      host.acquire(record.live, record.pool),
      host.acquire(candidateRecord, record.pool),
    ]);
    const task = candidate.monitor.view.task ?? live.monitor.view.task ?? 'classification';
    const metric = primaryMetric(policy, task);
    const opts = { timeoutMs: policy.timeoutSeconds * 1000, signal };
    const [liveMetrics, candidateMetrics] = await Promise.all([
      scoreVersion(live, holdout, opts),
      scoreVersion(candidate, holdout, opts),
    ]);
    return gateResult({
      metric,
      margin: policy.margin,
      liveVersion: record.liveVersion,
      live: liveMetrics,
      candidate: candidateMetrics,
      n: holdout.length,
      at: this.now(),
    });
  }

  // --- helpers ------------------------------------------------------------------------------

  private notebookRuntime(
    name: string,
    record: DeploymentRecord,
    file: { sha256: string; size: number; filename?: string },
  ): NotebookRuntime {
    const factory = this.deps.registry.get('notebook');
    if (!factory) throw new ConflictError('this gateway runs no notebooks', 'no_notebooks');
    return factory.create({
      name: `${name}-trainer`,
      version: 0,
      artifact: this.deps.store.ref(file.sha256, file.size, file.filename),
      pool: record.pool,
      config: {},
    }) as NotebookRuntime;
  }

  /** The trainer's parameter names, after checking that papermill can run it. */
  private async inspectTrainer(
    name: string,
    record: DeploymentRecord,
    file: ReceivedFile,
    artifact: ArtifactRef,
  ): Promise<string[]> {
    const factory = this.deps.registry.get('notebook');
    if (!factory || !factory.detect({ head: file.head, filename: file.filename }))
      throw new SlipwayError(
        400,
        'invalid_input',
        'file: expected a Jupyter notebook (.ipynb) as the training notebook',
        'file',
      );
    const runtime = factory.create({
      name: `${name}-trainer`,
      version: 0,
      artifact,
      pool: record.pool,
      config: {},
    });
    try {
      await runtime.load();
      const names = runtime.signature().inputs.map((f) => f.name);
      const missing = [TRAINER_PARAMETERS.trainingData, TRAINER_PARAMETERS.outputModel].filter(
        (p) => !names.includes(p),
      );
      if (missing.length > 0)
        throw new SlipwayError(
          400,
          'invalid_input',
          `file: the training notebook's parameters cell must define ${missing.join(' and ')} (Slipway passes the training data and where to write the model)`,
          'file',
        );
      return names;
    } catch (err) {
      if (err instanceof SlipwayError) throw err;
      throw new SlipwayError(
        400,
        'invalid_input',
        `file: the training notebook could not be read: ${(err as Error).message}`,
        'file',
      );
    } finally {
      await runtime.unload().catch(() => {});
    }
  }

  private async recordEnded(
    base: Omit<NewRetrainRun, 'id' | 'status' | 'log' | keyof RunChange>,
    status: 'failed' | 'skipped',
    code: RetrainErrorCode,
    message: string,
  ): Promise<RetrainRun> {
    const id = randomUUID();
    const at = this.now();
    await this.deps.retraining.insertRun({
      ...base,
      id,
      status,
      error: { code, message },
      log: [{ at: at.toISOString(), message }],
      finishedAt: at,
      durationMs: 0,
    });
    const run = this.present((await this.deps.retraining.run(base.deploymentName, id))!);
    this.deps.onRun?.(run);
    return run;
  }

  private async hasNotebook(id: string): Promise<boolean> {
    const fh = await open(join(this.deps.runsDir, `${id}.ipynb`), constants.O_RDONLY).catch(
      () => undefined,
    );
    await fh?.close();
    return fh !== undefined;
  }

  private async dropUnused(shas: string[]): Promise<void> {
    if (shas.length === 0) return;
    const inUse = new Set(await this.deps.repo.referencedArtifacts());
    for (const sha of shas) if (!inUse.has(sha)) await this.deps.store.remove(sha).catch(() => {});
  }

  private async requireDeployment(name: string): Promise<DeploymentRecord> {
    const record = await this.deps.repo.get(name);
    if (!record) throw new NotFoundError(`deployment ${name}`);
    return record;
  }

  private present(r: RetrainRunRow): RetrainRun {
    return presentRun(r, this.deps.publicUrl);
  }
}

function asFailure(err: unknown, signal: AbortSignal): RunFailure {
  if (err instanceof RunFailure) return err;
  if (signal.aborted) return new RunFailure('cancelled', 'the run was cancelled');
  return new RunFailure('trainer_failed', (err as Error).message ?? String(err));
}

/** The file extension a model of this version's format is saved with. */
function extensionOf(v: VersionRecord): string {
  const ext = extname(v.filename ?? '');
  if (ext) return ext;
  const byFormat: Record<Format, string> = {
    onnx: '.onnx',
    pmml: '.pmml',
    pickle: '.pkl',
    mojo: '.zip',
    notebook: '.ipynb',
  };
  return byFormat[v.format];
}

async function fileSize(path: string): Promise<number> {
  const fh = await open(path, constants.O_RDONLY);
  try {
    return (await fh.stat()).size;
  } finally {
    await fh.close();
  }
}

function describeTrigger(trigger: RetrainTrigger, detail: string | null): string {
  const what = {
    button: 'the monitor',
    api: 'the API',
    alert: 'an alert',
    schedule: 'the schedule',
  }[trigger];
  return detail ? `${what}: ${detail}` : what;
}

function describeDecision(decision: RetrainDecision, version: number): string {
  switch (decision) {
    case 'promoted':
      return `version ${version} promoted: it is live`;
    case 'canary':
      return `version ${version} started as a canary`;
    case 'awaiting_promotion':
      return `version ${version} awaits promotion (promotion policy: manual)`;
    case 'not_promoted':
      return `version ${version} stays a candidate: its gate did not pass`;
  }
}

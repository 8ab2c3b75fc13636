import { randomUUID } from 'node:crypto';
import type { Context } from 'hono';
import type { ArtifactStore } from '../artifacts/artifact-store.js';
import type { ApprovalRepository, ApprovalRow, ApprovalState } from '../db/approval-repository.js';
import type { IdentityRepository } from '../db/identity-repository.js';
import type { DeploymentService, PublishForm } from '../deployments/deployment-service.js';
import { InvalidInputError, NotFoundError } from '../errors.js';
import type { Deployment, Format } from '../protocol/deployments.js';
import { principalOf, type AccessControl } from './access.js';
import { actorOf, holds, type Principal } from './roles.js';

/** The formats whose artifacts run their publisher's code in the gateway's workers. */
export const CODE_FORMATS: readonly Format[] = ['pickle', 'notebook'];

export interface ApprovalView {
  id: string;
  deployment: string;
  format: string;
  filename: string | null;
  size: number;
  requestedBy: string;
  requestedAt: string;
  state: ApprovalState;
  decidedBy: string | null;
  decidedAt: string | null;
  reason: string | null;
  /** The version the approved publish made. */
  version: number | null;
}

/**
 * SLIPWAY_REQUIRE_APPROVAL: a publish of an artifact that runs code (a pickle, a notebook) by a
 * user who is not an admin waits for an admin. Its file is kept aside unread — nothing of it
 * runs, not even the load that checks it — until an admin approves (the publish then happens
 * as it would have, the requester its owner) or rejects it (the file goes).
 */
export class ApprovalService {
  constructor(
    private readonly deps: {
      required: boolean;
      repo: ApprovalRepository;
      identity: IdentityRepository;
      access: AccessControl;
      deployments: DeploymentService;
      store: ArtifactStore;
      now?: () => Date;
    },
  ) {}

  private now(): Date {
    return this.deps.now?.() ?? new Date();
  }

  /**
   * Holds the publish in `form` when it needs an approval, and answers the request made;
   * undefined when it goes ahead now. The caller must be allowed to publish it in any case.
   */
  async hold(c: Context, form: PublishForm): Promise<ApprovalView | undefined> {
    const principal = principalOf(c);
    if (!this.deps.required || holds(principal, 'admin')) return undefined;
    const { name, format, exists } = await this.deps.deployments.describeUpload(form);
    if (!CODE_FORMATS.includes(format)) return undefined;
    await this.deps.access.requirePublish(principal, name, exists);
    const file = form.file!;
    const id = randomUUID();
    await this.deps.store.hold(file, id);
    const fields: Record<string, string> = {};
    for (const key of ['pool', 'config', 'public', 'allowSignatureChange'] as const)
      if (form[key] !== undefined) fields[key] = form[key];
    const row = {
      id,
      deploymentName: name,
      format,
      fields,
      sha256: file.sha256,
      size: file.size,
      filename: file.filename ?? null,
      requestedBy: actorOf(principal),
      requestedAt: this.now(),
      state: 'pending' as const,
    };
    await this.deps.repo.insert(row);
    return view({ ...row, decidedBy: null, decidedAt: null, reason: null, version: null });
  }

  async list(state?: ApprovalState): Promise<ApprovalView[]> {
    return (await this.deps.repo.list(state)).map(view);
  }

  /** Publishes a held artifact as its requester asked; its requester owns a new deployment. */
  async approve(by: Principal, id: string): Promise<Deployment> {
    const row = await this.pending(id);
    if (!(await this.deps.repo.decide(id, { state: 'approved', by: actorOf(by), at: this.now() })))
      throw new InvalidInputError(`approval ${id} was decided already`, 'id', 'already_decided');
    const file = await this.deps.store.pending(id, {
      sha256: row.sha256,
      size: row.size,
      filename: row.filename ?? undefined,
    });
    let deployment: Deployment;
    try {
      ({ deployment } = await this.deps.deployments.publish({
        ...row.fields,
        file,
        name: row.deploymentName,
        format: row.format,
      }));
    } catch (err) {
      // Refused now as it would have been at once (a broken file, a signature change): said
      // to the admin, and kept on the request.
      await this.deps.repo.failed(id, err instanceof Error ? err.message : String(err));
      throw err;
    }
    await this.deps.identity.claim(deployment.name, row.requestedBy);
    await this.deps.repo.publishedAs(id, deployment.version);
    return deployment;
  }

  async reject(by: Principal, id: string, reason?: string): Promise<ApprovalView> {
    await this.pending(id);
    const at = this.now();
    if (!(await this.deps.repo.decide(id, { state: 'rejected', by: actorOf(by), at, reason })))
      throw new InvalidInputError(`approval ${id} was decided already`, 'id', 'already_decided');
    await this.deps.store.drop(id);
    return view((await this.deps.repo.get(id))!);
  }

  private async pending(id: string): Promise<ApprovalRow> {
    const row = await this.deps.repo.get(id);
    if (!row) throw new NotFoundError(`approval ${id}`);
    if (row.state !== 'pending')
      throw new InvalidInputError(
        `approval ${id} was ${row.state} by ${row.decidedBy} at ${row.decidedAt?.toISOString()}`,
        'id',
        'already_decided',
      );
    return row;
  }
}

function view(row: ApprovalRow): ApprovalView {
  return {
    id: row.id,
    deployment: row.deploymentName,
    format: row.format,
    filename: row.filename,
    size: row.size,
    requestedBy: row.requestedBy,
    requestedAt: row.requestedAt.toISOString(),
    state: row.state,
    decidedBy: row.decidedBy,
    decidedAt: row.decidedAt?.toISOString() ?? null,
    reason: row.reason,
    version: row.version,
  };
}

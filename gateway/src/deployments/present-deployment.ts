import type { DeploymentRecord, TrafficShare, VersionRecord } from '../db/deployment-repository.js';
import type { Deployment, DeploymentDetail, DeploymentStatus } from '../protocol/deployments.js';
import { callSnippets } from '../protocol/call-snippets.js';
import type { Signature } from '../protocol/signature.js';
import { exampleRecord } from '../validation/example-record.js';

/** The wire form of a deployment. */
export function presentDeployment(
  record: DeploymentRecord,
  opts: {
    publicUrl: string;
    status: DeploymentStatus;
    statusReason?: string | null;
    invokeKey?: string;
    warnings?: string[];
  },
): Deployment {
  const invokeUrl = `${opts.publicUrl}/fn/${record.name}`;
  const d: Deployment = {
    name: record.name,
    version: record.liveVersion,
    format: record.live.format,
    pool: record.pool,
    status: opts.status,
    public: record.public,
    invokeUrl,
    signature: record.live.signature,
    curl: curlCommand(
      invokeUrl,
      record.live.signature,
      record.public ? undefined : (opts.invokeKey ?? '$SLIPWAY_KEY'),
    ),
    snippets: callSnippets({
      url: invokeUrl,
      body: exampleRecord(record.live.signature),
      keyVariable: record.public ? null : 'SLIPWAY_KEY',
    }),
    createdAt: record.createdAt.toISOString(),
    updatedAt: record.updatedAt.toISOString(),
  };
  if (opts.invokeKey) d.invokeKey = opts.invokeKey;
  if (opts.warnings?.length) d.warnings = opts.warnings;
  if (opts.statusReason) d.statusReason = opts.statusReason;
  return d;
}

export function presentDetail(
  record: DeploymentRecord,
  versions: VersionRecord[],
  opts: { publicUrl: string; status: DeploymentStatus; statusReason?: string | null },
): DeploymentDetail {
  return {
    ...presentDeployment(record, opts),
    versions: versions.map((v) => ({
      version: v.version,
      format: v.format,
      artifactSha256: v.artifactSha256,
      artifactSize: v.artifactSize,
      live: v.version === record.liveVersion,
      createdAt: v.createdAt.toISOString(),
    })),
    traffic: record.traffic
      ? { split: presentSplit(record.traffic.shares), sticky: record.traffic.sticky }
      : null,
    shadow: record.shadowVersion === null ? null : { version: record.shadowVersion },
  };
}

/** A split's wire form: version → percent, in ascending version order. */
export function presentSplit(shares: TrafficShare[]): Record<string, number> {
  return Object.fromEntries(shares.map((s) => [String(s.version), s.percent]));
}

/** A curl command a user can paste: one example record built from the signature. */
export function curlCommand(invokeUrl: string, signature: Signature, key?: string): string {
  const example = exampleRecord(signature);
  // Double quotes: the shell substitutes the placeholder `$SLIPWAY_KEY` (a key itself is
  // letters, digits, '_' and '-', nothing a shell reads inside them).
  const auth = key ? ` \\\n  -H "Authorization: Bearer ${key}"` : '';
  const body = JSON.stringify(example).replace(/'/g, `'\\''`);
  return `curl -X POST '${invokeUrl}'${auth} \\\n  -H 'Content-Type: application/json' \\\n  -d '${body}'`;
}

import { clusterConsoleUrl } from './links';
import { BACKTRACK_DOC_URL } from './rules';
import type { ClusterState } from './state-types';
import { isCheckerTag } from './tags';
import { clip, formatDuration } from './text';
import type { AccountContext, ComplianceStatus, Evaluation, Exemption, SeverityLabel } from './types';

/** The ASFF fields this product writes (a structural subset of Security Hub's AwsSecurityFinding). */
export interface Finding {
  SchemaVersion: '2018-10-08';
  Id: string;
  ProductArn: string;
  GeneratorId: string;
  AwsAccountId: string;
  Types: string[];
  CreatedAt: string;
  UpdatedAt: string;
  Severity: { Label: SeverityLabel };
  FindingProviderFields: { Severity: { Label: SeverityLabel; Original: string }; Types: string[] };
  Title: string;
  Description: string;
  Remediation?: { Recommendation: { Text: string; Url: string } };
  SourceUrl?: string;
  ProductName: string;
  CompanyName: string;
  ProductFields: Record<string, string>;
  Resources: Array<{
    Type: 'AwsRdsDbCluster';
    Id: string;
    Partition: string;
    Region: string;
    Tags?: Record<string, string>;
    Details: {
      AwsRdsDbCluster?: {
        DbClusterIdentifier: string;
        DbClusterResourceId: string;
        Engine: string;
        EngineVersion: string;
        EngineMode?: string;
      };
      Other: Record<string, string>;
    };
  }>;
  Compliance: { Status: ComplianceStatus };
  Workflow?: { Status: 'NEW' | 'SUPPRESSED' };
  Note?: { Text: string; UpdatedBy: string; UpdatedAt: string };
  RecordState: 'ACTIVE' | 'ARCHIVED';
}

export const GENERATOR_ID = 'aurora-backtrack-checker/backtrack-window';
export const PRODUCT_NAME = 'Aurora Backtrack Checker';
export const FINDING_TYPE = 'Software and Configuration Checks/AWS Security Best Practices';
const FIELD_PREFIX = 'aurora-backtrack-checker/';
/** Who the finding's note says wrote it (also used by BatchUpdateFindings). */
export const NOTE_AUTHOR = 'aurora-backtrack-checker';

export const productArn = (partition: string, region: string, accountId: string) =>
  `arn:${partition}:securityhub:${region}:${accountId}:product/${accountId}/default`;

/** Stable finding id: keyed on DbClusterResourceId, so a renamed cluster keeps its finding. */
export const findingId = (accountId: string, region: string, resourceId: string) =>
  `aurora-backtrack-checker/${accountId}/${region}/${resourceId}`;

/** ASFF: a Details.Other value must be fewer than 1,024 characters. */
export const MAX_OTHER_VALUE = 1023;
/** ASFF: a resource carries at most 50 tags. */
export const MAX_RESOURCE_TAGS = 50;
/** ASFF: Remediation.Recommendation.Text is at most 512 characters. */
export const MAX_RECOMMENDATION = 512;

const TITLES: Record<Evaluation['condition'], string> = {
  disabled: 'Aurora Backtrack is disabled',
  'below-policy': 'Aurora Backtrack window is below policy',
  'actual-short': 'Aurora Backtrack actual window is shorter than policy',
  ok: 'Aurora Backtrack window meets policy',
  unsupported: 'Aurora Backtrack is not available for this cluster',
  unknown: 'Aurora Backtrack cannot be judged before deployment',
  'region-undocumented': 'Aurora Backtrack is off in a Region AWS does not document',
};

/** Exemption text as stored in the finding's note and shown by the CLI. */
export function exemptionNote(e: Evaluation): string | undefined {
  if (!e.exemption.active) return undefined;
  return clip(`Exempt from the Backtrack check ${exemptionSpan(e.exemption)}: ${e.exemption.reason ?? 'no reason given'}`, 512);
}

/** "until 2099-12-31", or the cap: "until 2027-02-18T12:00:00Z (capped: …)". */
export function exemptionSpan(x: Exemption): string {
  if (!x.cappedAt) return x.until ? `until ${x.until}` : 'with no expiry';
  const asked = x.until ? `the tag says ${x.until}` : 'the tag gives no expiry';
  return `until ${x.cappedAt} (capped: the longest an exemption may last; ${asked})`;
}

/** A command that fits a finding field whole, else undefined. */
const whole = (command: string | undefined) => (command !== undefined && command.length <= MAX_OTHER_VALUE ? command : undefined);

/** Where the whole command is when a finding field cannot hold it. */
const WHOLE_COMMAND_ELSEWHERE = (e: Evaluation) =>
  `the whole command is in the alert e-mail and in the CLI's output (aurora-backtrack-check scan --cluster ${e.cluster.identifier} --regions ${e.cluster.region})`;

/** Values shown in ProductFields and Details.Other (strings only, as ASFF requires). */
export function findingFields(e: Evaluation): Record<string, string> {
  const c = e.cluster;
  const fields: Record<string, string | undefined> = {
    condition: e.condition,
    reason: e.reason,
    backtrackWindowSeconds: String(c.backtrackWindowSeconds ?? 0),
    requiredWindowSeconds: String(e.policy.requiredSeconds),
    policySource: e.policy.source,
    earliestBacktrackTime: c.earliestBacktrackTime?.toISOString(),
    actualWindowSeconds: e.actual?.seconds !== undefined ? String(e.actual.seconds) : undefined,
    actualWindow: e.actual?.summary,
    windowAlertCount24h: e.actual?.metrics?.windowAlertCount !== undefined ? String(e.actual.metrics.windowAlertCount) : undefined,
    backtrackWindowActualRawMinutes:
      e.actual?.metrics?.windowActualMinutes !== undefined ? String(e.actual.metrics.windowActualMinutes) : undefined,
    changeRecordsPerHour: e.changeRecordsPerHour !== undefined ? String(e.changeRecordsPerHour) : undefined,
    exempt: e.exemption.active ? 'true' : undefined,
    exemptReason: e.exemption.active ? e.exemption.reason : undefined,
    exemptUntil: e.exemption.active || e.exemption.expired ? e.exemption.until : undefined,
    exemptCappedAt: e.exemption.active || e.exemption.expired ? e.exemption.cappedAt : undefined,
    exemptSince: e.exemption.active || e.exemption.expired ? e.exemption.since : undefined,
    exemptionExpired: e.exemption.expired ? 'true' : undefined,
    tagProblems: e.tagProblems.length ? e.tagProblems.join(' | ') : undefined,
    // A command is never cut: one longer than a field holds is named as such (it is whole in the alert).
    fixCommand: whole(e.fixCommand),
    fixCommandTooLong:
      e.fixCommand !== undefined && whole(e.fixCommand) === undefined
        ? `${e.fixCommand.length} characters, more than a finding field holds: ${WHOLE_COMMAND_ELSEWHERE(e)}`
        : undefined,
    followUpCommands: whole(e.followUpCommands?.join(' && ')),
    migrateCommand: whole(e.migrateCommand),
    reasonSource: e.reasonSource,
  };
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(fields)) if (v !== undefined && v !== '') out[k] = clip(v, MAX_OTHER_VALUE);
  return out;
}

function describe(e: Evaluation): string {
  const c = e.cluster;
  const parts = [
    `Cluster ${c.identifier} (${c.engine} ${c.engineVersion}, Region ${c.region}): ${e.reason}.`,
    e.actual && e.status !== 'WARNING' ? `Measured: ${e.actual.summary}.` : '',
    e.changeRecordsPerHour !== undefined
      ? `Cost hint: about ${e.changeRecordsPerHour} change records per hour; a ${formatDuration(c.backtrackWindowSeconds ?? 0)} window keeps about ${Math.round((e.changeRecordsPerHour * (c.backtrackWindowSeconds ?? 0)) / 3600)} records (billed per million per hour).`
      : '',
    exemptionNote(e) ?? '',
    e.exemption.expired
      ? `The exemption expired (${e.exemption.cappedAt ? `capped at ${e.exemption.cappedAt}` : e.exemption.until}); the cluster is judged again.`
      : '',
    e.tagProblems.length ? `Tag problems: ${e.tagProblems.join('; ')}.` : '',
  ];
  return clip(parts.filter(Boolean).join(' '), 1024);
}

/** The ASFF finding for one in-scope evaluation, for import into the cluster's own Region. */
export function toFinding(e: Evaluation, account: AccountContext, now: Date, firstSeen: string | undefined): Finding {
  const c = e.cluster;
  const fields = findingFields(e);
  const finding: Finding = {
    SchemaVersion: '2018-10-08',
    Id: findingId(account.accountId, c.region, c.resourceId),
    ProductArn: productArn(account.partition, c.region, account.accountId),
    GeneratorId: GENERATOR_ID,
    AwsAccountId: account.accountId,
    Types: [FINDING_TYPE],
    CreatedAt: firstSeen ?? now.toISOString(),
    UpdatedAt: now.toISOString(),
    Severity: { Label: e.severity },
    FindingProviderFields: { Severity: { Label: e.severity, Original: e.condition }, Types: [FINDING_TYPE] },
    Title: clip(`${TITLES[e.condition]}: ${c.identifier}`, 256),
    Description: describe(e),
    SourceUrl: clusterConsoleUrl(account.partition, c.region, c.identifier),
    ProductName: PRODUCT_NAME,
    CompanyName: PRODUCT_NAME,
    ProductFields: Object.fromEntries(Object.entries(fields).map(([k, v]) => [`${FIELD_PREFIX}${k}`, v])),
    Resources: [
      {
        Type: 'AwsRdsDbCluster',
        Id: c.arn,
        Partition: account.partition,
        Region: c.region,
        ...(Object.keys(c.tags).length ? { Tags: limitTags(c.tags, e.tagPolicy) } : {}),
        Details: {
          AwsRdsDbCluster: {
            DbClusterIdentifier: c.identifier,
            DbClusterResourceId: c.resourceId,
            Engine: c.engine,
            EngineVersion: c.engineVersion,
            ...(c.engineMode ? { EngineMode: c.engineMode } : {}),
          },
          Other: fields,
        },
      },
    ],
    Compliance: { Status: e.status },
    RecordState: 'ACTIVE',
  };
  if (e.remediation) finding.Remediation = { Recommendation: { Text: recommendation(e), Url: BACKTRACK_DOC_URL } };
  // Workflow and Note are only honoured when the finding is created; later changes go through
  // BatchUpdateFindings.
  finding.Workflow = { Status: e.exemption.active ? 'SUPPRESSED' : 'NEW' };
  const note = exemptionNote(e);
  if (note) finding.Note = { Text: note, UpdatedBy: NOTE_AUTHOR, UpdatedAt: now.toISOString() };
  return finding;
}

/**
 * The remediation as Security Hub shows it (at most 512 characters). A restore command that repeats
 * the source's settings can be longer: then the text says where the whole command is, never a cut one.
 */
function recommendation(e: Evaluation): string {
  if (e.remediation.length <= MAX_RECOMMENDATION) return e.remediation;
  const then = e.followUpCommands?.length ? `; then the commands in this finding's field ${FIELD_PREFIX}followUpCommands` : '';
  const candidates =
    e.condition === 'disabled'
      ? [`Restore into a new cluster with a window (Backtrack cannot be turned on in place), then cut over: ${e.fixCommand ?? ''}${then}`]
      : [`Run: ${e.fixCommand ?? ''} (or: ${e.migrateCommand ?? ''})`, `Run: ${e.fixCommand ?? ''}`];
  const fitting = candidates.find((t) => t.length <= MAX_RECOMMENDATION);
  if (e.fixCommand && fitting) return fitting;
  const where =
    whole(e.fixCommand) !== undefined
      ? `The full command is in this finding's field ${FIELD_PREFIX}fixCommand and in the alert.`
      : `${WHOLE_COMMAND_ELSEWHERE(e).replace(/^t/, 'T')}.`;
  const pointer =
    e.condition === 'disabled'
      ? `Backtrack cannot be turned on for an existing cluster: restore ${e.cluster.identifier} into a new cluster with a window and cut over. ` +
        `${where.replace('The full command', "The full restore command (with the source's subnet group, security groups, parameter group and other settings)")}` +
        (e.migrateCommand ? ` Or plan it with: ${e.migrateCommand}` : '')
      : `${where}${e.migrateCommand ? ` Or: ${e.migrateCommand}` : ''}`;
  return clip(pointer, MAX_RECOMMENDATION);
}

/**
 * ASFF allows at most 50 resource tags; beyond that the checker's own (under the configured prefix,
 * and the exemption tag) are kept first, then the others in their order.
 */
function limitTags(tags: Record<string, string>, own: Evaluation['tagPolicy']): Record<string, string> {
  const entries = Object.entries(tags);
  if (entries.length <= MAX_RESOURCE_TAGS) return tags;
  const mine = entries.filter(([key]) => isCheckerTag(key, own));
  const others = entries.filter(([key]) => !isCheckerTag(key, own));
  return Object.fromEntries([...mine, ...others].slice(0, MAX_RESOURCE_TAGS));
}

/** Why a remembered cluster's finding is archived: the cluster is gone, or its Region is no longer watched. */
export type ArchiveReason = 'deleted' | 'unwatched';

const ARCHIVED_TEXT: Record<ArchiveReason, { title: string; why: (s: ClusterState) => string; other: Record<string, string> }> = {
  deleted: { title: 'Aurora cluster deleted', why: () => 'no longer exists', other: { deleted: 'true' } },
  unwatched: {
    title: 'Aurora cluster no longer checked',
    why: (s) => `is no longer checked: the checker no longer watches Region ${s.region}`,
    other: { unwatched: 'true' },
  },
};

/**
 * The finding of a cluster that no longer exists (or whose Region is no longer watched, so no later
 * run would update it), re-imported as ARCHIVED.
 */
export function archivedFinding(s: ClusterState, account: AccountContext, now: Date, reason: ArchiveReason = 'deleted'): Finding {
  const text = ARCHIVED_TEXT[reason];
  return {
    SchemaVersion: '2018-10-08',
    Id: findingId(account.accountId, s.region, s.resourceId),
    ProductArn: productArn(account.partition, s.region, account.accountId),
    GeneratorId: GENERATOR_ID,
    AwsAccountId: account.accountId,
    Types: [FINDING_TYPE],
    CreatedAt: s.since,
    UpdatedAt: now.toISOString(),
    Severity: { Label: 'INFORMATIONAL' },
    FindingProviderFields: { Severity: { Label: 'INFORMATIONAL', Original: reason }, Types: [FINDING_TYPE] },
    Title: clip(`${text.title}: ${s.identifier}`, 256),
    Description: clip(
      `Cluster ${s.identifier} (Region ${s.region}) ${text.why(s)}; its last verdict was ${s.status} (${s.condition}). The finding is archived.`,
      1024,
    ),
    ProductName: PRODUCT_NAME,
    CompanyName: PRODUCT_NAME,
    ProductFields: { [`${FIELD_PREFIX}condition`]: reason, [`${FIELD_PREFIX}lastStatus`]: s.status },
    Resources: [{ Type: 'AwsRdsDbCluster', Id: s.arn, Partition: account.partition, Region: s.region, Details: { Other: text.other } }],
    Compliance: { Status: s.status },
    RecordState: 'ARCHIVED',
  };
}

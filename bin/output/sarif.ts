/**
 * `--format sarif`: SARIF 2.1.0 for code-scanning dashboards. One result per FAILED or WARNING
 * cluster; an exempt cluster's result carries an accepted external suppression with its reason.
 * A cluster has no file, so its location is the path `aws/<account>/<region>/rds/cluster/<id>`
 * (code scanning takes only relative paths) with its ARN as a logical location of kind
 * `resource`; the partial fingerprint is the finding id, stable across renames. The run's
 * properties carry the totals of the JSON output (`totals`).
 */
import type { Log, ReportingDescriptor, Result } from 'sarif';
import { findingId } from '../../lambda/core/finding';
import { BACKTRACK_DOC_URL } from '../../lambda/core/rules';
import type { Condition, Evaluation } from '../../lambda/core/types';
import type { RunSummary } from '../../lambda/run';
import { TOOL } from './version';

/** The scan's rules; `iac` (bin/output/iac.ts) words them for code not yet deployed. */
export const SCAN_RULES: Partial<Record<Condition, ReportingDescriptor>> = {
  disabled: {
    id: 'backtrack-disabled',
    name: 'BacktrackDisabled',
    shortDescription: { text: 'Aurora Backtrack is disabled' },
    fullDescription: {
      text: 'The cluster has no Backtrack window. Backtrack cannot be turned on for an existing cluster: restore into a new cluster with a window and cut over.',
    },
    helpUri: BACKTRACK_DOC_URL,
    defaultConfiguration: { level: 'error' },
  },
  'below-policy': {
    id: 'backtrack-window-below-policy',
    name: 'BacktrackWindowBelowPolicy',
    shortDescription: { text: 'Aurora Backtrack window is below policy' },
    fullDescription: { text: 'The target Backtrack window is shorter than required. Raise it in place with modify-db-cluster.' },
    helpUri: BACKTRACK_DOC_URL,
    defaultConfiguration: { level: 'error' },
  },
  'actual-short': {
    id: 'backtrack-actual-window-short',
    name: 'BacktrackActualWindowShort',
    shortDescription: { text: 'Aurora Backtrack actual window is shorter than policy' },
    fullDescription: { text: 'Write load makes Aurora keep fewer change records than the required window needs.' },
    helpUri: BACKTRACK_DOC_URL,
    defaultConfiguration: { level: 'warning' },
  },
  'region-undocumented': {
    id: 'backtrack-off-region-undocumented',
    name: 'BacktrackOffRegionUndocumented',
    shortDescription: { text: 'Aurora Backtrack is off in a Region AWS does not document' },
    fullDescription: {
      text: 'AWS does not document whether Backtrack is offered in this Region. If it is, list the Region in backtrackRegions: the cluster is then judged FAILED.',
    },
    helpUri: BACKTRACK_DOC_URL,
    defaultConfiguration: { level: 'warning' },
  },
};
const RULES = SCAN_RULES;

/** A cluster's location as code scanning takes it: a relative path, no scheme, no colon. */
export const sarifPath = (accountId: string, region: string, identifier: string) =>
  `aws/${accountId}/${region}/rds/cluster/${encodeURIComponent(identifier)}`;

function result(s: RunSummary, e: Evaluation, ruleIndex: number, rule: ReportingDescriptor): Result {
  const c = e.cluster;
  const r: Result = {
    ruleId: rule.id,
    ruleIndex,
    level: e.status === 'FAILED' ? 'error' : 'warning',
    message: { text: `${c.identifier} (${c.region}): ${e.reason}.${e.remediation ? ` Fix: ${e.remediation}` : ''}` },
    locations: [
      {
        // GitHub code scanning refuses a location whose URI has a scheme other than the checkout's
        // (an ARN's `arn:`): a relative path names the cluster, the ARN stays the logical location.
        physicalLocation: { artifactLocation: { uri: sarifPath(s.accountId, c.region, c.identifier) }, region: { startLine: 1 } },
        logicalLocations: [{ name: c.identifier, fullyQualifiedName: c.arn, kind: 'resource' }],
      },
    ],
    partialFingerprints: { 'findingId/v1': findingId(s.accountId, c.region, c.resourceId) },
    properties: {
      accountId: s.accountId,
      region: c.region,
      severity: e.severity,
      condition: e.condition,
      backtrackWindowSeconds: c.backtrackWindowSeconds ?? 0,
      requiredWindowSeconds: e.policy.requiredSeconds,
      policySource: e.policy.source,
    },
  };
  if (e.exemption.active) {
    r.suppressions = [
      {
        kind: 'external',
        status: 'accepted',
        justification: exemptionJustification(e),
      },
    ];
  }
  return r;
}

export function renderSarif(s: RunSummary): string {
  const judged = (s.evaluations ?? []).filter((e) => e.scope === 'in-scope' && (e.status === 'FAILED' || e.status === 'WARNING'));
  const used = [...new Set(judged.map((e) => e.condition))].filter((c) => RULES[c]);
  const rules = used.map((c) => RULES[c] as ReportingDescriptor);
  const results = judged
    .filter((e) => RULES[e.condition])
    .map((e) => result(s, e, used.indexOf(e.condition), RULES[e.condition] as ReportingDescriptor));
  const degraded = s.degraded.length > 0 || s.alert?.error !== undefined;
  const log: Log = {
    $schema: 'https://json.schemastore.org/sarif-2.1.0.json',
    version: '2.1.0',
    runs: [
      {
        tool: { driver: { name: TOOL.name, version: TOOL.version, informationUri: BACKTRACK_DOC_URL, rules } },
        invocations: [
          {
            executionSuccessful: !degraded,
            startTimeUtc: s.startedAt,
            endTimeUtc: s.finishedAt,
            toolExecutionNotifications: s.degraded.map((d) => ({ level: 'error' as const, message: { text: d.message } })),
          },
        ],
        results,
        // The run's totals, PASSED and NOT_AVAILABLE included, which have no result: a CI step reads its counts here.
        properties: { accountId: s.accountId, partition: s.partition, totals: s.totals },
      },
    ],
  };
  return JSON.stringify(log, null, 2);
}

/** A SARIF suppression's justification: the exemption's reason and, if any, its end. */
export const exemptionJustification = (e: Evaluation): string =>
  `${e.exemption.reason ?? 'no reason given'}${e.exemption.until ? ` (until ${e.exemption.until})` : ''}`;

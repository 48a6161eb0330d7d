/**
 * The output of `aurora-backtrack-check iac`: the scan's table, JSON and SARIF, said of resources
 * in files instead of deployed clusters. SARIF results carry the file and the resource's start
 * line (`physicalLocation`) and its logical id or Terraform address (`logicalLocations`), so
 * code-scanning annotations land on the resource.
 */
import type { Log, ReportingDescriptor, Result } from 'sarif';
import type { DeclaredResource } from '../../lambda/iac/cloudformation';
import { BACKTRACK_DOC_URL } from '../../lambda/core/rules';
import { formatDuration, plainText } from '../../lambda/core/text';
import type { Condition, Evaluation } from '../../lambda/core/types';
import { JSON_SCHEMA_VERSION, table } from './report';
import { exemptionJustification, SCAN_RULES } from './sarif';
import { TOOL } from './version';

export const IAC_FORMATS = ['table', 'json', 'sarif'] as const;
export type IacFormat = (typeof IAC_FORMATS)[number];

/** One judged resource: where it is (the file as the user should see it) and its verdict. */
export interface IacResult {
  resource: DeclaredResource;
  /** The file path to print: relative to the working directory, `/`-separated. */
  uri: string;
  evaluation: Evaluation;
}

export interface IacReport {
  startedAt: string;
  /** The paths given, as given. */
  inputs: string[];
  results: IacResult[];
}

const ORDER: Record<string, number> = { FAILED: 0, WARNING: 1, PASSED: 2, NOT_AVAILABLE: 3 };

const inScope = (r: IacReport) =>
  r.results
    .filter((x) => x.evaluation.scope === 'in-scope')
    .sort(
      (a, b) =>
        (ORDER[a.evaluation.status] ?? 9) - (ORDER[b.evaluation.status] ?? 9) ||
        a.uri.localeCompare(b.uri) ||
        (a.resource.line ?? 0) - (b.resource.line ?? 0),
    );

const where = (x: IacResult) => `${x.uri}${x.resource.line !== undefined ? `:${x.resource.line}` : ''}`;

export function iacTotals(r: IacReport) {
  const judged = r.results.map((x) => x.evaluation);
  const count = (f: (e: Evaluation) => boolean) => judged.filter((e) => e.scope === 'in-scope' && f(e)).length;
  return {
    clusters: judged.length,
    inScope: count(() => true),
    outOfScope: judged.length - count(() => true),
    failed: count((e) => e.status === 'FAILED'),
    failedUnsuppressed: count((e) => e.status === 'FAILED' && !e.exemption.active),
    warning: count((e) => e.status === 'WARNING'),
    warningUnsuppressed: count((e) => e.status === 'WARNING' && !e.exemption.active),
    unknown: count((e) => e.condition === 'unknown'),
    passed: count((e) => e.status === 'PASSED'),
    notAvailable: count((e) => e.status === 'NOT_AVAILABLE'),
    suppressed: count((e) => e.exemption.active),
  };
}

const TABLE_HEADER = ['FILE:LINE', 'RESOURCE', 'REGION', 'VERDICT', 'CONDITION', 'WINDOW', 'REQUIRED (SOURCE)', 'EXEMPTION'];

function cells(x: IacResult): string[] {
  const e = x.evaluation;
  const c = e.cluster;
  const verdict = e.exemption.active ? `${e.status} (exempt)` : e.status;
  const window =
    e.condition === 'unknown' && c.backtrackWindowSeconds === undefined
      ? '?'
      : c.backtrackWindowSeconds
        ? formatDuration(c.backtrackWindowSeconds)
        : e.condition === 'unsupported'
          ? '-'
          : 'off';
  const required = `${e.policy.requiredSeconds ? formatDuration(e.policy.requiredSeconds) : 'any'} ${e.policy.source}`;
  const exemption = e.exemption.active
    ? `${e.exemption.until ? `until ${e.exemption.until}` : 'no expiry'}: ${plainText(e.exemption.reason ?? 'no reason')}`
    : '-';
  return [where(x), x.resource.logicalId, c.region, verdict, e.condition, window, required, exemption];
}

function renderTable(r: IacReport, color: boolean): string {
  const rows = inScope(r);
  const lines = [`Aurora Backtrack check of infrastructure code — ${r.inputs.join(', ')}, ${r.startedAt}`, ''];
  if (rows.length) {
    lines.push(table([TABLE_HEADER, ...rows.map(cells)], color ? 3 : undefined), '', 'Reasons and fixes:');
    for (const x of rows.filter((y) => y.evaluation.status !== 'PASSED')) {
      lines.push(`- ${where(x)} ${x.resource.logicalId}: ${x.evaluation.reason}`);
      if (x.evaluation.remediation) lines.push(`    fix: ${x.evaluation.remediation}`);
    }
  } else {
    lines.push('No Aurora MySQL clusters (AWS::RDS::DBCluster, aws_rds_cluster) in the given files.');
  }
  const t = iacTotals(r);
  lines.push(
    '',
    `Totals: ${t.clusters} clusters; ${t.inScope} Aurora MySQL — ${t.failed} FAILED, ${t.warning} WARNING (${t.unknown} unknown before deployment), ` +
      `${t.passed} PASSED, ${t.notAvailable} NOT_AVAILABLE; ${t.suppressed} exempt; ${t.outOfScope} out of scope (not Aurora MySQL)`,
  );
  const problems = rows.flatMap((x) => x.evaluation.tagProblems.map((p) => `${x.resource.logicalId} (${where(x)}): ${p}`));
  if (problems.length) lines.push('Tag problems:', ...problems.map((p) => `  - ${plainText(p)}`));
  return lines.join('\n');
}

function renderJson(r: IacReport): string {
  const resources = r.results.map((x) => {
    const e = x.evaluation;
    return {
      file: x.uri,
      line: x.resource.line,
      resource: x.resource.logicalId,
      stack: x.resource.stack,
      region: e.cluster.region,
      identifier: e.cluster.identifier,
      engine: e.cluster.engine,
      engineVersion: e.cluster.engineVersion || undefined,
      engineMode: e.cluster.engineMode,
      scope: e.scope,
      status: e.status,
      condition: e.condition,
      severity: e.severity,
      suppressed: e.exemption.active,
      reason: e.reason,
      remediation: e.remediation || undefined,
      backtrackWindowSeconds: e.cluster.backtrackWindowSeconds,
      requiredWindowSeconds: e.policy.requiredSeconds,
      policySource: e.policy.source,
      unknowns: x.resource.declared.unknowns.length ? x.resource.declared.unknowns : undefined,
      exemption: e.exemption.active || e.exemption.expired ? { ...e.exemption } : undefined,
      tagProblems: e.tagProblems.length ? e.tagProblems : undefined,
    };
  });
  return JSON.stringify(
    {
      schemaVersion: JSON_SCHEMA_VERSION,
      tool: TOOL,
      command: 'iac',
      startedAt: r.startedAt,
      inputs: r.inputs,
      totals: iacTotals(r),
      resources,
    },
    null,
    2,
  );
}

/** The scan's rules, worded for code that has not been deployed yet; and the rule for an unknown. */
const IAC_RULES: Partial<Record<Condition, ReportingDescriptor>> = {
  disabled: {
    ...SCAN_RULES.disabled,
    fullDescription: {
      text: 'The cluster is declared without a Backtrack window. Backtrack can only be set when a cluster is created or restored (a clone only if its source has it): set the window in the code before deploying.',
    },
  } as ReportingDescriptor,
  'below-policy': {
    ...SCAN_RULES['below-policy'],
    fullDescription: { text: 'The declared Backtrack window is shorter than required. Raise it in the code.' },
  } as ReportingDescriptor,
  unknown: {
    id: 'backtrack-unknown-before-deployment',
    name: 'BacktrackUnknownBeforeDeployment',
    shortDescription: { text: 'Aurora Backtrack cannot be judged before deployment' },
    fullDescription: {
      text: 'A value the verdict depends on (a parameter without a value, a condition, a value known only after apply, the Region) is not known from the code.',
    },
    helpUri: BACKTRACK_DOC_URL,
    defaultConfiguration: { level: 'warning' },
  },
};

function sarifResult(x: IacResult, ruleIndex: number, rule: ReportingDescriptor): Result {
  const e = x.evaluation;
  const r: Result = {
    ruleId: rule.id,
    ruleIndex,
    level: e.status === 'FAILED' ? 'error' : 'warning',
    message: { text: `${x.resource.logicalId} (${e.cluster.region}): ${e.reason}.${e.remediation ? ` Fix: ${e.remediation}` : ''}` },
    locations: [
      {
        physicalLocation: {
          artifactLocation: { uri: x.uri },
          ...(x.resource.line !== undefined && { region: { startLine: x.resource.line } }),
        },
        logicalLocations: [
          {
            name: x.resource.logicalId,
            fullyQualifiedName: x.resource.stack ? `${x.resource.stack}/${x.resource.logicalId}` : x.resource.logicalId,
            kind: 'resource',
          },
        ],
      },
    ],
    partialFingerprints: { 'resource/v1': `${x.uri}#${x.resource.stack ?? ''}#${x.resource.logicalId}` },
    properties: {
      region: e.cluster.region,
      severity: e.severity,
      condition: e.condition,
      backtrackWindowSeconds: e.cluster.backtrackWindowSeconds ?? 0,
      requiredWindowSeconds: e.policy.requiredSeconds,
      policySource: e.policy.source,
    },
  };
  if (e.exemption.active) {
    r.suppressions = [
      {
        kind: 'inSource',
        status: 'accepted',
        justification: exemptionJustification(e),
      },
    ];
  }
  return r;
}

function renderSarif(r: IacReport): string {
  const judged = inScope(r).filter(
    (x) => (x.evaluation.status === 'FAILED' || x.evaluation.status === 'WARNING') && IAC_RULES[x.evaluation.condition],
  );
  const used = [...new Set(judged.map((x) => x.evaluation.condition))];
  const log: Log = {
    $schema: 'https://json.schemastore.org/sarif-2.1.0.json',
    version: '2.1.0',
    runs: [
      {
        tool: {
          driver: {
            name: TOOL.name,
            version: TOOL.version,
            informationUri: BACKTRACK_DOC_URL,
            rules: used.map((c) => IAC_RULES[c] as ReportingDescriptor),
          },
        },
        invocations: [{ executionSuccessful: true, startTimeUtc: r.startedAt }],
        results: judged.map((x) =>
          sarifResult(x, used.indexOf(x.evaluation.condition), IAC_RULES[x.evaluation.condition] as ReportingDescriptor),
        ),
        // As the scan's SARIF: the totals, PASSED and NOT_AVAILABLE included, for a CI step's counts (action/run.mjs).
        properties: { totals: iacTotals(r) },
      },
    ],
  };
  return JSON.stringify(log, null, 2);
}

export function renderIac(format: IacFormat, r: IacReport, opts: { color?: boolean } = {}): string {
  switch (format) {
    case 'table':
      return renderTable(r, opts.color ?? false);
    case 'json':
      return renderJson(r);
    case 'sarif':
      return renderSarif(r);
  }
}

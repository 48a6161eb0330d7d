/**
 * Was a benchmark run a correct run? Compares what the fake AWS received with what the fleet
 * requires. Failures make the benchmark exit non-zero; notes are reported only.
 */
import type { CallStats, ErrorRecord } from './fake-aws';
import type { StoredFinding } from './fake-aws/security-hub';
import type { Published } from './fake-aws/small-services';
import type { Fleet, SyntheticCluster } from './fleet';
import type { RunKind } from './minimum-calls';

export interface RunObservation {
  run: RunKind;
  handlerError?: string;
  /** Region → ids imported this run. */
  imported: ReadonlyMap<string, ReadonlySet<string>>;
  /** Region → stored findings (productArn|id → finding). */
  findings: ReadonlyMap<string, ReadonlyMap<string, StoredFinding>>;
  rejected: { region: string; entry: { Id: string; ErrorCode: string; ErrorMessage: string } }[];
  errors: ErrorRecord[];
  published: Published[];
  /** Calls per `service:Operation`, all Regions. */
  calls: Record<string, number>;
  throttled: Record<string, number>;
  minimum: Record<string, number>;
}

export interface RunVerdict {
  failures: string[];
  notes: string[];
}

/** Operations whose minimum no correct run can go below (the fleet forces them). */
const FORCED = ['rds:DescribeDBClusters', 'securityhub:BatchImportFindings', 'sns:Publish'];

export function totalsByOperation(stats: CallStats[]): { calls: Record<string, number>; throttled: Record<string, number> } {
  const calls: Record<string, number> = {};
  const throttled: Record<string, number> = {};
  for (const s of stats) {
    const op = `${s.service}:${s.operation}`;
    calls[op] = (calls[op] ?? 0) + s.calls;
    throttled[op] = (throttled[op] ?? 0) + s.throttled;
  }
  return { calls, throttled };
}

const examples = (xs: string[]) => xs.slice(0, 3).join(', ') + (xs.length > 3 ? `, … (${xs.length} in all)` : '');

function checkRegion(region: string, clusters: SyntheticCluster[], o: RunObservation, failures: string[], notes: string[]): void {
  const ids = o.imported.get(region) ?? new Set<string>();
  const stored = new Map<string, StoredFinding>();
  for (const f of o.findings.get(region)?.values() ?? []) if (ids.has(f.id)) stored.set(f.id, f);
  const inScope = new Map(clusters.filter((c) => c.expected.scope === 'in-scope').map((c) => [c.arn, c]));
  const byArn = new Map<string, StoredFinding[]>();
  for (const f of stored.values()) {
    const list = byArn.get(f.resourceId ?? '') ?? [];
    list.push(f);
    byArn.set(f.resourceId ?? '', list);
  }
  if (ids.size !== inScope.size) failures.push(`${region}: ${ids.size} findings imported for ${inScope.size} in-scope clusters`);
  const missing = [...inScope.keys()].filter((arn) => !byArn.has(arn));
  if (missing.length) failures.push(`${region}: ${missing.length} in-scope clusters got no finding: ${examples(missing)}`);
  const extra = [...byArn.keys()].filter((arn) => !inScope.has(arn));
  if (extra.length) failures.push(`${region}: findings for ${extra.length} resources that are not in-scope clusters: ${examples(extra)}`);
  const twice = [...byArn.entries()].filter(([arn, list]) => inScope.has(arn) && list.length > 1).map(([arn]) => arn);
  if (twice.length) failures.push(`${region}: ${twice.length} clusters got more than one finding: ${examples(twice)}`);

  const wrongStatus: string[] = [];
  const notSuppressed: string[] = [];
  const wronglySuppressed: string[] = [];
  for (const [arn, c] of inScope) {
    const f = byArn.get(arn)?.[0];
    if (!f) continue;
    if (f.complianceStatus !== c.expected.status) wrongStatus.push(`${c.identifier} ${c.expected.status}→${f.complianceStatus ?? 'none'}`);
    if (c.expected.exempt && f.workflowStatus !== 'SUPPRESSED') notSuppressed.push(c.identifier);
    if (!c.expected.exempt && f.workflowStatus === 'SUPPRESSED') wronglySuppressed.push(c.identifier);
  }
  if (wrongStatus.length)
    failures.push(
      `${region}: ${wrongStatus.length} findings have a compliance status other than the fleet's (expected→got): ${examples(wrongStatus)}`,
    );
  if (notSuppressed.length)
    notes.push(`${region}: ${notSuppressed.length} exempt clusters' findings are not SUPPRESSED: ${examples(notSuppressed)}`);
  if (wronglySuppressed.length)
    failures.push(`${region}: ${wronglySuppressed.length} clusters without exemption are SUPPRESSED: ${examples(wronglySuppressed)}`);
}

/** Checks one run against the fleet. */
export function checkRun(fleet: Fleet, o: RunObservation): RunVerdict {
  const failures: string[] = [];
  const notes: string[] = [];
  if (o.handlerError) failures.push(`the handler failed: ${o.handlerError}`);
  for (const [region, clusters] of fleet.byRegion) checkRegion(region, clusters, o, failures, notes);
  if (o.rejected.length) {
    failures.push(
      `Security Hub rejected ${o.rejected.length} findings: ${examples(o.rejected.map((r) => `${r.region} ${r.entry.Id}: ${r.entry.ErrorMessage}`))}`,
    );
  }
  if (o.errors.length) {
    failures.push(
      `the fake AWS answered ${o.errors.length} calls with an error: ${examples(o.errors.map((e) => `${e.key} → ${e.status} ${e.code}: ${e.message}`))}`,
    );
  }
  for (const op of FORCED) {
    const made = o.calls[op] ?? 0;
    const min = o.minimum[op] ?? 0;
    if (made < min) failures.push(`${op}: ${made} calls, fewer than the ${min} a correct run needs`);
  }
  for (const [op, made] of Object.entries(o.calls)) {
    const min = o.minimum[op];
    const throttled = o.throttled[op] ?? 0;
    if (min !== undefined && made > min) notes.push(`${op}: ${made} calls, minimum ${min}${throttled ? ` (${throttled} throttled)` : ''}`);
    else if (min === undefined) notes.push(`${op}: ${made} calls to an operation outside the model`);
  }
  for (const p of o.published) {
    if (p.structure === 'json' && !(p.keys.includes('default') && p.keys.includes('email'))) {
      notes.push(`the alert's JSON message has keys ${p.keys.join(', ')} (expected default and email)`);
    }
  }
  if (o.run === 'steady' && o.published.length > 0)
    notes.push(`the steady-state run published ${o.published.length} alert(s) although nothing changed`);
  return { failures, notes };
}

/**
 * The organization point: `scan --accounts all --role-name … --publish-findings` through the CLI
 * in a fresh process, as a security team runs it from one seat, on a fake AWS serving an
 * organization (Organizations ListAccounts, STS AssumeRole, a fleet per account, every
 * per-account, per-Region limit per account). Wall time from process start to exit, against the
 * model floor of the whole audit (bench/floor.ts computeOrganizationFloor) plus a bare Node start.
 * Every cluster of every account must be judged and imported into that account's Security Hub.
 */
import { checkRun, totalsByOperation } from './checks';
import { measureProcess } from './cli-point';
import { type CallStats, type FakeAws, startFakeAws } from './fake-aws';
import { BENCH_ACCOUNT_ID, BENCH_MIN_WINDOW_HOURS, type Fleet, expectationsOf, generateFleet } from './fleet';
import { computeOrganizationFloor } from './floor';
import { floorInputFor, organizationMinimumCalls } from './minimum-calls';
import type { OperationCalls } from './results-types';
import * as path from 'node:path';

const CLI = path.join(path.resolve(__dirname, '..'), 'bin', 'aurora-backtrack-check.js');
const HOME_REGION = 'us-east-1';
/** The audit role's name in every account. */
export const AUDIT_ROLE = 'aurora-backtrack-audit';

export interface OrgPoint {
  accounts: number;
  regions: number;
  /** Clusters in each account, spread over its Regions. */
  clustersPerAccount: number;
}

export interface OrgFigures extends OrgPoint {
  clusters: number;
  concurrency: number;
  latencyMs: number;
  wallMs: number;
  /** Model floor of the audit (ListAccounts, AssumeRole, each account's scan) + a bare Node start. */
  floorMs: number;
  modelFloorMs: number;
  bareStartMs: number;
  ratio: number;
  listPages: number;
  /** One account's floor (AssumeRole and its scan), the longest. */
  accountFloorMs: number;
  totalCalls: number;
  totalMinimum: number;
  operations: Record<string, OperationCalls>;
  maxRssKb: number;
  /** User + system CPU of the CLI's process. */
  cpuMs: number;
  exitCode: number;
  ok: boolean;
  /** The first failures and notes (each list cut at 20, with the count of the rest). */
  failures: string[];
  notes: string[];
}

/** "200x4x25" → 200 accounts × 4 Regions × 25 clusters per account. */
export function parseOrgPoint(text: string): OrgPoint {
  const m = /^(\d+)[x×](\d+)[x×](\d+)$/.exec(text.trim());
  const [accounts, regions, clustersPerAccount] = [Number(m?.[1]), Number(m?.[2]), Number(m?.[3])];
  if (!m || accounts < 1 || accounts > 10_000 || regions < 1 || regions > 17 || clustersPerAccount < 0) {
    throw new Error(
      `"${text}" is not an organization point: use <accounts>x<regions>x<clusters per account>, e.g. 200x4x25 (1–10,000 accounts, 1–17 Regions)`,
    );
  }
  return { accounts, regions, clustersPerAccount };
}

/** Account ids of the organization: the management account first, then the members. */
export function organizationAccountIds(accounts: number): string[] {
  return [BENCH_ACCOUNT_ID, ...Array.from({ length: accounts - 1 }, (_, i) => String(200_000_000_000 + i + 1))];
}

/** A fleet per account, each with its own seed. */
export function organizationFleets(point: OrgPoint, seed: number): Fleet[] {
  return organizationAccountIds(point.accounts).map((accountId, i) =>
    generateFleet({ clusters: point.clustersPerAccount, regions: point.regions, seed: seed + i, accountId }),
  );
}

const cut = (xs: string[], n = 20) => (xs.length > n ? [...xs.slice(0, n), `… and ${xs.length - n} more`] : xs);

interface AuditedAccount {
  accountId: string;
  audited: boolean;
  error?: { code: string; message: string };
  totals?: { clusters: number };
}

/** Org-level calls the caller makes in its own account: not part of any account's scan. */
const ORG_LEVEL: Record<string, number | 'all'> = {
  'sts:AssumeRole': 'all',
  'organizations:ListAccounts': 'all',
  'sts:GetCallerIdentity': 1,
};

function accountCalls(stats: CallStats[], accountId: string, isCaller: boolean) {
  const { calls, throttled } = totalsByOperation(stats.filter((s) => s.account === accountId));
  if (isCaller) {
    for (const [op, n] of Object.entries(ORG_LEVEL)) {
      if (calls[op] === undefined) continue;
      calls[op] = n === 'all' ? 0 : Math.max(0, calls[op] - n);
      if (calls[op] === 0) delete calls[op];
    }
  }
  return { calls, throttled };
}

/** Checks the audit: every account audited, every cluster judged, every finding in its own account's Security Hub. */
export function checkAudit(fleets: Fleet[], fake: FakeAws, stdout: string, minimum: ReturnType<typeof organizationMinimumCalls>) {
  const failures: string[] = [];
  const notes: string[] = [];
  let doc: { accounts?: AuditedAccount[] } | undefined;
  try {
    doc = JSON.parse(stdout) as { accounts?: AuditedAccount[] };
  } catch {
    failures.push('the CLI printed no JSON document');
  }
  const reported = new Map((doc?.accounts ?? []).map((a) => [a.accountId, a]));
  const stats = fake.stats();
  fleets.forEach((fleet, i) => {
    const id = fleet.accountId;
    const a = reported.get(id);
    if (!a) failures.push(`account ${id} is missing from the CLI's output`);
    else if (!a.audited) failures.push(`account ${id} was not audited: ${a.error?.code}: ${a.error?.message}`);
    else if (a.totals?.clusters !== fleet.clusters.length)
      failures.push(`account ${id}: judged ${a.totals?.clusters} of ${fleet.clusters.length} clusters`);
    const account = fake.accounts.get(id);
    if (!account) return;
    const { calls, throttled } = accountCalls(stats, id, i === 0);
    const verdict = checkRun(fleet, {
      run: 'first',
      imported: account.securityHub.importedSinceReset,
      findings: account.securityHub.findings,
      rejected: account.securityHub.failedSinceReset,
      errors: [],
      published: account.published,
      calls,
      throttled,
      minimum: minimum.accounts[i]?.total ?? {},
    });
    failures.push(...verdict.failures.map((f) => `account ${id}: ${f}`));
    notes.push(...verdict.notes.map((n) => `account ${id}: ${n}`));
  });
  const extra = [...reported.keys()].filter((id) => !fake.accounts.has(id));
  if (extra.length) failures.push(`the CLI reported accounts outside the organization: ${extra.slice(0, 5).join(', ')}`);
  const errors = fake.errors();
  if (errors.length) {
    failures.push(
      `the fake AWS answered ${errors.length} calls with an error: ${errors
        .slice(0, 3)
        .map((e) => `${e.key} → ${e.status} ${e.code}: ${e.message}`)
        .join(', ')}`,
    );
  }
  return { failures, notes };
}

/** Runs the organization point once. */
export async function measureOrgScan(
  point: OrgPoint,
  o: { latencyMs: number; seed: number; concurrency: number; bareStartMs: number; workDir: string },
): Promise<OrgFigures> {
  const fleets = organizationFleets(point, o.seed);
  const [management, ...members] = fleets as [Fleet, ...Fleet[]];
  const minimum = organizationMinimumCalls(fleets.map(expectationsOf));
  const floor = computeOrganizationFloor({
    latencyMs: o.latencyMs,
    accounts: minimum.accounts.map((m) => floorInputFor(m, o.latencyMs, false)),
    concurrency: o.concurrency,
  });
  const modelFloorMs = floor.totalMs;
  const floorMs = modelFloorMs + o.bareStartMs;
  const fake = await startFakeAws({
    fleet: management,
    organization: { members, roleName: AUDIT_ROLE },
    latencyMs: o.latencyMs,
    homeRegion: HOME_REGION,
  });
  try {
    const env = {
      PATH: process.env.PATH ?? '/usr/bin:/bin',
      AWS_ENDPOINT_URL: fake.url,
      AWS_ACCESS_KEY_ID: 'test',
      AWS_SECRET_ACCESS_KEY: 'test',
      AWS_REGION: HOME_REGION,
      AWS_EC2_METADATA_DISABLED: 'true',
    };
    const args = [
      CLI,
      'scan',
      '--accounts',
      'all',
      '--role-name',
      AUDIT_ROLE,
      '--account-concurrency',
      String(o.concurrency),
      '--regions',
      management.regions.join(','),
      '--min-window-hours',
      String(BENCH_MIN_WINDOW_HOURS),
      '--publish-findings',
      '--format',
      'json',
      '--quiet',
    ];
    const run = await measureProcess(args, env, o.workDir);
    const { failures, notes } = checkAudit(fleets, fake, run.stdout, minimum);
    // Exit 1 is "failing clusters found" (the fleet has them); 2 is a usage or fatal error, 3 a degraded audit.
    if (run.code !== 0 && run.code !== 1) failures.unshift(`the CLI exited with ${run.code}`);
    const { calls, throttled } = totalsByOperation(fake.stats());
    const operations: Record<string, OperationCalls> = {};
    for (const op of new Set([...Object.keys(calls), ...Object.keys(minimum.total)])) {
      operations[op] = { calls: calls[op] ?? 0, minimum: minimum.total[op] ?? 0, throttled: throttled[op] ?? 0 };
    }
    return {
      ...point,
      clusters: point.accounts * point.clustersPerAccount,
      concurrency: o.concurrency,
      latencyMs: o.latencyMs,
      wallMs: run.wallMs,
      floorMs,
      modelFloorMs,
      bareStartMs: o.bareStartMs,
      ratio: run.wallMs / floorMs,
      listPages: floor.listPages,
      accountFloorMs: floor.accountMaxMs,
      totalCalls: Object.values(calls).reduce((a, b) => a + b, 0),
      totalMinimum: Object.values(minimum.total).reduce((a, b) => a + b, 0),
      operations,
      maxRssKb: run.maxRssKb,
      cpuMs: run.cpuMs,
      exitCode: run.code,
      ok: failures.length === 0,
      failures: cut(failures),
      notes: cut(notes),
    };
  } finally {
    await fake.close();
  }
}

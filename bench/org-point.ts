/**
 * The organization point: `scan --accounts all --role-name … --publish-findings` through the CLI
 * in a fresh process, as a security team runs it from one seat, on a fake AWS serving an
 * organization (Organizations ListAccounts, STS AssumeRole, a fleet per account, every
 * per-account, per-Region limit per account). Wall time from process start to exit, against two
 * floors:
 * - the model floor of the whole audit (bench/floor.ts computeOrganizationFloor) plus a bare Node start;
 * - the SDK floor (bench/sdk-floor-org-child.ts: the same minimal calls with the same SDK clients,
 *   settings and connection pools, each account's findings pre-built, no checker logic) in a fresh
 *   process on its own fake, timed from spawn to exit, less the time it took to read its plan.
 * Every cluster of every account must be judged and imported into that account's Security Hub.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { CLIENT_SETTINGS } from '../lambda/default-deps';
import { ORGANIZATIONS_LIMITS, ORGANIZATIONS_RATES, SECURITY_HUB_RATES } from '../emulator/aws-limits';
import { checkRun, totalsByOperation } from './checks';
import { measureProcess } from './cli-point';
import { type CallStats, type FakeAws, startFakeAws } from './fake-aws';
import { BENCH_ACCOUNT_ID, BENCH_MIN_WINDOW_HOURS, type Fleet, expectationsOf, generateFleet } from './fleet';
import { computeOrganizationFloor } from './floor';
import { forkForReport } from './invoke';
import { floorInputFor, organizationMinimumCalls } from './minimum-calls';
import { type OrgSdkFloorReport, failedOrgSdkFloorReport } from './reports';
import type { OperationCalls, OrgFigures, OrgPoint, OrgSdkFloorFigures } from './results-types';
import { BENCH_POLICY, type OrgSdkFloorPlan, buildOrgSdkFloorPlan, ratioToFloors } from './sdk-floor-plan';

const CLI = path.join(path.resolve(__dirname, '..'), 'bin', 'aurora-backtrack-check.js');
const HOME_REGION = 'us-east-1';
/** The audit role's name in every account. */
export const AUDIT_ROLE = 'aurora-backtrack-audit';

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
  let doc: { accounts?: AuditedAccount[] } | undefined;
  try {
    doc = JSON.parse(stdout) as { accounts?: AuditedAccount[] };
  } catch {
    failures.push('the CLI printed no JSON document');
  }
  const reported = new Map((doc?.accounts ?? []).map((a) => [a.accountId, a]));
  for (const fleet of fleets) {
    const id = fleet.accountId;
    const a = reported.get(id);
    if (!a) failures.push(`account ${id} is missing from the CLI's output`);
    else if (!a.audited) failures.push(`account ${id} was not audited: ${a.error?.code}: ${a.error?.message}`);
    else if (a.totals?.clusters !== fleet.clusters.length)
      failures.push(`account ${id}: judged ${a.totals?.clusters} of ${fleet.clusters.length} clusters`);
  }
  const extra = [...reported.keys()].filter((id) => !fake.accounts.has(id));
  if (extra.length) failures.push(`the CLI reported accounts outside the organization: ${extra.slice(0, 5).join(', ')}`);
  const inAccounts = checkAccounts(fleets, fake, minimum);
  return { failures: [...failures, ...inAccounts.failures], notes: inAccounts.notes };
}

/**
 * Checks what reached each account on the fake: every in-scope finding imported into that
 * account's own Security Hub with the fleet's verdict, its calls against its own minimum, and no
 * call answered with an error.
 */
export function checkAccounts(fleets: Fleet[], fake: FakeAws, minimum: ReturnType<typeof organizationMinimumCalls>) {
  const failures: string[] = [];
  const notes: string[] = [];
  const stats = fake.stats();
  fleets.forEach((fleet, i) => {
    const id = fleet.accountId;
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

/** The environment of a process auditing the organization on the fake: the management account's credentials. */
const auditEnv = (fake: FakeAws): Record<string, string> => ({
  PATH: process.env.PATH ?? '/usr/bin:/bin',
  AWS_ENDPOINT_URL: fake.url,
  AWS_ACCESS_KEY_ID: 'test',
  AWS_SECRET_ACCESS_KEY: 'test',
  AWS_REGION: HOME_REGION,
  AWS_EC2_METADATA_DISABLED: 'true',
});

export const startOrganization = (fleets: Fleet[], latencyMs: number): Promise<FakeAws> => {
  const [management, ...members] = fleets as [Fleet, ...Fleet[]];
  return startFakeAws({ fleet: management, organization: { members, roleName: AUDIT_ROLE }, latencyMs, homeRegion: HOME_REGION });
};

function operationsOf(fake: FakeAws, minimum: Record<string, number>) {
  const { calls, throttled } = totalsByOperation(fake.stats());
  const operations: Record<string, OperationCalls> = {};
  for (const op of new Set([...Object.keys(calls), ...Object.keys(minimum)])) {
    operations[op] = { calls: calls[op] ?? 0, minimum: minimum[op] ?? 0, throttled: throttled[op] ?? 0 };
  }
  return { operations, totalCalls: Object.values(calls).reduce((a, b) => a + b, 0) };
}

/** The SDK floor's plan of the organization: every account's findings, built from its fleet before anything is timed. */
export function orgSdkFloorPlan(fleets: readonly Fleet[], concurrency: number): OrgSdkFloorPlan {
  return buildOrgSdkFloorPlan(fleets, {
    policy: BENCH_POLICY,
    now: new Date(),
    homeRegion: HOME_REGION,
    tableName: '',
    topicArn: '',
    clientSettings: CLIENT_SETTINGS,
    importLimit: SECURITY_HUB_RATES.BatchImportFindings,
    roleName: AUDIT_ROLE,
    concurrency,
    listLimit: ORGANIZATIONS_RATES.ListAccounts,
    accountsPerPage: ORGANIZATIONS_LIMITS.accountsPerPage,
  });
}

/**
 * The organization's SDK floor: the bundled child (bench/sdk-floor.ts buildOrgSdkFloorChild) in a
 * fresh process on its own fake, timed from spawn to exit; the time and CPU it took to read its
 * plan are taken off, as no program auditing the organization reads one.
 */
export async function measureOrgSdkFloor(
  fleets: Fleet[],
  plan: OrgSdkFloorPlan,
  o: { childPath: string; latencyMs: number; workDir: string; timeoutMs?: number },
): Promise<OrgSdkFloorFigures> {
  const fake = await startOrganization(fleets, o.latencyMs);
  try {
    return await runOrgSdkFloor(fake, fleets, plan, o);
  } finally {
    await fake.close();
  }
}

/** The organization's SDK floor against a fake already serving the organization (see measureOrgSdkFloor). */
export async function runOrgSdkFloor(
  fake: FakeAws,
  fleets: Fleet[],
  plan: OrgSdkFloorPlan,
  o: { childPath: string; workDir: string; timeoutMs?: number },
): Promise<OrgSdkFloorFigures> {
  const minimum = organizationMinimumCalls(fleets.map(expectationsOf));
  const planPath = path.join(o.workDir, 'org-sdk-floor-plan.json');
  fs.writeFileSync(planPath, JSON.stringify(plan));
  const started = performance.now();
  const report = await forkForReport<OrgSdkFloorReport>({
    modulePath: o.childPath,
    args: [planPath],
    env: auditEnv(fake),
    logFile: path.join(o.workDir, 'org-sdk-floor.log'),
    ...(o.timeoutMs !== undefined && { timeoutMs: o.timeoutMs }),
    what: "the organization's SDK floor process",
  }).catch((err: unknown) => failedOrgSdkFloorReport({ name: 'BenchError', message: String(err) }));
  const processMs = performance.now() - started;
  fs.rmSync(planPath, { force: true });
  const { failures, notes } = checkAccounts(fleets, fake, minimum);
  if (report.error) failures.unshift(`${report.error.name}: ${report.error.message}`);
  return {
    wallMs: processMs - report.planMs,
    processMs,
    planMs: report.planMs,
    cpuMs: report.processCpuMs - report.planCpuMs,
    maxRssKb: report.maxRssKb,
    ...operationsOf(fake, minimum.total),
    ok: report.ok && failures.length === 0,
    failures: cut(failures),
    notes: cut(notes),
  };
}

/** Runs the organization point once; with `sdkFloor`, its SDK floor first. */
export async function measureOrgScan(
  point: OrgPoint,
  o: {
    latencyMs: number;
    seed: number;
    concurrency: number;
    bareStartMs: number;
    workDir: string;
    sdkFloor?: { childPath: string; timeoutMs?: number };
  },
): Promise<OrgFigures> {
  const fleets = organizationFleets(point, o.seed);
  const management = fleets[0] as Fleet;
  const minimum = organizationMinimumCalls(fleets.map(expectationsOf));
  const floor = computeOrganizationFloor({
    latencyMs: o.latencyMs,
    accounts: minimum.accounts.map((m) => floorInputFor(m, o.latencyMs, false)),
    concurrency: o.concurrency,
  });
  const modelFloorMs = floor.totalMs;
  const floorMs = modelFloorMs + o.bareStartMs;
  const sdkFloor =
    o.sdkFloor &&
    (await measureOrgSdkFloor(fleets, orgSdkFloorPlan(fleets, o.concurrency), {
      ...o.sdkFloor,
      latencyMs: o.latencyMs,
      workDir: o.workDir,
    }));
  const fake = await startOrganization(fleets, o.latencyMs);
  try {
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
    const run = await measureProcess(args, auditEnv(fake), o.workDir);
    const { failures, notes } = checkAudit(fleets, fake, run.stdout, minimum);
    // Exit 1 is "failing clusters found" (the fleet has them); 2 is a usage or fatal error, 3 a degraded audit.
    if (run.code !== 0 && run.code !== 1) failures.unshift(`the CLI exited with ${run.code}`);
    if (sdkFloor && !sdkFloor.ok) failures.push(...sdkFloor.failures.map((f) => `SDK floor: ${f}`));
    const { operations, totalCalls } = operationsOf(fake, minimum.total);
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
      ...(sdkFloor && { sdkFloor }),
      ratioToFloors: ratioToFloors(run.wallMs, floorMs, sdkFloor?.ok ? sdkFloor.wallMs : undefined),
      listPages: floor.listPages,
      accountFloorMs: floor.accountMaxMs,
      totalCalls,
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

/**
 * `npm run demo -- --organization`: an AWS Organization audited from one seat, on the local
 * emulator. Creates an organization (a management account and two members) with clusters of the
 * sample account's shapes in each and the audit role in each, runs the real CLI bundle
 * `scan --accounts all --role-name …`, reads each account's findings back from its own Security
 * Hub, then lets a new account join without the role to show how it is named (exit 3), and how the
 * hub's coverage check, targeting the organization's root, calls that account without a checker
 * deploying at first and alerts once when its grace period is over.
 */
import { execFile } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { ListRootsCommand, OrganizationsClient } from '@aws-sdk/client-organizations';
import type { EmulatedAws } from '../emulator';
import { accountFindings, createOrganization, createMemberAccount, enableSecurityHub, seedAccountClusters } from '../emulator/organization';
import { REGIONS_OF, SAMPLE_ACCOUNT, type SeedCluster } from '../emulator/sample-account';
import { RUN_COMPLETED } from '../lambda/core/coverage';
import { coverageEnvironment } from '../lambda/coverage/settings';
import { deploy } from '../emulator/deployment';
import { CLI_BUNDLE, COVERAGE_BUNDLE_DIR } from './build';

export const AUDIT_ROLE = 'BacktrackAudit';
const MIN_WINDOW_HOURS = 24;

/** Clusters of the sample account, by identifier (each keeps its Region and expected verdict). */
function sample(...ids: string[]): SeedCluster[] {
  return ids.map((id) => {
    const c = SAMPLE_ACCOUNT.find((x) => x.id === id);
    if (!c) throw new Error(`no cluster "${id}" in the sample account (emulator/sample-account.ts)`);
    return c;
  });
}

/** The organization of the demo: which clusters live in which account. */
export const ORGANIZATION = {
  management: sample('orders-v3-off', 'catalog-v3-at-minimum'),
  members: [
    { name: 'payments', clusters: sample('billing-v2-below', 'search-v2-above', 'sandbox-exempt') },
    { name: 'analytics', clusters: sample('events-v3-write-heavy', 'serverless-v1', 'dev-tagged-1h', 'analytics-pg') },
  ],
  /** The account that joins later, without the audit role. */
  newcomer: { name: 'data-science', clusters: sample('shop-v3-off') },
};

const ALL_CLUSTERS = [ORGANIZATION.management, ...ORGANIZATION.members.map((m) => m.clusters), ORGANIZATION.newcomer.clusters].flat();
const REGIONS = REGIONS_OF(ALL_CLUSTERS);

export interface Printer {
  say: (line?: string) => void;
  rule: (title: string) => void;
}

interface CliRun {
  code: number;
  stdout: string;
  stderr: string;
}

/** The environment of the CLI: this process's minus anything that could reach a real account, plus the emulator's. */
function cliEnv(aws: EmulatedAws): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) if (!k.startsWith('AWS_')) env[k] = v;
  return { ...env, ...aws.env('us-east-1'), NO_COLOR: '1' };
}

/** Runs the CLI bundle (bin/aurora-backtrack-check.js → dist/cli/) as a person would. */
function runCli(aws: EmulatedAws, args: string[]): Promise<CliRun> {
  const bin = path.join(__dirname, '..', 'bin', 'aurora-backtrack-check.js');
  return new Promise((resolve, reject) => {
    execFile(
      process.execPath,
      [bin, ...args],
      { env: cliEnv(aws), timeout: 180_000, maxBuffer: 16 * 1024 * 1024 },
      (err, stdout, stderr) => {
        if (err === null) resolve({ code: 0, stdout, stderr });
        else if (typeof err.code === 'number') resolve({ code: err.code, stdout, stderr });
        else reject(new Error(`the CLI did not run: ${err.message}`));
      },
    );
  });
}

const SCAN_ARGS = [
  'scan',
  '--accounts',
  'all',
  '--role-name',
  AUDIT_ROLE,
  '--regions',
  REGIONS.join(','),
  '--min-window-hours',
  String(MIN_WINDOW_HOURS),
  '--publish-findings',
];

const indent = (text: string) =>
  text
    .trimEnd()
    .split('\n')
    .map((l) => `  ${l}`.trimEnd())
    .join('\n');

type Tally = Record<'FAILED' | 'WARNING' | 'PASSED' | 'NOT_AVAILABLE' | 'exempt', number>;
const emptyTally = (): Tally => ({ FAILED: 0, WARNING: 0, PASSED: 0, NOT_AVAILABLE: 0, exempt: 0 });
const showTally = (t: Tally) =>
  `${t.FAILED} FAILED, ${t.WARNING} WARNING, ${t.PASSED} PASSED, ${t.NOT_AVAILABLE} NOT_AVAILABLE (${t.exempt} exempt)`;

/** What the account's own Security Hub must show: one active finding per Aurora MySQL cluster. */
function expectedTally(clusters: SeedCluster[]): Tally {
  const t = emptyTally();
  for (const c of clusters) {
    if (c.expected.scope !== 'in-scope') continue;
    t[c.expected.status] += 1;
    if (c.expected.suppressed) t.exempt += 1;
  }
  return t;
}

/** The active findings of the account's own Security Hub, every Region, by compliance status. */
async function foundTally(aws: EmulatedAws, accountId: string): Promise<Tally> {
  const t = emptyTally();
  for (const region of REGIONS) {
    for (const f of (await accountFindings(aws, accountId, region)).filter((x) => x.RecordState === 'ACTIVE')) {
      const status = f.Compliance?.Status as keyof Tally | undefined;
      if (status && status in t) t[status] += 1;
      if (f.Workflow?.Status === 'SUPPRESSED') t.exempt += 1;
    }
  }
  return t;
}

/** Runs the hub's bundled coverage function (dist/coverage/index.js, the bytes the hub deploys) once, in a child process. */
function invokeCoverage(aws: EmulatedAws, env: Record<string, string>, event: unknown): Promise<{ ok: boolean; detail: string }> {
  const bundle = path.join(COVERAGE_BUNDLE_DIR, 'index.js');
  const script = `require(${JSON.stringify(bundle)}).handler(JSON.parse(process.argv[1])).then(
    () => process.stdout.write('\\nDONE\\n'),
    (e) => { process.stdout.write('\\nERROR ' + e.message + '\\n'); process.exitCode = 1; });`;
  const childEnv: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) if (!k.startsWith('AWS_') && !k.startsWith('POWERTOOLS_')) childEnv[k] = v;
  Object.assign(childEnv, aws.env('us-east-1'), env);
  return new Promise((resolve, reject) => {
    execFile(process.execPath, ['-e', script, JSON.stringify(event)], { env: childEnv, timeout: 60_000 }, (err, stdout) => {
      const last = stdout.trimEnd().split('\n').pop() ?? '';
      if (err && typeof err.code !== 'number') reject(new Error(`the coverage function did not run: ${err.message}`));
      else resolve({ ok: last === 'DONE', detail: last });
    });
  });
}

/** A member checker's "Checker run completed" report, as EventBridge delivers it to the hub. */
const report = (accountId: string, at: Date) => ({
  version: '0',
  id: `report-${accountId}`,
  source: RUN_COMPLETED.source,
  'detail-type': RUN_COMPLETED.detailType,
  account: accountId,
  time: at.toISOString(),
  region: 'us-east-1',
  resources: [],
  detail: { accountId, finishedAt: at.toISOString(), degraded: 0, verdicts: { failed: 0, warning: 0, passed: 0, notAvailable: 0 } },
});

/** The demo's grace period for an account that never reported (a deployed hub gives two scan periods). */
const DEMO_GRACE_SECONDS = 2;

/**
 * The hub's coverage check (the bundled coverage function, targeting the organization's root): the
 * three accounts' checkers report after their scans, the newcomer has none. The first check calls it
 * deploying and sends nothing; once its grace period is over the check alerts once naming it; a
 * further check with nothing changed sends nothing.
 */
async function showHubCoverageAlert(aws: EmulatedAws, out: Printer, covered: string[], newcomerId: string): Promise<boolean> {
  const { say, rule } = out;
  rule('5. The hub: an ACTIVE account without a checker');
  // What the hub stack makes: the coverage table and the organization's topic (an SQS subscriber reads it).
  const hub = await deploy(aws, { regions: REGIONS, securityHubRegions: [] });
  const root = (await new OrganizationsClient(aws.clientConfig('us-east-1')).send(new ListRootsCommand({}))).Roots?.[0]?.Id ?? '';
  const env = coverageEnvironment({
    table: hub.tableName,
    topicArn: hub.topicArn,
    schedulePeriodSeconds: 12 * 3600,
    targetParentIds: [root],
    graceSeconds: DEMO_GRACE_SECONDS,
  });
  const now = new Date();
  const reports = await Promise.all(covered.map((a) => invokeCoverage(aws, env, report(a, now))));
  say(`  the checkers of ${covered.join(', ')} report their scans to the hub; ${newcomerId} has no checker`);
  say(`  the hub judges the ACTIVE accounts under its target ${root} (the root here; a StackSet's OUs in a real hub)`);
  say("  the hub's bundled coverage function (dist/coverage/index.js) runs its scheduled check:");
  const early = await invokeCoverage(aws, env, { mode: 'check' });
  const deploying = await hub.drainAlerts();
  say(
    deploying.length === 0
      ? `  ${newcomerId} is deploying (listed for the first time, no report yet): no alert during its grace period (${DEMO_GRACE_SECONDS} s here, two scan periods in a deployed hub)`
      : `  UNEXPECTED: ${deploying.length} alert(s) while ${newcomerId} was deploying`,
  );
  await new Promise((resolve) => setTimeout(resolve, DEMO_GRACE_SECONDS * 1000 + 500));
  say('  the grace period is over; the next check:');
  const first = await invokeCoverage(aws, env, { mode: 'check' });
  const alerts = await hub.drainAlerts();
  for (const a of alerts) {
    say(`  Subject: ${a.subject}`);
    say(indent(a.email));
  }
  const second = await invokeCoverage(aws, env, { mode: 'check' });
  const again = await hub.drainAlerts();
  say(
    again.length === 0
      ? '  checked again: nothing changed, so no second alert'
      : `  UNEXPECTED: ${again.length} more alert(s) on the second check`,
  );
  const runs = [...reports, early, first, second];
  const ran = runs.every((r) => r.ok);
  if (!ran) say(`  UNEXPECTED: the coverage function failed: ${runs.find((r) => !r.ok)?.detail}`);
  return ran && deploying.length === 0 && alerts.length === 1 && (alerts[0]?.email.includes(newcomerId) ?? false) && again.length === 0;
}

/** Runs the organization part; resolves to true when every step showed what it should. */
export async function runOrganizationDemo(aws: EmulatedAws, out: Printer): Promise<boolean> {
  const { say, rule } = out;
  for (const bundle of [CLI_BUNDLE, path.join(COVERAGE_BUNDLE_DIR, 'index.js')]) {
    if (!fs.existsSync(bundle)) throw new Error(`${path.relative(process.cwd(), bundle)} is missing: run \`npm run build\` first`);
  }

  rule('2. Organization: a management account and two members');
  const org = await createOrganization(aws, {
    roleName: AUDIT_ROLE,
    securityHubRegions: REGIONS,
    management: { clusters: ORGANIZATION.management },
    members: ORGANIZATION.members,
  });
  for (const a of org.accounts) {
    const kind = a.accountId === org.managementAccountId ? 'management' : 'member';
    say(`  ${a.accountId}  ${a.name.padEnd(12)}  ${kind.padEnd(10)}  ${a.clusters.map((c) => `${c.id} (${c.region})`).join(', ')}`);
  }
  say(`  role ${AUDIT_ROLE} in each account, trusting the management account (lib/audit-role.ts narrows that to one principal)`);
  say(`  Security Hub enabled in ${REGIONS.join(', ')} of each account; policy: minimum window ${MIN_WINDOW_HOURS} h`);

  rule('3. One seat audits every ACTIVE account (the CLI bundle, as the management account)');
  say(`  $ aurora-backtrack-check ${SCAN_ARGS.join(' ')}`);
  say();
  const first = await runCli(aws, SCAN_ARGS);
  say(indent(first.stdout));
  say();
  say(
    `  ${first.code === 1 ? '' : 'UNEXPECTED '}exit status ${first.code}: 1 means a cluster FAILED somewhere (0: nothing failing; 3: an account or Region not audited)`,
  );
  say();
  say("  Findings read back from each account's own Security Hub (imported with that account's credentials):");
  let findingsRight = true;
  for (const a of org.accounts) {
    const [found, expected] = [await foundTally(aws, a.accountId), expectedTally(a.clusters)];
    const right = JSON.stringify(found) === JSON.stringify(expected);
    findingsRight &&= right;
    say(`  ${a.accountId}  ${a.name.padEnd(12)}  ${showTally(found)}${right ? '' : `   UNEXPECTED: should be ${showTally(expected)}`}`);
  }

  rule('4. A new account joins the organization without the audit role');
  const { name, clusters } = ORGANIZATION.newcomer;
  const newcomerId = await createMemberAccount(aws, name);
  await enableSecurityHub(aws, newcomerId, REGIONS);
  await seedAccountClusters(aws, newcomerId, clusters);
  say(
    `  ${newcomerId}  ${name.padEnd(12)}  ${'member'.padEnd(10)}  ${clusters.map((c) => `${c.id} (${c.region})`).join(', ')}; no ${AUDIT_ROLE} role`,
  );
  say(`  $ aurora-backtrack-check ${SCAN_ARGS.join(' ')}`);
  const second = await runCli(aws, SCAN_ARGS);
  const totals = second.stdout.indexOf('Totals per account:');
  say(`  … the clusters as above, then:`);
  say(indent(totals >= 0 ? second.stdout.slice(totals) : second.stdout));
  say();
  say(
    `  ${second.code === 3 ? '' : 'UNEXPECTED '}exit status ${second.code}: 3 means an account (or a Region) was not audited. The account is named with AWS's`,
  );
  say('  reason (on stderr too), and the other accounts are still audited and shown: one missing role never hides the rest.');
  const newcomerNamed = second.stdout.includes(newcomerId) && /NOT AUDITED/.test(second.stdout);
  const newcomerUntouched = JSON.stringify(await foundTally(aws, newcomerId)) === JSON.stringify(emptyTally());
  say(newcomerUntouched ? `  No findings were imported into ${newcomerId}.` : `  UNEXPECTED: findings were imported into ${newcomerId}`);

  const coverageShown = await showHubCoverageAlert(
    aws,
    out,
    org.accounts.map((a) => a.accountId),
    newcomerId,
  );
  return first.code === 1 && findingsRight && second.code === 3 && newcomerNamed && newcomerUntouched && coverageShown;
}

/**
 * `npm run demo -- --organization` as a person runs it: an emulated organization audited by the
 * real CLI bundle. What it prints must name every account, give every cluster the verdict its
 * sample-account shape calls for, total each account, and name the account that joined without
 * the audit role (exit 3) while still showing the others; the hub's coverage function then alerts
 * once for that account without a checker.
 */
import { execFile } from 'node:child_process';
import * as path from 'node:path';
import { promisify } from 'node:util';
import { ORGANIZATION } from '../../scripts/demo-organization';
import type { SeedCluster } from '../../emulator/sample-account';

const run = promisify(execFile);
const ROOT = path.join(__dirname, '..', '..');
const SCRIPT = path.join(ROOT, 'scripts', 'demo.ts');

interface Result {
  code: number;
  stdout: string;
  stderr: string;
}

/** The demo with dist/ as the build left it (a rebuild would race the other tests using dist/). */
async function demo(args: string[]): Promise<Result> {
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) if (!k.startsWith('AWS_')) env[k] = v;
  try {
    const r = await run(process.execPath, ['--import', 'tsx', SCRIPT, ...args], { cwd: ROOT, env, timeout: 300_000 });
    return { code: 0, stdout: r.stdout, stderr: r.stderr };
  } catch (e) {
    const err = e as { code?: number; stdout?: string; stderr?: string };
    return { code: typeof err.code === 'number' ? err.code : -1, stdout: err.stdout ?? '', stderr: err.stderr ?? '' };
  }
}

/** The text of one numbered section of the demo, up to the next rule. */
function section(stdout: string, title: string): string {
  const start = stdout.indexOf(`═ ${title}`);
  if (start < 0) throw new Error(`no section "${title}" in:\n${stdout}`);
  const end = stdout.indexOf('\n════════ ', start + 1);
  return stdout.slice(start, end < 0 ? undefined : end);
}

const escape = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/** The row the CLI's table must have for a cluster of `account`: account, Region, identifier, verdict, condition. */
function rowOf(account: string, c: SeedCluster): RegExp {
  if (c.expected.scope !== 'in-scope') throw new Error(`${c.id} is out of scope: it has no row`);
  const verdict = `${c.expected.status}${c.expected.suppressed ? ' \\(exempt\\)' : ''}`;
  return new RegExp(`^  ${account}\\s+${c.region}\\s+${escape(c.id)}\\s+${verdict}\\s+${c.expected.condition}\\s`, 'm');
}

/** The per-account totals row: clusters, Aurora MySQL, FAILED, WARNING, PASSED, NOT_AVAILABLE, exempt, result. */
function totalsOf(account: string, name: string, clusters: SeedCluster[]): RegExp {
  const inScope = clusters.flatMap((c) => (c.expected.scope === 'in-scope' ? [c.expected] : []));
  const count = (status: string) => inScope.filter((e) => e.status === status).length;
  const numbers = [clusters.length, inScope.length, count('FAILED'), count('WARNING'), count('PASSED'), count('NOT_AVAILABLE')];
  const exempt = inScope.filter((e) => e.suppressed).length;
  return new RegExp(`^  ${account}\\s+${escape(name)}\\s+${[...numbers, exempt].join('\\s+')}\\s+audited$`, 'm');
}

jest.setTimeout(360_000);

describe('npm run demo -- --organization', () => {
  let r: Result;
  /** Account id by name, as section 2 lists them (and section 4 the newcomer). */
  const accounts = new Map<string, string>();
  let managementId = '';

  beforeAll(async () => {
    r = await demo(['--organization', '--no-build']);
    for (const m of r.stdout.matchAll(/^ {2}(\d{12}) {2}(\S+)\s+(management|member) /gm)) {
      accounts.set(m[2] as string, m[1] as string);
      if (m[3] === 'management') managementId = m[1] as string;
    }
  }, 360_000);

  it('exits 0, having audited and read back what it expected, and stops the emulator', () => {
    expect({ code: r.code, stderr: r.stderr }).toEqual({ code: 0, stderr: '' });
    expect(r.stdout).not.toContain('UNEXPECTED');
    expect(r.stdout.trimEnd().endsWith('emulator stopped')).toBe(true);
  });

  it('creates three accounts (a management account and two members) with the audit role, then a fourth without it', () => {
    const org = section(r.stdout, '2. Organization');
    expect([...org.matchAll(/^ {2}\d{12} {2}\S+\s+(management|member) /gm)].map((m) => m[1])).toEqual(['management', 'member', 'member']);
    for (const m of ORGANIZATION.members) expect(org).toContain(m.clusters.map((c) => `${c.id} (${c.region})`).join(', '));
    expect(org).toContain('role BacktrackAudit in each account, trusting the management account');
    expect(section(r.stdout, '4. A new account')).toMatch(
      new RegExp(
        `^ {2}${accounts.get(ORGANIZATION.newcomer.name)} {2}${ORGANIZATION.newcomer.name}\\s+member .*no BacktrackAudit role$`,
        'm',
      ),
    );
    expect(accounts.size).toBe(4);
  });

  it('prints the CLI table: every Aurora MySQL cluster with its account and the verdict its shape calls for, and no other', () => {
    const audit = section(r.stdout, '3. One seat audits');
    const owners: [string, SeedCluster[]][] = [
      [managementId, ORGANIZATION.management],
      ...ORGANIZATION.members.map((m): [string, SeedCluster[]] => [accounts.get(m.name) as string, m.clusters]),
    ];
    const inScope = owners.flatMap(([account, clusters]) =>
      clusters.filter((c) => c.expected.scope === 'in-scope').map((c) => ({ account, c })),
    );
    for (const { account, c } of inScope) expect(audit).toMatch(rowOf(account, c));
    const rows = audit.match(/^ {2}\d{12}\s+[a-z]{2}-[a-z]+-\d\s+\S+\s+(FAILED|WARNING|PASSED|NOT_AVAILABLE)/gm) ?? [];
    expect(rows).toHaveLength(inScope.length);
    expect(audit).not.toContain('analytics-pg');
  });

  it('totals each account, and exits 1 because a cluster FAILED', () => {
    const audit = section(r.stdout, '3. One seat audits');
    const managementName = [...accounts].find(([, id]) => id === managementId)?.[0] ?? '';
    expect(audit).toMatch(totalsOf(managementId, managementName, ORGANIZATION.management));
    for (const m of ORGANIZATION.members) expect(audit).toMatch(totalsOf(accounts.get(m.name) as string, m.name, m.clusters));
    expect(audit).toMatch(/^ {2}Totals: 3 of 3 accounts audited;/m);
    expect(audit).toContain('exit status 1: ');
  });

  it("reads each account's findings back from its own Security Hub: one per Aurora MySQL cluster, by verdict", () => {
    const audit = section(r.stdout, '3. One seat audits');
    for (const m of ORGANIZATION.members) {
      const inScope = m.clusters.flatMap((c) => (c.expected.scope === 'in-scope' ? [c.expected] : []));
      const count = (status: string) => inScope.filter((e) => e.status === status).length;
      const tally =
        `${count('FAILED')} FAILED, ${count('WARNING')} WARNING, ${count('PASSED')} PASSED, ${count('NOT_AVAILABLE')} NOT_AVAILABLE ` +
        `(${inScope.filter((e) => e.suppressed).length} exempt)`;
      expect(audit).toMatch(new RegExp(`^ {2}${accounts.get(m.name)} {2}${m.name}\\s+${escape(tally)}$`, 'm'));
    }
  });

  it('names the account that joined without the audit role, still totals the other three, and exits 3', () => {
    const joined = section(r.stdout, '4. A new account');
    const newcomer = accounts.get(ORGANIZATION.newcomer.name) as string;
    expect(joined).toMatch(new RegExp(`^ {2}${newcomer}\\s+${ORGANIZATION.newcomer.name}(\\s+-){7}\\s+NOT AUDITED$`, 'm'));
    expect(joined).toContain(`account ${newcomer} NOT AUDITED: cannot assume arn:aws:iam::${newcomer}:role/BacktrackAudit`);
    for (const m of ORGANIZATION.members) expect(joined).toMatch(totalsOf(accounts.get(m.name) as string, m.name, m.clusters));
    expect(joined).toMatch(/^ {2}Totals: 3 of 4 accounts audited;/m);
    expect(joined).toContain('exit status 3: ');
  });

  it("the hub's coverage check calls the account without a checker deploying first, alerts once after its grace period, and not again when nothing changed", () => {
    const coverage = section(r.stdout, '5. The hub');
    const newcomer = accounts.get(ORGANIZATION.newcomer.name) as string;
    expect(coverage).toContain(`${newcomer} is deploying (listed for the first time, no report yet): no alert during its grace period`);
    expect(coverage.indexOf('is deploying')).toBeLessThan(coverage.indexOf('Subject: '));
    expect(coverage.match(/^ {2}Subject: /gm)).toHaveLength(1);
    expect(coverage).toContain('Subject: Aurora Backtrack coverage: 1 account(s) uncovered, 3/4 covered');
    expect(coverage).toContain(`- ${newcomer} (${ORGANIZATION.newcomer.name}): no checker has ever reported`);
    for (const id of [managementId, ...ORGANIZATION.members.map((m) => accounts.get(m.name) as string)]) {
      expect(coverage).not.toMatch(new RegExp(`^ {2}- ${id} `, 'm'));
    }
    expect(coverage).toContain('checked again: nothing changed, so no second alert');
  });
});

describe('npm run demo', () => {
  it('refuses an unknown option with exit 2, naming it and the options there are', async () => {
    const r = await demo(['--organisation']);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('unknown option "--organisation": use --organization or --no-build');
    expect(r.stderr).toContain('Usage: npm run demo -- [--organization] [--no-build]');
    expect(r.stdout).toBe('');
  });
});

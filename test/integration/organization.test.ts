/**
 * An organization audited from one seat, end to end: the real CLI bundle against moto's
 * Organizations and STS behind the AWS-behaviour proxy. The management account and three members
 * hold clusters; the audit role exists in the management account and two members only. The CLI
 * assumes the role in each ACTIVE account, judges each account's clusters, and imports each
 * account's findings into that account's own Security Hub.
 */
import '@microsoft/jest-sarif';
import { parse } from 'csv-parse/sync';
import type { Log } from 'sarif';
import type { EmulatedAws } from '../../emulator';
import { accountFindings, createAuditRole, createOrganization } from '../../emulator/organization';
import type { SeedCluster } from '../../emulator/sample-account';
import { useEmulatedAws } from './emulated-account';
import { runCliArgs, type CliCluster } from './shells';

jest.setTimeout(180_000);

const REGION = 'eu-west-1';
const ROLE = 'BacktrackAudit';
const GUARDED_ROLE = 'BacktrackAuditWithExternalId';
const EXTERNAL_ID = 'audit-7f3c';

let aws: EmulatedAws;
useEmulatedAws((started) => (aws = started));

const cluster = (id: string, backtrackWindow: number): SeedCluster => ({
  region: REGION,
  id,
  engine: 'aurora-mysql',
  engineVersion: '8.0.mysql_aurora.3.05.2',
  backtrackWindow,
  expected:
    backtrackWindow >= 86_400
      ? { scope: 'in-scope', status: 'PASSED', condition: 'ok' }
      : { scope: 'in-scope', status: 'FAILED', condition: backtrackWindow ? 'below-policy' : 'disabled' },
});

let management: string;
let memberA: string;
let memberB: string;
let noRole: string;

const findingsOf = (account: string) => accountFindings(aws, account, REGION);

beforeAll(async () => {
  await aws.reset();
  const org = await createOrganization(aws, {
    roleName: ROLE,
    management: { clusters: [cluster('mgmt-ok', 86_400)] },
    members: [
      { name: 'member-a', clusters: [cluster('a-off', 0), cluster('a-ok', 172_800)] },
      { name: 'member-b', clusters: [cluster('b-short', 3_600)] },
      { name: 'member-without-role', clusters: [cluster('hidden-off', 0)], auditRole: false },
      { name: 'member-closed', clusters: [cluster('closed-off', 0)], auditRole: false, closed: true },
    ],
  });
  const member = (name: string) => org.members.get(name) as string;
  management = org.managementAccountId;
  memberA = member('member-a');
  memberB = member('member-b');
  noRole = member('member-without-role');
  await createAuditRole(aws, memberA, { roleName: GUARDED_ROLE, trustedAccount: management, externalId: EXTERNAL_ID });
});

interface AuditJson {
  accountId: string;
  totals: Record<string, number>;
  accounts: {
    accountId: string;
    name?: string;
    audited: boolean;
    error?: { code: string; message: string };
    totals?: Record<string, number>;
  }[];
  clusters: (CliCluster & { accountId: string })[];
  degraded: { accountId: string; key: string; message: string }[];
}

const scanArgs = (accounts: string, ...extra: string[]) => [
  'scan',
  '--accounts',
  accounts,
  '--role-name',
  ROLE,
  '--regions',
  REGION,
  '--no-actual-window',
  ...extra,
];

describe('aurora-backtrack-check scan --accounts', () => {
  it("all: judges every ACTIVE account with its own role, imports into each account's Security Hub, and names the account without the role (exit 3)", async () => {
    const r = await runCliArgs(scanArgs('all', '--publish-findings', '--format', 'json'), aws.env('us-east-1'));
    const doc = JSON.parse(r.stdout) as AuditJson;

    expect(r.code).toBe(3);
    expect(doc.accountId).toBe(management);
    expect(doc.accounts.map((a) => a.accountId)).toEqual([management, memberA, memberB, noRole].sort());
    expect(doc.accounts.find((a) => a.accountId === noRole)).toMatchObject({ audited: false, error: { code: 'AssumeRoleError' } });
    expect(doc.accounts.find((a) => a.accountId === noRole)?.error?.message).toContain(`arn:aws:iam::${noRole}:role/${ROLE}`);
    expect(doc.degraded.map((d) => d.accountId)).toEqual([noRole]);
    expect(r.stderr).toContain(`account ${noRole} not audited`);

    const verdicts = doc.clusters.map((c) => `${c.accountId} ${c.identifier} ${c.status} ${c.condition}`).sort();
    expect(verdicts).toEqual(
      [
        `${management} mgmt-ok PASSED ok`,
        `${memberA} a-off FAILED disabled`,
        `${memberA} a-ok PASSED ok`,
        `${memberB} b-short FAILED below-policy`,
      ].sort(),
    );
    expect(doc.accounts.find((a) => a.accountId === memberA)?.totals).toMatchObject({ inScope: 2, failed: 1, passed: 1 });
    expect(doc.totals).toMatchObject({ accounts: 4, accountsAudited: 3, accountsNotAudited: 1, inScope: 4, failed: 2, passed: 2 });

    for (const [account, ids] of [
      [management, ['mgmt-ok']],
      [memberA, ['a-off', 'a-ok']],
      [memberB, ['b-short']],
    ] as const) {
      const findings = await findingsOf(account);
      expect(findings.map((f) => f.Resources?.[0]?.Id?.split(':').pop()).sort()).toEqual([...ids]);
      for (const f of findings) {
        expect(f.AwsAccountId).toBe(account);
        expect(f.ProductArn).toBe(`arn:aws:securityhub:${REGION}:${account}:product/${account}/default`);
      }
    }
    expect(await findingsOf(noRole)).toEqual([]);
  });

  it('a list of accounts: only those are audited (no Organizations call), exit 1 for a FAILED cluster', async () => {
    aws.proxy.clearCalls();
    const r = await runCliArgs(scanArgs(`${memberB},${memberA}`, '--format', 'json'), aws.env('us-east-1'));
    const doc = JSON.parse(r.stdout) as AuditJson;

    expect(r.code).toBe(1);
    expect(doc.accounts.map((a) => a.audited)).toEqual([true, true]);
    expect(doc.accounts.map((a) => a.accountId)).toEqual([memberA, memberB].sort());
    expect(aws.proxy.callsFor({ service: 'organizations' })).toEqual([]);
  });

  it('--cluster that matches no cluster in any account audited exits 2 naming the pattern, not 0 as a clean audit', async () => {
    const r = await runCliArgs(scanArgs(`${memberA},${memberB}`, '--cluster', 'nomatch-*'), aws.env('us-east-1'));

    expect(r.code).toBe(2);
    expect(r.stderr).toContain('--cluster: "nomatch-*" matched none of the');
    expect(r.stderr).toContain('cluster(s) in the accounts audited');
  });

  it('csv and table carry the account of every cluster, and the table totals each account', async () => {
    const csv = await runCliArgs(scanArgs(`${memberA},${memberB}`, '--format', 'csv'), aws.env('us-east-1'));
    const rows = parse<Record<string, string>>(csv.stdout, { columns: true });
    expect(rows.map((x) => `${x.account_id} ${x.cluster} ${x.status}`).sort()).toEqual(
      [`${memberA} a-off FAILED`, `${memberA} a-ok PASSED`, `${memberB} b-short FAILED`].sort(),
    );

    const table = await runCliArgs(scanArgs(`${memberA},${noRole}`), aws.env('us-east-1'));
    expect(table.code).toBe(3);
    expect(table.stdout).toMatch(new RegExp(`^${memberA}\\s+${REGION}\\s+a-off\\s+FAILED`, 'm'));
    expect(table.stdout).toMatch(new RegExp(`^${memberA}\\s+-\\s+2\\s+2\\s+1\\s+0\\s+1\\s+0\\s+0\\s+audited$`, 'm'));
    expect(table.stdout).toMatch(new RegExp(`^${noRole}\\s+-(\\s+-){7}\\s+NOT AUDITED$`, 'm'));
  });

  it('sarif, asff and markdown name the account of every result', async () => {
    const accounts = `${memberA},${memberB}`;
    const sarif = JSON.parse((await runCliArgs(scanArgs(accounts, '--format', 'sarif'), aws.env('us-east-1'))).stdout) as Log;
    expect(sarif).toBeValidSarifLog();
    expect(sarif.runs.map((r) => String(r.properties?.accountId))).toEqual([memberA, memberB].sort());
    const failing = sarif.runs.flatMap((r) => (r.results ?? []).map((x) => `${String(x.properties?.accountId)} ${x.ruleId}`));
    expect(failing.sort()).toEqual([`${memberA} backtrack-disabled`, `${memberB} backtrack-window-below-policy`].sort());

    const asff = JSON.parse((await runCliArgs(scanArgs(accounts, '--format', 'asff'), aws.env('us-east-1'))).stdout) as {
      AwsAccountId: string;
      ProductArn: string;
    }[];
    expect(asff.map((f) => f.AwsAccountId).sort()).toEqual([memberA, memberA, memberB].sort());
    for (const f of asff) expect(f.ProductArn).toContain(`:product/${f.AwsAccountId}/default`);

    const md = (await runCliArgs(scanArgs(`${accounts},${noRole}`, '--format', 'markdown'), aws.env('us-east-1'))).stdout;
    expect(md).toContain(`| ${memberA} | - | 2 | 1 | 0 | 1 | audited |`);
    expect(md).toMatch(new RegExp(`\\| ${noRole} \\| - \\| - \\| - \\| - \\| - \\| NOT AUDITED: cannot assume`));
    expect(md).toContain(`## Aurora Backtrack check — account ${memberB}`);
  });

  it('--external-id: a role that requires one is assumed with it, and refused without it or with another', async () => {
    const args = (...extra: string[]) => [
      'scan',
      '--accounts',
      memberA,
      '--role-name',
      GUARDED_ROLE,
      '--regions',
      REGION,
      '--format',
      'json',
      ...extra,
    ];

    const without = await runCliArgs(args(), aws.env('us-east-1'));
    const wrong = await runCliArgs(args('--external-id', 'other-id'), aws.env('us-east-1'));
    const right = await runCliArgs(args('--external-id', EXTERNAL_ID), aws.env('us-east-1'));

    expect([without.code, wrong.code, right.code]).toEqual([3, 3, 1]);
    expect((JSON.parse(without.stdout) as AuditJson).accounts[0]?.error?.code).toBe('AssumeRoleError');
    expect((JSON.parse(right.stdout) as AuditJson).clusters.map((c) => c.identifier).sort()).toEqual(['a-off', 'a-ok']);
  });
});

import 'aws-sdk-client-mock-jest';
import { ListAccountsCommand, OrganizationsClient } from '@aws-sdk/client-organizations';
import { DescribeDBClustersCommand, RDSClient } from '@aws-sdk/client-rds';
import { AssumeRoleCommand, GetCallerIdentityCommand, STSClient } from '@aws-sdk/client-sts';
import { mockClient } from 'aws-sdk-client-mock';
import { accountFlagProblems, parseAccounts, type AccountFlags } from '../../bin/accounts';

const flags = (over: Partial<AccountFlags> = {}): AccountFlags => ({
  accounts: '111111111111,222222222222',
  roleName: 'BacktrackAudit',
  accountConcurrency: '8',
  ...over,
});

describe('--accounts and its flags', () => {
  it('accepts all, or a list of 12-digit ids (sorted, each once)', () => {
    expect(accountFlagProblems(flags())).toEqual([]);
    expect(accountFlagProblems(flags({ accounts: 'all' }))).toEqual([]);
    expect(parseAccounts(' 222222222222, 111111111111,222222222222')).toEqual(['111111111111', '222222222222']);
    expect(parseAccounts('all')).toBe('all');
  });

  it('names an id that is not 12 digits, and says what to give', () => {
    expect(accountFlagProblems(flags({ accounts: '111111111111,12345678901' }))).toEqual([
      '--accounts: "111111111111,12345678901" — "12345678901" is not a 12-digit account id; use "all" for every ACTIVE account of the organization, or a comma list such as 111111111111,222222222222',
    ]);
  });

  it('--account-concurrency: 1 and 64 are allowed, 0 and 65 are out of range, a fraction is not a number of accounts', () => {
    expect(accountFlagProblems(flags({ accountConcurrency: '1' }))).toEqual([]);
    expect(accountFlagProblems(flags({ accountConcurrency: '64' }))).toEqual([]);
    expect(accountFlagProblems(flags({ accountConcurrency: '0' }))).toEqual([
      '--account-concurrency: "0" — out of range 1–64 (accounts audited at once)',
    ]);
    expect(accountFlagProblems(flags({ accountConcurrency: '65' }))).toEqual([
      '--account-concurrency: "65" — out of range 1–64 (accounts audited at once)',
    ]);
    expect(accountFlagProblems(flags({ accountConcurrency: '2.5' }))).toEqual([
      '--account-concurrency: "2.5" — use a whole number of accounts from 1 to 64',
    ]);
  });

  it('needs --role-name, as a role name, not an ARN', () => {
    expect(accountFlagProblems(flags({ roleName: undefined }))).toEqual([
      '--accounts needs --role-name: the role the CLI assumes in each account (lib/audit-role.ts deploys it)',
    ]);
    expect(accountFlagProblems(flags({ roleName: 'arn:aws:iam::111111111111:role/X' }))[0]).toMatch(/^--role-name: .* not an ARN$/);
    expect(accountFlagProblems(flags({ roleName: 'r'.repeat(64) }))).toEqual([]);
    expect(accountFlagProblems(flags({ roleName: 'r'.repeat(65) }))).toHaveLength(1);
  });

  it('checks --external-id: 2 to 1224 characters', () => {
    expect(accountFlagProblems(flags({ externalId: 'ab' }))).toEqual([]);
    expect(accountFlagProblems(flags({ externalId: 'a' }))[0]).toMatch(/^--external-id: "a"/);
    expect(accountFlagProblems(flags({ externalId: 'a'.repeat(1224) }))).toEqual([]);
    expect(accountFlagProblems(flags({ externalId: 'a'.repeat(1225) }))).toHaveLength(1);
  });

  it('refuses --state-table and --alert-topic-arn with --accounts: an audit from one seat keeps no state', () => {
    const problems = accountFlagProblems(flags({ stateTable: 't', alertTopicArn: 'arn:aws:sns:us-east-1:111111111111:x' }));
    expect(problems.map((p) => p.split(':')[0])).toEqual(['--state-table with --accounts', '--alert-topic-arn with --accounts']);
  });

  it('refuses --role-name and --external-id without --accounts', () => {
    expect(accountFlagProblems({ roleName: 'R', externalId: 'xx', accountConcurrency: '8' })).toEqual([
      '--role-name without --accounts: name the accounts to audit (--accounts all or ID,ID)',
      '--external-id without --accounts: name the accounts to audit (--accounts all or ID,ID)',
    ]);
  });
});

describe('scan --accounts through the CLI', () => {
  it('exits 2 before any AWS call and names every bad account flag at once', async () => {
    const { main } = await import('../../bin/cli');
    const err: string[] = [];
    const code = await main(['scan', '--accounts', '12', '--account-concurrency', '65', '--regions', 'us-east-1'], {
      out: () => undefined,
      err: (t) => err.push(t),
      env: {},
    });

    expect(code).toBe(2);
    expect(err.join('\n')).toContain('--accounts: "12"');
    expect(err.join('\n')).toContain('--account-concurrency: "65" — out of range 1–64');
    expect(err.join('\n')).toContain('--accounts needs --role-name');
  });
});

describe('scan --accounts all: accounts start as their page is listed', () => {
  const orgs = mockClient(OrganizationsClient);
  const sts = mockClient(STSClient);
  const rds = mockClient(RDSClient);
  const page = (ids: string[], next?: string) => ({
    Accounts: ids.map((Id) => ({ Id, Name: `acct-${Id.slice(-4)}`, State: 'ACTIVE' as const })),
    ...(next ? { NextToken: next } : {}),
  });
  const assumed = () => sts.commandCalls(AssumeRoleCommand).map((c) => c.args[0].input.RoleArn?.split(':')[4]);
  const run = async () => {
    const { main } = await import('../../bin/cli');
    const out: string[] = [];
    const err: string[] = [];
    const code = await main(['scan', '--accounts', 'all', '--role-name', 'Auditor', '--regions', 'eu-west-1', '--format', 'json'], {
      out: (t) => out.push(t),
      err: (t) => err.push(t),
      env: { AWS_REGION: 'eu-west-1', AWS_ACCESS_KEY_ID: 'x', AWS_SECRET_ACCESS_KEY: 'y' },
    });
    return { code, out: out.join('\n'), err: err.join('\n') };
  };

  beforeEach(() => {
    for (const m of [orgs, sts, rds]) m.reset();
    sts.on(GetCallerIdentityCommand).resolves({ Account: '999900001111', Arn: 'arn:aws:iam::999900001111:user/auditor' });
    sts.on(AssumeRoleCommand).callsFake((input: { RoleArn: string }) => {
      const account = input.RoleArn.split(':')[4] ?? '';
      return {
        Credentials: { AccessKeyId: `AK${account}`, SecretAccessKey: 's', SessionToken: 't', Expiration: new Date(Date.now() + 3_600_000) },
        AssumedRoleUser: { AssumedRoleId: 'AROA:x', Arn: `arn:aws:sts::${account}:assumed-role/Auditor/x` },
      };
    });
    rds.on(DescribeDBClustersCommand).resolves({ DBClusters: [] });
  });

  it('assumes the role in an account of page 1 before page 2 of ListAccounts has answered', async () => {
    let assumedBeforePage2: (string | undefined)[] | undefined;
    orgs.on(ListAccountsCommand, { NextToken: undefined }).resolves(page(['111111111111', '222222222222'], 'p2'));
    orgs.on(ListAccountsCommand, { NextToken: 'p2' }).callsFake(async () => {
      // Page 2 answers only once an account of page 1 is under way (or after 2 s, when none is).
      for (let waited = 0; assumed().length === 0 && waited < 2_000; waited += 10) await new Promise((r) => setTimeout(r, 10));
      assumedBeforePage2 = assumed();
      return page(['333333333333']);
    });

    const r = await run();

    expect(assumedBeforePage2?.length).toBeGreaterThan(0);
    expect(r.code).toBe(0);
    const doc = JSON.parse(r.out) as { accounts: { accountId: string }[] };
    expect(doc.accounts.map((a) => a.accountId)).toEqual(['111111111111', '222222222222', '333333333333']);
  });

  it('a page that fails after accounts started: they finish, then the run fails naming the Organizations error (exit 3)', async () => {
    orgs.on(ListAccountsCommand, { NextToken: undefined }).resolves(page(['111111111111'], 'p2'));
    orgs.on(ListAccountsCommand, { NextToken: 'p2' }).callsFake(async () => {
      for (let waited = 0; assumed().length === 0 && waited < 2_000; waited += 10) await new Promise((r) => setTimeout(r, 10));
      throw Object.assign(new Error('You are not authorized'), { name: 'AccessDeniedException', $fault: 'client' });
    });

    const r = await run();

    expect(r.code).toBe(3);
    expect(rds).toHaveReceivedCommandTimes(DescribeDBClustersCommand, 1);
    expect(r.err).toContain("the organization's account list is incomplete; 1 account(s) listed before the failure were audited");
    expect(JSON.parse(r.out)).toMatchObject({ error: { code: 'OrganizationsError', exitCode: 3 } });
  });
});

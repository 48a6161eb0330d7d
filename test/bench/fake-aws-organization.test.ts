import { ListAccountsCommand, OrganizationsClient } from '@aws-sdk/client-organizations';
import { DescribeDBClustersCommand, RDSClient } from '@aws-sdk/client-rds';
import { BatchImportFindingsCommand, SecurityHubClient, type AwsSecurityFinding } from '@aws-sdk/client-securityhub';
import { AssumeRoleCommand, GetCallerIdentityCommand, STSClient } from '@aws-sdk/client-sts';
import { startFakeAws, type FakeAws } from '../../bench/fake-aws';
import { generateFleet } from '../../bench/fleet';
import { ORGANIZATIONS_RATES, SECURITY_HUB_RATES } from '../../emulator/aws-limits';

const NOW = new Date('2026-11-25T12:00:00Z');
const MANAGEMENT = '123456789012';
const ROLE = 'audit';
const memberId = (i: number) => String(200_000_000_000 + i);

let fake: FakeAws | undefined;
let time = 0;

async function organization(members: number): Promise<FakeAws> {
  const fleet = generateFleet({ clusters: 4, regions: 2, now: NOW, accountId: MANAGEMENT });
  const others = Array.from({ length: members }, (_, i) =>
    generateFleet({ clusters: 6 + i, regions: 2, seed: 100 + i, now: NOW, accountId: memberId(i + 1) }),
  );
  fake = await startFakeAws({ fleet, organization: { members: others, roleName: ROLE }, latencyMs: 0, clock: () => time });
  return fake;
}

afterEach(async () => {
  await fake?.close();
  fake = undefined;
  time = 0;
});

const base = (f: FakeAws, region = 'us-east-1') => ({ region, endpoint: f.url, maxAttempts: 1 });
const caller = { accessKeyId: 'test', secretAccessKey: 'test' };

async function assume(f: FakeAws, accountId: string, roleName = ROLE) {
  const out = await new STSClient({ ...base(f), credentials: caller }).send(
    new AssumeRoleCommand({ RoleArn: `arn:aws:iam::${accountId}:role/${roleName}`, RoleSessionName: 'bench' }),
  );
  const c = out.Credentials;
  return { accessKeyId: c?.AccessKeyId ?? '', secretAccessKey: c?.SecretAccessKey ?? '', sessionToken: c?.SessionToken ?? '' };
}

function finding(accountId: string, i: number, region = 'us-east-1'): AwsSecurityFinding {
  return {
    SchemaVersion: '2018-10-08',
    Id: `f-${i}`,
    ProductArn: `arn:aws:securityhub:${region}:${accountId}:product/${accountId}/default`,
    GeneratorId: 'g',
    AwsAccountId: accountId,
    CreatedAt: NOW.toISOString(),
    UpdatedAt: NOW.toISOString(),
    Title: 't',
    Description: 'd',
    Severity: { Label: 'LOW' },
    Types: ['Software and Configuration Checks/AWS Security Best Practices'],
    Resources: [{ Type: 'AwsRdsDbCluster', Id: `arn:aws:rds:${region}:${accountId}:cluster:c${i}` }],
  };
}

describe('the fake AWS as an organization', () => {
  it('lists the accounts 20 a page, the management account first, following NextToken', async () => {
    const f = await organization(24);
    const org = new OrganizationsClient({ ...base(f), credentials: caller });

    const page1 = await org.send(new ListAccountsCommand({ MaxResults: 20 }));
    const page2 = await org.send(new ListAccountsCommand({ MaxResults: 20, NextToken: page1.NextToken }));

    expect(page1.Accounts).toHaveLength(20);
    expect(page1.Accounts?.[0]).toMatchObject({ Id: MANAGEMENT, State: 'ACTIVE' });
    expect(page2.Accounts?.map((a) => a.Id)).toEqual([memberId(20), memberId(21), memberId(22), memberId(23), memberId(24)]);
    expect(page2.NextToken).toBeUndefined();
  });

  it('refuses a ListAccounts page of more than 20', async () => {
    const f = await organization(1);
    const org = new OrganizationsClient({ ...base(f), credentials: caller });

    await expect(org.send(new ListAccountsCommand({ MaxResults: 21 }))).rejects.toMatchObject({ name: 'InvalidInputException' });
  });

  it("throttles ListAccounts at Organizations' rate once the burst is spent", async () => {
    const f = await organization(1);
    const org = new OrganizationsClient({ ...base(f), credentials: caller });
    const { burst, rate } = ORGANIZATIONS_RATES.ListAccounts;

    for (let i = 0; i < burst; i++) await org.send(new ListAccountsCommand({}));
    await expect(org.send(new ListAccountsCommand({}))).rejects.toMatchObject({ name: 'TooManyRequestsException' });
    time += 1000 / rate;
    await expect(org.send(new ListAccountsCommand({}))).resolves.toBeDefined();
  });

  it("acts in the role's account with AssumeRole's credentials, and in the caller's without", async () => {
    const f = await organization(2);
    const sts = (credentials: typeof caller) => new STSClient({ ...base(f), credentials });

    const asMember = await sts(await assume(f, memberId(2))).send(new GetCallerIdentityCommand({}));
    const asCaller = await sts(caller).send(new GetCallerIdentityCommand({}));

    expect(asMember.Account).toBe(memberId(2));
    expect(asCaller.Account).toBe(MANAGEMENT);
  });

  it("serves each account its own clusters and keeps each account's findings in its own Security Hub", async () => {
    const f = await organization(2);
    const credentials = await assume(f, memberId(1));

    const listed = await new RDSClient({ ...base(f), credentials }).send(new DescribeDBClustersCommand({}));
    await new SecurityHubClient({ ...base(f), credentials }).send(new BatchImportFindingsCommand({ Findings: [finding(memberId(1), 1)] }));

    const member = f.accounts.get(memberId(1));
    expect(listed.DBClusters?.map((c) => c.DBClusterArn)).toEqual(member?.fleet.byRegion.get('us-east-1')?.map((c) => c.arn));
    expect(member?.securityHub.importedSinceReset.get('us-east-1')?.size).toBe(1);
    expect(f.securityHub.importedSinceReset.size).toBe(0);
  });

  it('refuses AssumeRole of another role name, or in an account outside the organization', async () => {
    const f = await organization(1);

    await expect(assume(f, memberId(1), 'other')).rejects.toMatchObject({ name: 'AccessDenied' });
    await expect(assume(f, '999999999999')).rejects.toMatchObject({ name: 'AccessDenied' });
  });

  it("keeps Security Hub's import rate per account: one account's spent burst does not throttle another's", async () => {
    const f = await organization(2);
    const { burst } = SECURITY_HUB_RATES.BatchImportFindings;
    const hub = async (accountId: string) => new SecurityHubClient({ ...base(f), credentials: await assume(f, accountId) });
    const one = await hub(memberId(1));
    const two = await hub(memberId(2));

    for (let i = 0; i < burst; i++) await one.send(new BatchImportFindingsCommand({ Findings: [finding(memberId(1), i)] }));
    await expect(one.send(new BatchImportFindingsCommand({ Findings: [finding(memberId(1), burst)] }))).rejects.toMatchObject({
      name: 'TooManyRequestsException',
    });
    await expect(two.send(new BatchImportFindingsCommand({ Findings: [finding(memberId(2), 0)] }))).resolves.toMatchObject({
      SuccessCount: 1,
    });
  });

  it('counts every call under the account it acted in', async () => {
    const f = await organization(1);
    const credentials = await assume(f, memberId(1));
    await new RDSClient({ ...base(f), credentials }).send(new DescribeDBClustersCommand({}));

    const stats = f.stats();
    expect(stats.find((s) => s.operation === 'AssumeRole')).toMatchObject({ account: MANAGEMENT, calls: 1 });
    expect(stats.find((s) => s.operation === 'DescribeDBClusters')).toMatchObject({ account: memberId(1), calls: 1 });
  });
});

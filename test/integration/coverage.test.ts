/**
 * Organization coverage end to end: the bundled coverage function (dist/coverage/index.js, the
 * bytes the hub deploys) against moto's Organizations (a management account and two members),
 * DynamoDB and SNS behind the AWS-behaviour proxy, invoked with members' bus events and the
 * schedule's event. Alerts are read back from the hub topic's SQS subscriber.
 */
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { CreateTableCommand, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { CreateAccountCommand, CreateOrganizationCommand, OrganizationsClient } from '@aws-sdk/client-organizations';
import type { EmulatedAws } from '../../emulator';
import { deploy, type Deployment } from '../../emulator/deployment';
import { RUN_COMPLETED } from '../../lambda/core/coverage';
import { coverageEnvironment } from '../../lambda/coverage/settings';
import { useEmulatedAws } from './emulated-account';
import { REPO_ROOT } from './shells';

jest.setTimeout(180_000);

const REGION = 'eu-west-1';
const BUNDLE = path.join(REPO_ROOT, 'dist', 'coverage', 'index.js');
const TABLE = 'backtrack-coverage';
/** The scan period the function is told: a report is late after two of them. */
const PERIOD_SECONDS = 4;

let aws: EmulatedAws;
useEmulatedAws((started) => (aws = started));

let d: Deployment;
let management: string;
let memberA: string;
let memberB: string;

interface Invocation {
  code: number;
  result: Record<string, unknown> | undefined;
  stdout: string;
  stderr: string;
}

/** Runs the bundled handler once in a child process with the hub's function environment. */
function invoke(event: unknown): Promise<Invocation> {
  if (!fs.existsSync(BUNDLE)) throw new Error('dist/coverage/index.js is missing: run `npm run build` first');
  const script = `require(${JSON.stringify(BUNDLE)}).handler(JSON.parse(process.argv[1])).then(
    (r) => process.stdout.write('\\nRESULT ' + JSON.stringify(r) + '\\n'),
    (e) => { process.stdout.write('\\nERROR ' + e.message + '\\n'); process.exitCode = 1; });`;
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) if (!k.startsWith('AWS_') && !k.startsWith('POWERTOOLS_')) env[k] = v;
  Object.assign(
    env,
    aws.env(REGION),
    coverageEnvironment({ table: TABLE, topicArn: d.topicArn, schedulePeriodSeconds: PERIOD_SECONDS, accountsCacheSeconds: 3600 }),
  );
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['-e', script, JSON.stringify(event)], { cwd: REPO_ROOT, env });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (b: Buffer) => (stdout += b.toString()));
    child.stderr.on('data', (b: Buffer) => (stderr += b.toString()));
    child.on('error', reject);
    child.on('close', (code) => {
      const line = stdout.split('\n').find((l) => l.startsWith('RESULT '));
      resolve({ code: code ?? -1, result: line ? (JSON.parse(line.slice(7)) as Record<string, unknown>) : undefined, stdout, stderr });
    });
  });
}

/** A member's report as EventBridge delivers it from the hub bus (`account`: the sender). */
const report = (account: string, at: Date = new Date(), detailAccount = account) =>
  invoke({
    version: '0',
    id: `e-${account}-${at.getTime()}`,
    source: RUN_COMPLETED.source,
    'detail-type': RUN_COMPLETED.detailType,
    account,
    time: at.toISOString(),
    region: REGION,
    resources: [],
    detail: {
      accountId: detailAccount,
      finishedAt: at.toISOString(),
      degraded: 0,
      verdicts: { failed: 0, warning: 0, passed: 1, notAvailable: 0 },
    },
  });

const check = () => invoke({ mode: 'check' });
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
/** The UncoveredAccounts value the run wrote (Powertools' EMF line on stdout). */
const uncoveredMetric = (run: Invocation): unknown =>
  run.stdout
    .split('\n')
    .filter((l) => l.includes('"UncoveredAccounts"'))
    .map((l) => (JSON.parse(l) as Record<string, unknown>).UncoveredAccounts)[0];

beforeAll(async () => {
  await aws.reset();
  management = aws.accountId;
  const org = new OrganizationsClient(aws.clientConfig('us-east-1'));
  await org.send(new CreateOrganizationCommand({ FeatureSet: 'ALL' }));
  const account = async (name: string) =>
    (await org.send(new CreateAccountCommand({ AccountName: name, Email: `${name}@example.com` }))).CreateAccountStatus
      ?.AccountId as string;
  memberA = await account('member-a');
  memberB = await account('member-b');
  d = await deploy(aws, { regions: [REGION], homeRegion: REGION, securityHubRegions: [] });
  await new DynamoDBClient(aws.clientConfig(REGION)).send(
    new CreateTableCommand({
      TableName: TABLE,
      AttributeDefinitions: [{ AttributeName: 'pk', AttributeType: 'S' }],
      KeySchema: [{ AttributeName: 'pk', KeyType: 'HASH' }],
      BillingMode: 'PAY_PER_REQUEST',
    }),
  );
});

describe('hub coverage, end to end', () => {
  it('alerts once for an account without a checker and once for a member that stopped reporting, once each on recovery, and is silent without change', async () => {
    // Both members report; the management account has no checker.
    expect((await report(memberA)).result).toEqual({ recorded: memberA, at: expect.any(String) });
    expect((await report(memberB)).result).toMatchObject({ recorded: memberB });

    const first = await check();
    expect(first.result).toMatchObject({ coverage: { covered: 2, active: 3 } });
    expect(uncoveredMetric(first)).toBe(1);
    const lost = await d.drainAlerts();
    expect(lost.map((a) => a.subject)).toEqual(['Aurora Backtrack coverage: 1 account(s) uncovered, 2/3 covered']);
    expect(lost[0]?.card.content.description).toMatch(new RegExp(`${management} \\([^)]*\\): no checker has ever reported`));
    expect(lost[0]?.attributes.account_id).toEqual({ Type: 'String.Array', Value: JSON.stringify([management]) });

    // Member B stops reporting: after two periods it is stale; member A keeps reporting.
    await sleep(2 * PERIOD_SECONDS * 1000 + 500);
    await report(memberA);
    const second = await check();
    expect(second.result).toMatchObject({ coverage: { covered: 1, active: 3 } });
    const stale = await d.drainAlerts();
    expect(stale.map((a) => a.subject)).toEqual(['Aurora Backtrack coverage: 1 account(s) uncovered, 1/3 covered']);
    expect(stale[0]?.card.content.description).toContain(`${memberB} (member-b): its checker last reported`);
    expect(stale[0]?.attributes.account_id?.Value).toBe(JSON.stringify([memberB]));

    // Nothing changed: silent.
    await report(memberA);
    await check();
    expect(await d.drainAlerts()).toEqual([]);

    // Member B reports again and the management account gets a checker: one recovery naming both.
    await report(memberB);
    await report(management);
    const fourth = await check();
    expect(fourth.result).toMatchObject({ coverage: { covered: 3, active: 3, uncovered: [] } });
    expect(uncoveredMetric(fourth)).toBe(0);
    const recovered = await d.drainAlerts();
    expect(recovered.map((a) => a.subject)).toEqual(['Aurora Backtrack coverage: recovered, 3/3 covered']);
    expect(recovered[0]?.attributes.account_id?.Value).toBe(JSON.stringify([management, memberB].sort()));
  });

  it('ignores a report whose detail names another account than its sender', async () => {
    const run = await report(memberA, new Date(), memberB);

    expect(run.result).toEqual({ ignored: expect.stringContaining(`is not the sending account ${memberA}`) });
  });

  it('refuses an event of neither kind, naming what it takes', async () => {
    const run = await invoke({ mode: 'scan' });

    expect(run.code).toBe(1);
    expect(run.stdout).toContain(
      'the coverage function takes a "Checker run completed" event of aurora-backtrack-checker or {"mode":"check"|"digest"}',
    );
  });
});

/**
 * Organization coverage end to end: the bundled coverage function (dist/coverage/index.js, the
 * bytes the hub deploys) against moto's Organizations, DynamoDB and SNS behind the AWS-behaviour
 * proxy, invoked with members' bus events and the schedule's event. The organization: the
 * management account in the root; the targeted OU "prod" with member A, a fresh account without a
 * checker and the nested OU "payments" with member B; the OU "sandbox" (not targeted) with an
 * account that never reports. Alerts are read back from the hub topic's SQS subscriber.
 */
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { CreateTableCommand, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import {
  CreateAccountCommand,
  CreateOrganizationalUnitCommand,
  CreateOrganizationCommand,
  ListRootsCommand,
  MoveAccountCommand,
  OrganizationsClient,
} from '@aws-sdk/client-organizations';
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
/** How long an account that never reported is deploying, from the check that first listed it. */
const GRACE_SECONDS = 3;

let aws: EmulatedAws;
useEmulatedAws((started) => (aws = started));

let d: Deployment;
let management: string;
let memberA: string;
let memberB: string;
let fresh: string;
let sandbox: string;
let prodOu: string;

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
    coverageEnvironment({
      table: TABLE,
      topicArn: d.topicArn,
      schedulePeriodSeconds: PERIOD_SECONDS,
      accountsCacheSeconds: 3600,
      targetParentIds: [prodOu],
      graceSeconds: GRACE_SECONDS,
    }),
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
const emfMetric = (run: Invocation, name: string): unknown =>
  run.stdout
    .split('\n')
    .filter((l) => l.includes(`"${name}"`))
    .map((l) => (JSON.parse(l) as Record<string, unknown>)[name])[0];
const uncoveredMetric = (run: Invocation): unknown => emfMetric(run, 'UncoveredAccounts');
/** The ids of the accounts a check judged, with their status. */
const judged = (run: Invocation) =>
  ((run.result?.coverage as { accounts?: { accountId: string; status: string }[] } | undefined)?.accounts ?? []).map((a) => [
    a.accountId,
    a.status,
  ]);

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
  fresh = await account('fresh');
  sandbox = await account('sandbox');
  const root = (await org.send(new ListRootsCommand({}))).Roots?.[0]?.Id as string;
  const ou = async (parent: string, name: string) =>
    (await org.send(new CreateOrganizationalUnitCommand({ ParentId: parent, Name: name }))).OrganizationalUnit?.Id as string;
  prodOu = await ou(root, 'prod');
  const paymentsOu = await ou(prodOu, 'payments');
  const sandboxOu = await ou(root, 'sandbox');
  const move = (accountId: string, to: string) =>
    org.send(new MoveAccountCommand({ AccountId: accountId, SourceParentId: root, DestinationParentId: to }));
  await move(memberA, prodOu);
  await move(fresh, prodOu);
  await move(memberB, paymentsOu);
  await move(sandbox, sandboxOu);
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
  it('judges only the accounts under the targeted OU (a nested OU included): a fresh account is deploying, then missing and alerted once; a member that stops reporting is alerted once and its recovery once', async () => {
    // Members A and B report; the fresh account has no checker yet; sandbox and management never report.
    expect((await report(memberA)).result).toEqual({ recorded: memberA, at: expect.any(String) });
    expect((await report(memberB)).result).toMatchObject({ recorded: memberB });

    // First check: the fresh account is deploying (not uncovered, no alert); sandbox and management are not judged.
    const first = await check();
    expect(judged(first)).toEqual(
      [
        [memberA, 'covered'],
        [memberB, 'covered'],
        [fresh, 'deploying'],
      ].sort((a, b) => (a[0] as string).localeCompare(b[0] as string)),
    );
    expect(first.result).toMatchObject({ coverage: { covered: 2, active: 3, uncovered: [] } });
    expect(uncoveredMetric(first)).toBe(0);
    expect(emfMetric(first, 'DeployingAccounts')).toBe(1);
    expect(first.stdout).toContain(`; deploying: ${fresh}`);
    expect(await d.drainAlerts()).toEqual([]);

    // After the grace period the fresh account is missing: one alert naming it alone.
    await sleep(GRACE_SECONDS * 1000 + 500);
    await report(memberA);
    await report(memberB);
    const second = await check();
    expect(second.result).toMatchObject({ coverage: { covered: 2, active: 3, uncovered: [{ accountId: fresh, status: 'missing' }] } });
    expect(uncoveredMetric(second)).toBe(1);
    const missing = await d.drainAlerts();
    expect(missing.map((a) => a.subject)).toEqual(['Aurora Backtrack coverage: 1 account(s) uncovered, 2/3 covered']);
    expect(missing[0]?.card.content.description).toContain(`${fresh} (fresh): no checker has ever reported`);
    expect(missing[0]?.attributes.account_id).toEqual({ Type: 'String.Array', Value: JSON.stringify([fresh]) });
    for (const other of [management, sandbox]) expect(JSON.stringify(missing)).not.toContain(other);

    // Still missing: silent.
    await report(memberA);
    await report(memberB);
    await check();
    expect(await d.drainAlerts()).toEqual([]);

    // Member B (in the nested OU) stops reporting: after two periods it is stale, alerted once.
    await sleep(2 * PERIOD_SECONDS * 1000 + 500);
    await report(memberA);
    const stale = await check();
    expect(stale.result).toMatchObject({ coverage: { covered: 1, active: 3 } });
    const lost = await d.drainAlerts();
    expect(lost.map((a) => a.subject)).toEqual(['Aurora Backtrack coverage: 1 account(s) uncovered, 1/3 covered']);
    expect(lost[0]?.card.content.description).toContain(`${memberB} (member-b): its checker last reported`);
    expect(lost[0]?.attributes.account_id?.Value).toBe(JSON.stringify([memberB]));
    await report(memberA);
    await check();
    expect(await d.drainAlerts()).toEqual([]);

    // Member B reports again and the fresh account gets its checker: one recovery naming both.
    await report(memberA);
    await report(memberB);
    await report(fresh);
    const recoveredRun = await check();
    expect(recoveredRun.result).toMatchObject({ coverage: { covered: 3, active: 3, uncovered: [] } });
    expect(uncoveredMetric(recoveredRun)).toBe(0);
    const recovered = await d.drainAlerts();
    expect(recovered.map((a) => a.subject)).toEqual(['Aurora Backtrack coverage: recovered, 3/3 covered']);
    expect(recovered[0]?.attributes.account_id?.Value).toBe(JSON.stringify([fresh, memberB].sort()));
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

/**
 * The hub's relay end to end: the bundled relay (dist/relay/index.js, the bytes the hub deploys) is
 * handed a batch in the shape its SQS event source gives it, each body an event as the hub's bus
 * delivers it (EventBridge's `account`: the member), and publishes to the hub topic on moto behind
 * the AWS-behaviour proxy, counting each account's hourly budget in a DynamoDB table there. The
 * messages are read back from the topic's subscribers: the unfiltered one, a team's subscription
 * filtered on its account (`account_id`), and one filtered on another account.
 */
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { CreateTableCommand, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { CreateAccountCommand, CreateOrganizationCommand, OrganizationsClient } from '@aws-sdk/client-organizations';
import { SNSClient, SubscribeCommand } from '@aws-sdk/client-sns';
import { CreateQueueCommand, GetQueueAttributesCommand, ReceiveMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import type { EmulatedAws } from '../../emulator';
import { deploy, type Deployment } from '../../emulator/deployment';
import { relayEnvironment } from '../../lambda/hub/relay-settings';
import { MEMBER_ALARM_NAME_PREFIX } from '../../lib/hub/member-roles';
import { useEmulatedAws } from './emulated-account';
import { REPO_ROOT } from './shells';

jest.setTimeout(180_000);

const REGION = 'eu-west-1';
const BUNDLE = path.join(REPO_ROOT, 'dist', 'relay', 'index.js');
const BUDGET_TABLE = 'relay-budget';
const HUB_PREFIX = 'AuroraBacktrackCheckerHub-Alerts-';

let aws: EmulatedAws;
useEmulatedAws((started) => (aws = started));

let d: Deployment;
let member: string;
let teamQueue: () => Promise<Array<{ Subject: string; MessageAttributes?: Record<string, { Type: string; Value: string }> }>>;
let otherTeamQueue: () => Promise<unknown[]>;

interface Invocation {
  code: number;
  result: { batchItemFailures: { itemIdentifier: string }[] } | undefined;
  stdout: string;
}

/** The RelayDropped counts of the run's EMF lines, by reason (`total` without the reason dimension). */
function droppedMetrics(stdout: string): Record<string, number> {
  const out: Record<string, number> = {};
  for (const line of stdout.split('\n').filter((l) => l.includes('"RelayDropped"'))) {
    const m = JSON.parse(line) as { RelayDropped: number | number[]; reason?: string };
    const n = Array.isArray(m.RelayDropped) ? m.RelayDropped.reduce((a, b) => a + b, 0) : m.RelayDropped;
    out[m.reason ?? 'total'] = (out[m.reason ?? 'total'] ?? 0) + n;
  }
  return out;
}

/** Runs the bundled relay once in a child process with the hub's function environment, on one SQS batch of these events. */
function invoke(events: unknown[], opts: { topicArn?: string; perHour?: number } = {}): Promise<Invocation> {
  if (!fs.existsSync(BUNDLE)) throw new Error('dist/relay/index.js is missing: run `npm run build` first');
  const event = { Records: events.map((e, i) => ({ messageId: `m-${i}`, body: typeof e === 'string' ? e : JSON.stringify(e) })) };
  const script = `require(${JSON.stringify(BUNDLE)}).handler(JSON.parse(require('node:fs').readFileSync(0, 'utf8'))).then(
    (r) => process.stdout.write('\\nRESULT ' + JSON.stringify(r) + '\\n'),
    (e) => { process.stdout.write('\\nERROR ' + e.message + '\\n'); process.exitCode = 1; });`;
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) if (!k.startsWith('AWS_') && !k.startsWith('POWERTOOLS_')) env[k] = v;
  Object.assign(
    env,
    aws.env(REGION),
    relayEnvironment({
      topicArn: opts.topicArn ?? d.topicArn,
      alarmNamePrefix: MEMBER_ALARM_NAME_PREFIX,
      hubAlarmNamePrefix: HUB_PREFIX,
      hubAccount: aws.accountId,
      budgetTable: BUDGET_TABLE,
      perAccountPerHour: opts.perHour ?? 100,
    }),
    { POWERTOOLS_METRICS_NAMESPACE: 'AuroraBacktrackChecker' },
  );
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['-e', script], { cwd: REPO_ROOT, env });
    child.stdin.end(JSON.stringify(event));
    let stdout = '';
    child.stdout.on('data', (b: Buffer) => (stdout += b.toString()));
    child.stderr.on('data', (b: Buffer) => (stdout += b.toString()));
    child.on('error', reject);
    child.on('close', (code) => {
      const line = stdout.split('\n').find((l) => l.startsWith('RESULT '));
      resolve({ code: code ?? -1, result: line ? (JSON.parse(line.slice(7)) as Invocation['result']) : undefined, stdout });
    });
  });
}

/** A member checker's alarm state change as the hub's bus delivers it: CloudWatch's event, `account` the member. */
const stateChange = (account: string, name: string, state: 'ALARM' | 'OK', reason: string) => ({
  version: '0',
  id: `e-${name}-${state}`,
  'detail-type': 'CloudWatch Alarm State Change',
  source: 'aws.cloudwatch',
  account,
  time: '2026-11-29T18:00:00Z',
  region: REGION,
  resources: [`arn:aws:cloudwatch:${REGION}:${account}:alarm:${name}`],
  detail: {
    alarmName: name,
    state: { value: state, reason, timestamp: '2026-11-29T18:00:00.000+0000' },
    previousState: { value: state === 'ALARM' ? 'OK' : 'ALARM', reason: 'before' },
    configuration: { description: 'the checker alarm' },
  },
});

/** An SQS subscriber of the hub topic with a filter policy on `account_id`; returns its reader. */
async function filteredSubscriber(name: string, accounts: string[]) {
  const sns = new SNSClient(aws.clientConfig(REGION));
  const sqs = new SQSClient(aws.clientConfig(REGION));
  const { QueueUrl } = await sqs.send(new CreateQueueCommand({ QueueName: name }));
  const attrs = await sqs.send(new GetQueueAttributesCommand({ QueueUrl, AttributeNames: ['QueueArn'] }));
  await sns.send(
    new SubscribeCommand({
      TopicArn: d.topicArn,
      Protocol: 'sqs',
      Endpoint: attrs.Attributes?.QueueArn,
      Attributes: { FilterPolicy: JSON.stringify({ account_id: accounts }) },
    }),
  );
  return async () => {
    const out = await sqs.send(new ReceiveMessageCommand({ QueueUrl, MaxNumberOfMessages: 10, WaitTimeSeconds: 1 }));
    return (out.Messages ?? []).map(
      (m) => JSON.parse(m.Body ?? '{}') as { Subject: string; MessageAttributes?: Record<string, { Type: string; Value: string }> },
    );
  };
}

beforeAll(async () => {
  await aws.reset();
  // The hub is the management account here; the member is an account of its organization.
  const org = new OrganizationsClient(aws.clientConfig('us-east-1'));
  await org.send(new CreateOrganizationCommand({ FeatureSet: 'ALL' }));
  member = (await org.send(new CreateAccountCommand({ AccountName: 'member-a', Email: 'member-a@example.com' }))).CreateAccountStatus
    ?.AccountId as string;
  d = await deploy(aws, { regions: [REGION], homeRegion: REGION, securityHubRegions: [] });
  await new DynamoDBClient(aws.clientConfig(REGION)).send(
    new CreateTableCommand({
      TableName: BUDGET_TABLE,
      AttributeDefinitions: [{ AttributeName: 'pk', AttributeType: 'S' }],
      KeySchema: [{ AttributeName: 'pk', KeyType: 'HASH' }],
      BillingMode: 'PAY_PER_REQUEST',
    }),
  );
  teamQueue = await filteredSubscriber('team-a', [member]);
  otherTeamQueue = await filteredSubscriber('team-b', ['999988887777']);
});

/** A member's "Checker alert" as the hub's bus delivers it. */
const checkerAlert = (account: string, overrides: Record<string, unknown> = {}) => ({
  version: '0',
  id: `a-${account}`,
  'detail-type': 'Checker alert',
  source: 'aurora-backtrack-checker',
  account,
  time: '2026-12-01T10:00:00Z',
  region: REGION,
  resources: [],
  detail: {
    subject: `Aurora Backtrack: 1 new failure (account ${account})`,
    default: JSON.stringify({
      version: '1.0',
      source: 'custom',
      content: { textType: 'client-markdown', title: 'New failure', description: 'orders' },
    }),
    email: 'NEW FAILURES (1)\n  orders (eu-west-1)',
    severity: 'MEDIUM',
    event: ['new-failure'],
    ...overrides,
  },
});

describe('hub relay, end to end', () => {
  it("publishes a member's ALARM to the hub topic with account_id = the member, and a team filtered on that account receives it", async () => {
    const name = `${MEMBER_ALARM_NAME_PREFIX}Heartbeat`;

    const run = await invoke([stateChange(member, name, 'ALARM', 'Threshold Crossed: no datapoints were received for 2 periods.')]);

    expect(run.code).toBe(0);
    expect(run.result).toEqual({ batchItemFailures: [] });
    const [alert, ...more] = await d.drainAlerts();
    expect(more).toEqual([]);
    expect(alert?.subject).toBe(`Aurora Backtrack checker alarm Heartbeat is ALARM (account ${member})`);
    expect(alert?.card.content.title).toBe(`Aurora Backtrack checker alarm ${name} is ALARM (account ${member}, ${REGION})`);
    expect(alert?.card.content.description).toBe('Threshold Crossed: no datapoints were received for 2 periods. See docs/operations.md.');
    expect(alert?.email).toContain(`Account: ${member}\nRegion: ${REGION}\n`);
    expect(alert?.attributes).toEqual({
      account_id: { Type: 'String', Value: member },
      severity: { Type: 'String', Value: 'HIGH' },
      event: { Type: 'String.Array', Value: '["alarm"]' },
    });
    const team = await teamQueue();
    expect(team.map((m) => [m.Subject, m.MessageAttributes?.account_id?.Value])).toEqual([[alert?.subject, member]]);
    expect(await otherTeamQueue()).toEqual([]);
  });

  it("publishes a member's alert and the hub's own alarm in one batch, each with its sender's account_id", async () => {
    const run = await invoke([checkerAlert(member), stateChange(aws.accountId, `${HUB_PREFIX}RelayDropped`, 'ALARM', 'dropped')]);

    expect(run.result).toEqual({ batchItemFailures: [] });
    const alerts = await d.drainAlerts();
    expect(alerts.map((a) => [a.subject, a.attributes.account_id?.Value])).toEqual([
      [`Aurora Backtrack: 1 new failure (account ${member})`, member],
      [`Aurora Backtrack checker alarm RelayDropped is ALARM (account ${aws.accountId})`, aws.accountId],
    ]);
    expect(await teamQueue()).toHaveLength(1);
  });

  it('drops malformed, oversized and forged events with a log line and RelayDropped by reason, publishing nothing and failing nothing', async () => {
    const run = await invoke([
      'not json',
      { source: 'aws.cloudwatch', 'detail-type': 'CloudWatch Alarm State Change', account: 'me' },
      stateChange(member, 'ServerCpuTooHigh', 'ALARM', 'cpu'),
      checkerAlert(member, { email: 'x'.repeat(240_001) }),
      checkerAlert(member, { subject: 'Aurora Backtrack: 3 fixed (account 999988887777)' }),
      checkerAlert(member, { severity: 'URGENT' }),
    ]);

    expect(run.code).toBe(0);
    expect(run.result).toEqual({ batchItemFailures: [] });
    expect(await d.drainAlerts()).toEqual([]);
    expect(droppedMetrics(run.stdout)).toEqual({ total: 6, 'not-an-event': 1, 'bad-envelope': 1, 'bad-detail': 3, 'too-large': 1 });
    expect(run.stdout).toContain('relay: event dropped, not relayed: alarm \\"ServerCpuTooHigh\\"');
    expect(run.stdout).toContain(`the subject names account 999988887777`);
  });

  it("drops a member's flood over its hourly budget (counted in the table), while another account's message still goes out", async () => {
    const flooder = '444400004444';
    const quiet = '555500005555';

    const run = await invoke([checkerAlert(flooder), checkerAlert(flooder), checkerAlert(flooder), checkerAlert(quiet)], { perHour: 2 });

    expect(run.result).toEqual({ batchItemFailures: [] });
    expect((await d.drainAlerts()).map((a) => a.attributes.account_id?.Value)).toEqual([flooder, flooder, quiet]);
    expect(droppedMetrics(run.stdout)).toEqual({ total: 1, 'over-budget': 1 });
    expect(run.stdout).toContain(`of account ${flooder}: over the budget of 2 messages per hour`);
  });

  it('fails only the record the topic does not take (SQS delivers it again, then its dead-letter queue), naming account and topic', async () => {
    const missing = `arn:aws:sns:${REGION}:${aws.accountId}:no-such-topic`;

    const run = await invoke([stateChange(member, `${MEMBER_ALARM_NAME_PREFIX}Errors`, 'ALARM', 'errors'), 'not json'], {
      topicArn: missing,
    });

    expect(run.code).toBe(0);
    expect(run.result).toEqual({ batchItemFailures: [{ itemIdentifier: 'm-0' }] });
    expect(run.stdout).toMatch(
      new RegExp(`alarm ${MEMBER_ALARM_NAME_PREFIX}Errors \\(ALARM\\) of account ${member} not published to ${missing} \\(NotFound`),
    );
    expect(await d.drainAlerts()).toEqual([]);
  });
});

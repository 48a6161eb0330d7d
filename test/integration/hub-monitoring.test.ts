/**
 * The hub watches itself, end to end on moto behind the AWS-behaviour proxy, with the settings the
 * synthesized hub template gives its functions:
 * - a hub alarm's state change, put on the hub account's default bus, is matched by the hub's own
 *   rule (its event pattern from the template) and, as EventBridge delivered it, relayed by the
 *   bundled relay (dist/relay/index.js, on the SQS batch its queue gives it) to the hub topic with `account_id` = the hub account,
 *   so a subscription filtered on the hub account receives it; the same alarm name sent from another
 *   account is dropped;
 * - the bundled coverage function (dist/coverage/index.js) writes the CoverageHeartbeat alarm's
 *   metric for each scheduled check that completes, and not for a report or the digest.
 */
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { CreateTableCommand, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { EventBridgeClient, PutEventsCommand, PutRuleCommand, PutTargetsCommand } from '@aws-sdk/client-eventbridge';
import { CreateAccountCommand, CreateOrganizationCommand, ListRootsCommand, OrganizationsClient } from '@aws-sdk/client-organizations';
import { SNSClient, SubscribeCommand } from '@aws-sdk/client-sns';
import { CreateQueueCommand, GetQueueAttributesCommand, ReceiveMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import type { Template } from 'aws-cdk-lib/assertions';
import type { EmulatedAws } from '../../emulator';
import { deploy, type Deployment } from '../../emulator/deployment';
import { resolveTemplateValue } from '../../emulator/template-values';
import { RUN_COMPLETED } from '../../lambda/core/coverage';
import { COVERAGE_CHECK_COMPLETED } from '../../lambda/coverage/metric-names';
import { logicalIdOf } from '../lib/stack-fixture';
import { synthHub } from '../lib/hub/hub-fixture';
import { useEmulatedAws } from './emulated-account';
import { REPO_ROOT } from './shells';

jest.setTimeout(240_000);

const REGION = 'eu-west-1';
const TABLE = 'hub-coverage';
const BUDGET_TABLE = 'hub-relay-budget';

let aws: EmulatedAws;
useEmulatedAws((started) => (aws = started));

let d: Deployment;
let hub: string;
let member: string;
let template: Template;
let prefix: string;

interface Invocation {
  code: number;
  result: Record<string, unknown> | undefined;
  stdout: string;
}

/** The environment the hub template gives a function, its references resolved to the emulator's resources. */
function functionEnvironment(functionPrefix: string): Record<string, string> {
  const fn = template.findResources('AWS::Lambda::Function')[logicalIdOf(template, 'AWS::Lambda::Function', functionPrefix)];
  const variables = (fn?.Properties as { Environment: { Variables: Record<string, unknown> } }).Environment.Variables;
  return resolveTemplateValue(variables, {
    refs: {
      [logicalIdOf(template, 'AWS::SNS::Topic', 'Alerts')]: d.topicArn,
      [logicalIdOf(template, 'AWS::DynamoDB::Table', 'CoverageTable')]: TABLE,
      [logicalIdOf(template, 'AWS::DynamoDB::Table', 'RelayBudgetTable')]: BUDGET_TABLE,
    },
    accountId: hub,
    region: REGION,
  }) as Record<string, string>;
}

/** Runs a bundled hub function once in a child process with the environment the hub template gives it. */
function invoke(bundle: string, functionPrefix: string, event: unknown): Promise<Invocation> {
  const file = path.join(REPO_ROOT, 'dist', bundle, 'index.js');
  if (!fs.existsSync(file)) throw new Error(`dist/${bundle}/index.js is missing: run \`npm run build\` first`);
  const script = `require(${JSON.stringify(file)}).handler(JSON.parse(process.argv[1])).then(
    (r) => process.stdout.write('\\nRESULT ' + JSON.stringify(r) + '\\n'),
    (e) => { process.stdout.write('\\nERROR ' + e.message + '\\n'); process.exitCode = 1; });`;
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) if (!k.startsWith('AWS_') && !k.startsWith('POWERTOOLS_')) env[k] = v;
  Object.assign(env, aws.env(REGION), functionEnvironment(functionPrefix));
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['-e', script, JSON.stringify(event)], { cwd: REPO_ROOT, env });
    let stdout = '';
    child.stdout.on('data', (b: Buffer) => (stdout += b.toString()));
    child.stderr.on('data', (b: Buffer) => (stdout += b.toString()));
    child.on('error', reject);
    child.on('close', (code) => {
      const line = stdout.split('\n').find((l) => l.startsWith('RESULT '));
      resolve({ code: code ?? -1, result: line ? (JSON.parse(line.slice(7)) as Record<string, unknown>) : undefined, stdout });
    });
  });
}

/** The batch the relay's SQS event source mapping gives it: each record's body is the event the rule delivered. */
const sqsBatch = (...events: unknown[]) => ({ Records: events.map((e, i) => ({ messageId: `m-${i}`, body: JSON.stringify(e) })) });

async function queue(name: string): Promise<{ url: string; arn: string }> {
  const sqs = new SQSClient(aws.clientConfig(REGION));
  const { QueueUrl } = await sqs.send(new CreateQueueCommand({ QueueName: name }));
  const attrs = await sqs.send(new GetQueueAttributesCommand({ QueueUrl, AttributeNames: ['QueueArn'] }));
  return { url: QueueUrl as string, arn: attrs.Attributes?.QueueArn as string };
}

async function receive(url: string): Promise<Array<Record<string, unknown>>> {
  const sqs = new SQSClient(aws.clientConfig(REGION));
  const out = await sqs.send(new ReceiveMessageCommand({ QueueUrl: url, MaxNumberOfMessages: 10, WaitTimeSeconds: 1 }));
  return (out.Messages ?? []).map((m) => JSON.parse(m.Body ?? '{}') as Record<string, unknown>);
}

/** A subscriber of the hub topic filtered on `account_id`; returns its reader. */
async function filteredSubscriber(name: string, accounts: string[]) {
  const q = await queue(name);
  await new SNSClient(aws.clientConfig(REGION)).send(
    new SubscribeCommand({
      TopicArn: d.topicArn,
      Protocol: 'sqs',
      Endpoint: q.arn,
      Attributes: { FilterPolicy: JSON.stringify({ account_id: accounts }) },
    }),
  );
  return () => receive(q.url) as Promise<Array<{ Subject: string; MessageAttributes?: Record<string, { Value: string }> }>>;
}

/** The hub's rule on the default bus that takes its alarms' ALARM to the relay, its pattern resolved. */
function hubAlarmRulePattern(): string {
  const names: Record<string, string> = {};
  for (const [id, a] of Object.entries(template.findResources('AWS::CloudWatch::Alarm'))) names[id] = a.Properties.AlarmName as string;
  const rule = template.findResources('AWS::Events::Rule')[logicalIdOf(template, 'AWS::Events::Rule', 'MonitoringAlarmRule')];
  return JSON.stringify(resolveTemplateValue(rule?.Properties.EventPattern, { refs: names, accountId: hub, region: REGION }));
}

const heartbeatMetric = (run: Invocation): unknown =>
  run.stdout
    .split('\n')
    .filter((l) => l.includes(`"${COVERAGE_CHECK_COMPLETED}"`))
    .map((l) => (JSON.parse(l) as Record<string, unknown>)[COVERAGE_CHECK_COMPLETED])[0];

beforeAll(async () => {
  await aws.reset();
  hub = aws.accountId;
  // The hub is the management account here; the member is an account of its organization.
  const org = new OrganizationsClient(aws.clientConfig('us-east-1'));
  await org.send(new CreateOrganizationCommand({ FeatureSet: 'ALL' }));
  member = (await org.send(new CreateAccountCommand({ AccountName: 'member-a', Email: 'member-a@example.com' }))).CreateAccountStatus
    ?.AccountId as string;
  d = await deploy(aws, { regions: [REGION], homeRegion: REGION, securityHubRegions: [] });
  for (const TableName of [TABLE, BUDGET_TABLE]) {
    await new DynamoDBClient(aws.clientConfig(REGION)).send(
      new CreateTableCommand({
        TableName,
        AttributeDefinitions: [{ AttributeName: 'pk', AttributeType: 'S' }],
        KeySchema: [{ AttributeName: 'pk', KeyType: 'HASH' }],
        BillingMode: 'PAY_PER_REQUEST',
      }),
    );
  }
  // The StackSet targets the organization's root: the coverage check walks it.
  const root = (await org.send(new ListRootsCommand({}))).Roots?.[0]?.Id as string;
  const synthesized = synthHub({ env: { account: hub, region: REGION }, organizationUnitIds: [root] });
  template = synthesized.template;
  prefix = synthesized.stack.alertTopic.alarmNamePrefix;
});

describe("the hub's own alarms, end to end", () => {
  it("relays a hub alarm from the hub's default bus to a subscriber filtered on the hub account, with account_id = the hub account", async () => {
    const relayInput = await queue('hub-relay-input');
    const events = new EventBridgeClient(aws.clientConfig(REGION));
    await events.send(new PutRuleCommand({ Name: 'hub-alarms', EventPattern: hubAlarmRulePattern() }));
    await events.send(new PutTargetsCommand({ Rule: 'hub-alarms', Targets: [{ Id: 'relay', Arn: relayInput.arn }] }));
    const hubTeam = await filteredSubscriber('hub-team', [hub]);
    const memberTeam = await filteredSubscriber('member-team', [member]);
    const name = `${prefix}CoverageHeartbeat`;

    // CloudWatch puts the state change on the hub account's default bus.
    await events.send(
      new PutEventsCommand({
        Entries: [
          {
            Source: 'aws.cloudwatch',
            DetailType: 'CloudWatch Alarm State Change',
            Resources: [`arn:aws:cloudwatch:${REGION}:${hub}:alarm:${name}`],
            Detail: JSON.stringify({
              alarmName: name,
              state: { value: 'ALARM', reason: 'Threshold Crossed: no datapoints were received for 2 periods.' },
              previousState: { value: 'OK', reason: 'before' },
            }),
          },
        ],
      }),
    );
    // The hub's rule matched it. moto leaves out the envelope's `account`; AWS sets it to the sender's
    // account, here the hub's (the caller of PutEvents), and the relay trusts only that.
    const delivered = (await receive(relayInput.url)).map((e): Record<string, unknown> => ({ ...e, account: e.account ?? hub }));
    expect(delivered.map((e) => (e.detail as { alarmName?: string }).alarmName)).toEqual([name]);
    const run = await invoke('relay', 'RelayFunction', sqsBatch(delivered[0]));

    expect(run.result).toEqual({ batchItemFailures: [] });
    const [alert, ...more] = await d.drainAlerts();
    expect(more).toEqual([]);
    expect(alert?.subject).toBe(`Aurora Backtrack checker alarm CoverageHeartbeat is ALARM (account ${hub})`);
    expect(alert?.attributes).toEqual({
      account_id: { Type: 'String', Value: hub },
      severity: { Type: 'String', Value: 'HIGH' },
      event: { Type: 'String.Array', Value: '["alarm"]' },
    });
    expect((await hubTeam()).map((m) => [m.Subject, m.MessageAttributes?.account_id?.Value])).toEqual([[alert?.subject, hub]]);
    expect(await memberTeam()).toEqual([]);
  });

  it("drops an alarm named like the hub's when it comes from a member account: a member cannot speak as the hub", async () => {
    const name = `${prefix}CoverageHeartbeat`;
    const forged = {
      version: '0',
      id: 'e-forged',
      'detail-type': 'CloudWatch Alarm State Change',
      source: 'aws.cloudwatch',
      account: member,
      time: '2026-12-06T05:00:00Z',
      region: REGION,
      resources: [`arn:aws:cloudwatch:${REGION}:${member}:alarm:${name}`],
      detail: { alarmName: name, state: { value: 'OK', reason: 'all fine' }, previousState: { value: 'ALARM' } },
    };

    const run = await invoke('relay', 'RelayFunction', sqsBatch(forged));

    expect([run.code, run.result]).toEqual([0, { batchItemFailures: [] }]);
    expect(run.stdout).toContain(`of account ${member} is not a member checker's alarm`);
    expect(await d.drainAlerts()).toEqual([]);
  });
});

describe('the coverage heartbeat, end to end', () => {
  it('writes CoverageCheckCompleted for each scheduled check that completes, and not for a report or the digest', async () => {
    const report = await invoke('coverage', 'CoverageFunction', {
      version: '0',
      id: 'e-report',
      source: RUN_COMPLETED.source,
      'detail-type': RUN_COMPLETED.detailType,
      account: member,
      time: new Date().toISOString(),
      region: REGION,
      resources: [],
      detail: {
        accountId: member,
        finishedAt: new Date().toISOString(),
        degraded: 0,
        verdicts: { failed: 0, warning: 0, passed: 1, notAvailable: 0 },
      },
    });
    const check = await invoke('coverage', 'CoverageFunction', { mode: 'check' });
    const digest = await invoke('coverage', 'CoverageFunction', { mode: 'digest' });

    expect([report.code, check.code, digest.code]).toEqual([0, 0, 0]);
    expect(check.result).toMatchObject({ coverage: { active: 2 } });
    expect(heartbeatMetric(check)).toBe(1);
    expect([heartbeatMetric(report), heartbeatMetric(digest)]).toEqual([undefined, undefined]);
    await d.drainAlerts();
  });
});

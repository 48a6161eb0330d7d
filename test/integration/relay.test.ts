/**
 * The hub's alarm relay end to end: the bundled relay (dist/alarm-relay/index.js, the bytes the hub
 * deploys) is invoked, as the rule on the hub's bus invokes it, with a member checker's alarm state
 * change (EventBridge's `account`: the member), and publishes to the hub topic on moto behind the
 * AWS-behaviour proxy. The message is read back from the topic's subscribers: the unfiltered one,
 * a team's subscription filtered on its account (`account_id`), and one filtered on another account.
 */
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { CreateAccountCommand, CreateOrganizationCommand, OrganizationsClient } from '@aws-sdk/client-organizations';
import { PublishCommand, SNSClient, SubscribeCommand } from '@aws-sdk/client-sns';
import { CreateQueueCommand, GetQueueAttributesCommand, ReceiveMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import type { EmulatedAws } from '../../emulator';
import { deploy, type Deployment } from '../../emulator/deployment';
import { alarmRelayEnvironment } from '../../lambda/hub/alarm-relay-settings';
import { MEMBER_ALARM_NAME_PREFIX } from '../../lib/hub/member-roles';
import { useEmulatedAws } from './emulated-account';
import { REPO_ROOT } from './shells';

jest.setTimeout(180_000);

const REGION = 'eu-west-1';
const BUNDLE = path.join(REPO_ROOT, 'dist', 'alarm-relay', 'index.js');

let aws: EmulatedAws;
useEmulatedAws((started) => (aws = started));

let d: Deployment;
let member: string;
let teamQueue: () => Promise<Array<{ Subject: string; MessageAttributes?: Record<string, { Type: string; Value: string }> }>>;
let otherTeamQueue: () => Promise<unknown[]>;

interface Invocation {
  code: number;
  result: Record<string, unknown> | undefined;
  stdout: string;
}

/** Runs the bundled relay once in a child process with the hub's function environment. */
function invoke(event: unknown, topicArn = d.topicArn): Promise<Invocation> {
  if (!fs.existsSync(BUNDLE)) throw new Error('dist/alarm-relay/index.js is missing: run `npm run build` first');
  const script = `require(${JSON.stringify(BUNDLE)}).handler(JSON.parse(process.argv[1])).then(
    (r) => process.stdout.write('\\nRESULT ' + JSON.stringify(r) + '\\n'),
    (e) => { process.stdout.write('\\nERROR ' + e.message + '\\n'); process.exitCode = 1; });`;
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) if (!k.startsWith('AWS_') && !k.startsWith('POWERTOOLS_')) env[k] = v;
  Object.assign(env, aws.env(REGION), alarmRelayEnvironment({ topicArn, alarmNamePrefix: MEMBER_ALARM_NAME_PREFIX }));
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
  teamQueue = await filteredSubscriber('team-a', [member]);
  otherTeamQueue = await filteredSubscriber('team-b', ['999988887777']);
});

describe('hub alarm relay, end to end', () => {
  it("publishes a member's ALARM to the hub topic with account_id = the member, and a team filtered on that account receives it", async () => {
    const name = `${MEMBER_ALARM_NAME_PREFIX}Heartbeat`;

    const run = await invoke(stateChange(member, name, 'ALARM', 'Threshold Crossed: no datapoints were received for 2 periods.'));

    expect(run.code).toBe(0);
    expect(run.result).toMatchObject({ relayed: { account: member, alarmName: name, state: 'ALARM' } });
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

  it('publishes the return to OK as alarm-recovered, INFORMATIONAL, with account_id', async () => {
    const run = await invoke(stateChange(member, `${MEMBER_ALARM_NAME_PREFIX}Heartbeat`, 'OK', 'Threshold Crossed: 1 datapoint [1.0].'));

    expect(run.code).toBe(0);
    const alerts = await d.drainAlerts();
    expect(alerts.map((a) => [a.subject, a.attributes.account_id?.Value, a.attributes.severity?.Value, a.attributes.event?.Value])).toEqual(
      [[`Aurora Backtrack checker alarm Heartbeat is OK (account ${member})`, member, 'INFORMATIONAL', '["alarm-recovered"]']],
    );
    expect(await teamQueue()).toHaveLength(1);
  });

  it("a message without account_id, as an EventBridge SNS target delivers it, does not reach the team's filtered subscription", async () => {
    await new SNSClient(aws.clientConfig(REGION)).send(new PublishCommand({ TopicArn: d.topicArn, Message: '{"version":"1.0"}' }));

    expect(await d.drainAlerts()).toHaveLength(1);
    expect(await teamQueue()).toEqual([]);
  });

  it("drops an alarm that is not a member checker's, and a malformed event, with a log line and without an error", async () => {
    const foreign = await invoke(stateChange(member, 'ServerCpuTooHigh', 'ALARM', 'cpu'));
    const malformed = await invoke({ source: 'aws.cloudwatch', 'detail-type': 'CloudWatch Alarm State Change', account: 'me' });

    expect([foreign.code, malformed.code]).toEqual([0, 0]);
    expect(foreign.result).toEqual({
      dropped: `alarm "ServerCpuTooHigh" of account ${member} is not a member checker's alarm (${MEMBER_ALARM_NAME_PREFIX}<Name>)`,
    });
    expect(foreign.stdout).toContain('alarm relay: event dropped, not relayed: alarm \\"ServerCpuTooHigh\\"');
    expect(malformed.result).toEqual({ dropped: 'account "me" is not 12 digits' });
    expect(await d.drainAlerts()).toEqual([]);
  });

  it('fails loudly (the function errors, so Lambda retries and the Errors alarm fires) when the topic does not take the message', async () => {
    const missing = `arn:aws:sns:${REGION}:${aws.accountId}:no-such-topic`;

    const run = await invoke(stateChange(member, `${MEMBER_ALARM_NAME_PREFIX}Errors`, 'ALARM', 'errors'), missing);

    expect(run.code).toBe(1);
    expect(run.stdout).toMatch(
      new RegExp(
        `ERROR alarm ${MEMBER_ALARM_NAME_PREFIX}Errors \\(ALARM\\) of account ${member} was not published to ${missing} \\(NotFound`,
      ),
    );
    expect(await d.drainAlerts()).toEqual([]);
  });
});

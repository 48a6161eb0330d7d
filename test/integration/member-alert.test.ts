/**
 * A member checker's alert reaching the organization's topic in the hub account, end to end: the
 * hub's topic, key and event bus are made in the emulator with the policies of the synthesized hub
 * stack (lib/hub, resolved to the emulator's ARNs), the AWS-behaviour proxy judges the
 * cross-account Publish and PutEvents by them (moto does not) and stamps each event with its
 * sender's account as EventBridge does. The bundled handler (invoke-local) runs in a member account
 * with the environment of the member template's function and the credentials of the member's
 * function role, taken with STS AssumeRole as Lambda does. The hub's rules (their patterns from the
 * template) put the alerts on the relay's queue; the bundled relay is handed what the queue holds,
 * in the shape SQS gives it, with the hub template's function environment and a role of the hub.
 */
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import {
  CreateEventBusCommand,
  EventBridgeClient,
  PutEventsCommand,
  PutPermissionCommand,
  PutRuleCommand,
  PutTargetsCommand,
} from '@aws-sdk/client-eventbridge';
import { CreateTableCommand, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { CreateRoleCommand, IAMClient } from '@aws-sdk/client-iam';
import {
  CreateOrganizationalUnitCommand,
  CreateOrganizationCommand,
  DescribeOrganizationCommand,
  ListRootsCommand,
  MoveAccountCommand,
  OrganizationsClient,
} from '@aws-sdk/client-organizations';
import { CreateTopicCommand, PublishCommand, SNSClient, SetTopicAttributesCommand, SubscribeCommand } from '@aws-sdk/client-sns';
import {
  CreateQueueCommand,
  DeleteMessageBatchCommand,
  GetQueueAttributesCommand,
  ReceiveMessageCommand,
  SQSClient,
} from '@aws-sdk/client-sqs';
import { AssumeRoleCommand, STSClient } from '@aws-sdk/client-sts';
import type { EmulatedAws } from '../../emulator';
import { deploy, type Deployment } from '../../emulator/deployment';
import { createMemberAccount, inAccount, seedAccountClusters } from '../../emulator/organization';
import { V3, type SeedCluster } from '../../emulator/sample-account';
import { onlyResource, resolveTemplateValue, type TemplateResources, type TemplateValues } from '../../emulator/template-values';
import { RUN_COMPLETED, type RunCompletedDetail } from '../../lambda/core/coverage';
import { MEMBER_FUNCTION_ROLE_NAME } from '../../lib/hub/member-roles';
import { MEMBER_PARAMETERS } from '../../lib/hub/member-template';
import { synthHub } from '../lib/hub/hub-fixture';
import { useEmulatedAws } from './emulated-account';
import { REPO_ROOT, runHandler, type SummaryJson } from './shells';

jest.setTimeout(240_000);

const RELAY_BUNDLE = path.join(REPO_ROOT, 'dist', 'relay', 'index.js');

const REGION = 'eu-west-1';
const GLOBAL = 'us-east-1';
/** An account of no organization. */
const OUTSIDER = '999988887777';
type Credentials = { AccessKeyId: string; SecretAccessKey: string; SessionToken: string };
const FAILING: SeedCluster = {
  region: REGION,
  id: 'payments-v3-off',
  engine: 'aurora-mysql',
  engineVersion: V3,
  expected: { scope: 'in-scope', status: 'FAILED', condition: 'disabled' },
};

let aws: EmulatedAws;
useEmulatedAws((started) => (aws = started));

/** A message as the hub's SQS subscriber receives it (SNS's JSON envelope). */
interface Delivered {
  TopicArn: string;
  Subject: string;
  Message: string;
  MessageAttributes?: Record<string, { Type: string; Value: string }>;
}

interface Hub {
  account: string;
  topicArn: string;
  keyArn: string;
  busArn: string;
  /** Hands what the relay's queue holds to the bundled relay, as the event source mapping would; the messages it took are removed. */
  relay(): Promise<{ code: number; stdout: string; result?: { batchItemFailures: { itemIdentifier: string }[] }; records: number }>;
  /** Messages the hub's subscriber got since the last call (removed from its queue). */
  delivered(): Promise<Delivered[]>;
  /** "Checker run completed" events the hub's bus got since the last call. */
  reports(): Promise<{ detail: RunCompletedDetail }[]>;
}

interface Organization {
  hub: Hub;
  /** The member template's function environment, with its parameters and the state table still to resolve. */
  memberEnvironment: unknown;
  stateTableId: string;
  /** Member account ids by name (payments and analytics under the targeted OU, sandbox outside it). */
  members: Record<'payments' | 'analytics' | 'sandbox', string>;
}

let org: Organization;

/** Every message in the queue, parsed (and removed from it). */
async function drain<T>(sqs: SQSClient, QueueUrl: string): Promise<T[]> {
  const out: T[] = [];
  for (;;) {
    const r = await sqs.send(new ReceiveMessageCommand({ QueueUrl, MaxNumberOfMessages: 10, WaitTimeSeconds: 0 }));
    const messages = r.Messages ?? [];
    if (messages.length === 0) return out;
    out.push(...messages.map((m) => JSON.parse(m.Body ?? '{}') as T));
    const Entries = messages.map((m, i) => ({ Id: String(i), ReceiptHandle: m.ReceiptHandle as string }));
    await sqs.send(new DeleteMessageBatchCommand({ QueueUrl, Entries }));
  }
}

/**
 * KMS CreateKey in `account` with the given key policy, sent as the SDK would (the project has no
 * KMS client: the checker itself never calls KMS).
 */
async function createKey(account: string, policy: unknown, description: string): Promise<string> {
  const res = await fetch(aws.endpoint, {
    method: 'POST',
    headers: {
      authorization: `AWS4-HMAC-SHA256 Credential=test/20260101/${REGION}/kms/aws4_request, SignedHeaders=host, Signature=0`,
      'content-type': 'application/x-amz-json-1.1',
      'x-amz-target': 'TrentService.CreateKey',
      'x-moto-account-id': account,
    },
    body: JSON.stringify({ Policy: JSON.stringify(policy), Description: description }),
  });
  const body = (await res.json()) as { KeyMetadata?: { Arn?: string } };
  if (res.status !== 200 || !body.KeyMetadata?.Arn) throw new Error(`KMS CreateKey failed: HTTP ${res.status} ${JSON.stringify(body)}`);
  return body.KeyMetadata.Arn;
}

/**
 * The organization (the emulator's account as management account, a security account as hub, two
 * members) and the hub's topic, key and event bus as the hub stack makes them: their policies are
 * the synthesized template's, and so is the member function's environment.
 */
async function createHub(): Promise<Organization> {
  const orgs = new OrganizationsClient(aws.clientConfig(GLOBAL));
  await orgs.send(new CreateOrganizationCommand({ FeatureSet: 'ALL' }));
  const organizationId = (await orgs.send(new DescribeOrganizationCommand({}))).Organization?.Id as string;
  const rootId = (await orgs.send(new ListRootsCommand({}))).Roots?.[0]?.Id as string;
  const hubAccount = await createMemberAccount(aws, 'security');
  const members = {
    payments: await createMemberAccount(aws, 'payments'),
    analytics: await createMemberAccount(aws, 'analytics'),
    sandbox: await createMemberAccount(aws, 'sandbox'),
  };
  // The checker targets the prod OU; the sandbox OU is of the same organization, outside the target.
  const ou = async (Name: string) =>
    (await orgs.send(new CreateOrganizationalUnitCommand({ ParentId: rootId, Name }))).OrganizationalUnit?.Id as string;
  const [prod, sandbox] = [await ou('prod'), await ou('sandbox')];
  for (const [account, target] of [
    [members.payments, prod],
    [members.analytics, prod],
    [members.sandbox, sandbox],
  ] as const) {
    await orgs.send(new MoveAccountCommand({ AccountId: account, SourceParentId: rootId, DestinationParentId: target }));
  }

  const { template, member } = synthHub({
    env: { account: hubAccount, region: REGION },
    organizationId,
    organizationUnitIds: [prod],
    config: { regions: [REGION] },
  });
  const t = template.toJSON() as TemplateResources;
  const m = member.toJSON() as TemplateResources;
  const memberFunction = m.Resources[onlyResource(m, 'AWS::Lambda::Function')]?.Properties ?? {};
  const memberEnvironment = (memberFunction.Environment as { Variables?: unknown } | undefined)?.Variables;
  const topicId = onlyResource(t, 'AWS::SNS::Topic');
  const keyId = onlyResource(t, 'AWS::KMS::Key');
  const policyId = onlyResource(t, 'AWS::SNS::TopicPolicy');
  const props = (id: string) => t.Resources[id]?.Properties ?? {};

  const values = (refs: Record<string, string>, attributes: Record<string, string> = {}): TemplateValues => ({
    refs,
    attributes,
    accountId: hubAccount,
    region: REGION,
  });
  const keyPolicy = resolveTemplateValue(props(keyId).KeyPolicy, values({}));
  const keyArn = await createKey(hubAccount, keyPolicy, String(props(keyId).Description));

  const sns = inAccount(new SNSClient(aws.clientConfig(REGION)), hubAccount);
  const name = 'AuroraBacktrackCheckerHub-AlertsAlertTopic';
  const topicArn = `arn:aws:sns:${REGION}:${hubAccount}:${name}`;
  const resolved = (id: string, property: string) =>
    resolveTemplateValue(props(id)[property], values({ [topicId]: topicArn }, { [`${keyId}.Arn`]: keyArn }));
  await sns.send(
    new CreateTopicCommand({
      Name: name,
      Attributes: { DisplayName: String(resolved(topicId, 'DisplayName')), KmsMasterKeyId: String(resolved(topicId, 'KmsMasterKeyId')) },
    }),
  );
  expect(resolved(policyId, 'Topics')).toEqual([topicArn]);
  await sns.send(
    new SetTopicAttributesCommand({
      TopicArn: topicArn,
      AttributeName: 'Policy',
      AttributeValue: JSON.stringify(resolved(policyId, 'PolicyDocument')),
    }),
  );

  // The subscriber (e-mail, Chatbot) stands here as an SQS queue of the hub account.
  const sqs = inAccount(new SQSClient(aws.clientConfig(REGION)), hubAccount);
  const { QueueUrl } = await sqs.send(new CreateQueueCommand({ QueueName: 'hub-alert-subscriber' }));
  const attrs = await sqs.send(new GetQueueAttributesCommand({ QueueUrl, AttributeNames: ['QueueArn'] }));
  await sns.send(new SubscribeCommand({ TopicArn: topicArn, Protocol: 'sqs', Endpoint: attrs.Attributes?.QueueArn }));
  const delivered = () => drain<Delivered>(sqs, QueueUrl as string);

  // The hub's bus with its policy from the template; a rule copies the reports into a queue to read.
  const busId = onlyResource(t, 'AWS::Events::EventBus');
  const busName = String(props(busId).Name);
  const busArn = `arn:aws:events:${REGION}:${hubAccount}:event-bus/${busName}`;
  const events = inAccount(new EventBridgeClient(aws.clientConfig(REGION)), hubAccount);
  await events.send(new CreateEventBusCommand({ Name: busName }));
  const busPolicyId = onlyResource(t, 'AWS::Events::EventBusPolicy');
  const busValues = values({ [busId]: busName }, { [`${busId}.Arn`]: busArn });
  expect(resolveTemplateValue(props(busPolicyId).EventBusName, busValues)).toBe(busName);
  const statement = resolveTemplateValue(props(busPolicyId).Statement, busValues);
  await events.send(
    new PutPermissionCommand({ EventBusName: busName, Policy: JSON.stringify({ Version: '2012-10-17', Statement: [statement] }) }),
  );
  const reportQueue = await sqs.send(new CreateQueueCommand({ QueueName: 'hub-reports' }));
  const reportQueueArn = (await sqs.send(new GetQueueAttributesCommand({ QueueUrl: reportQueue.QueueUrl, AttributeNames: ['QueueArn'] })))
    .Attributes?.QueueArn;
  await events.send(
    new PutRuleCommand({
      Name: 'reports',
      EventBusName: busName,
      EventPattern: JSON.stringify({ source: [RUN_COMPLETED.source], 'detail-type': [RUN_COMPLETED.detailType] }),
    }),
  );
  await events.send(new PutTargetsCommand({ Rule: 'reports', EventBusName: busName, Targets: [{ Id: 'queue', Arn: reportQueueArn }] }));
  const reports = () => drain<{ detail: RunCompletedDetail }>(sqs, reportQueue.QueueUrl as string);

  // The relay's queue, fed by the hub template's rules (their patterns as synthesized).
  const relayQueue = await sqs.send(new CreateQueueCommand({ QueueName: 'hub-relay' }));
  const relayQueueArn = (await sqs.send(new GetQueueAttributesCommand({ QueueUrl: relayQueue.QueueUrl, AttributeNames: ['QueueArn'] })))
    .Attributes?.QueueArn;
  for (const id of ['RelayAlertRule', 'RelayAlarmRule']) {
    const pattern = props(onlyResource(t, 'AWS::Events::Rule', id)).EventPattern;
    await events.send(new PutRuleCommand({ Name: id, EventBusName: busName, EventPattern: JSON.stringify(pattern) }));
    await events.send(new PutTargetsCommand({ Rule: id, EventBusName: busName, Targets: [{ Id: 'relay', Arn: relayQueueArn }] }));
  }

  // The relay's budget table and role in the hub account; its environment from the hub template.
  const tableId = onlyResource(t, 'AWS::DynamoDB::Table', 'RelayBudgetTable');
  await inAccount(new DynamoDBClient(aws.clientConfig(REGION)), hubAccount).send(
    new CreateTableCommand({
      TableName: 'relay-budget',
      AttributeDefinitions: [{ AttributeName: 'pk', AttributeType: 'S' }],
      KeySchema: [{ AttributeName: 'pk', KeyType: 'HASH' }],
      BillingMode: 'PAY_PER_REQUEST',
    }),
  );
  const relayProps = props(onlyResource(t, 'AWS::Lambda::Function', 'RelayFunction'));
  const relayEnv = resolveTemplateValue((relayProps.Environment as { Variables: unknown }).Variables, {
    ...values({ [topicId]: topicArn, [tableId]: 'relay-budget' }),
  }) as Record<string, string>;
  const relayCredentials = await roleCredentials(hubAccount, 'AuroraBacktrackCheckerHub-RelayRole');
  const relay = async () => {
    const received = await sqs.send(
      new ReceiveMessageCommand({ QueueUrl: relayQueue.QueueUrl, MaxNumberOfMessages: 10, WaitTimeSeconds: 0 }),
    );
    const messages = received.Messages ?? [];
    if (messages.length === 0) return { code: 0, stdout: '', records: 0 };
    const run = await invokeRelay(
      { Records: messages.map((m) => ({ messageId: m.MessageId as string, body: m.Body as string })) },
      relayEnv,
      relayCredentials,
    );
    const failed = new Set((run.result?.batchItemFailures ?? []).map((f) => f.itemIdentifier));
    const done = messages.filter((m) => !failed.has(m.MessageId as string));
    if (done.length) {
      const Entries = done.map((m, i) => ({ Id: String(i), ReceiptHandle: m.ReceiptHandle as string }));
      await sqs.send(new DeleteMessageBatchCommand({ QueueUrl: relayQueue.QueueUrl, Entries }));
    }
    return { ...run, records: messages.length };
  };

  return {
    hub: { account: hubAccount, topicArn, keyArn, busArn, delivered, reports, relay },
    members,
    memberEnvironment,
    stateTableId: onlyResource(m, 'AWS::DynamoDB::Table'),
  };
}

/** Credentials of a new role `roleName` in `account` (trusting Lambda, as a function role does), assumed as Lambda assumes it. */
async function roleCredentials(account: string, roleName: string): Promise<Credentials> {
  await inAccount(new IAMClient(aws.clientConfig(GLOBAL)), account)
    .send(
      new CreateRoleCommand({
        RoleName: roleName,
        AssumeRolePolicyDocument: JSON.stringify({
          Version: '2012-10-17',
          Statement: [{ Effect: 'Allow', Principal: { Service: 'lambda.amazonaws.com' }, Action: 'sts:AssumeRole' }],
        }),
      }),
    )
    .catch((err: unknown) => {
      // The role of a member checker deployed earlier in the test: assume it again.
      if ((err as { name?: string }).name !== 'EntityAlreadyExistsException') throw err;
    });
  const { Credentials } = await new STSClient(aws.clientConfig(REGION)).send(
    new AssumeRoleCommand({ RoleArn: `arn:aws:iam::${account}:role/${roleName}`, RoleSessionName: 'aurora-backtrack-checker' }),
  );
  return Credentials as Credentials;
}

const asSdkCredentials = (c: Credentials) => ({
  accessKeyId: c.AccessKeyId,
  secretAccessKey: c.SecretAccessKey,
  sessionToken: c.SessionToken,
});

/** Runs the bundled relay once in a child process, with the hub function's environment and the relay role's credentials. */
function invokeRelay(event: unknown, env: Record<string, string>, credentials: Credentials) {
  if (!fs.existsSync(RELAY_BUNDLE)) throw new Error('dist/relay/index.js is missing: run `npm run build` first');
  const script = `require(${JSON.stringify(RELAY_BUNDLE)}).handler(JSON.parse(require('node:fs').readFileSync(0, 'utf8'))).then(
    (r) => process.stdout.write('\\nRESULT ' + JSON.stringify(r) + '\\n'),
    (e) => { process.stdout.write('\\nERROR ' + e.message + '\\n'); process.exitCode = 1; });`;
  const childEnv: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) if (!k.startsWith('AWS_') && !k.startsWith('POWERTOOLS_')) childEnv[k] = v;
  Object.assign(childEnv, aws.env(REGION), env, {
    AWS_ACCESS_KEY_ID: credentials.AccessKeyId,
    AWS_SECRET_ACCESS_KEY: credentials.SecretAccessKey,
    AWS_SESSION_TOKEN: credentials.SessionToken,
  });
  return new Promise<{ code: number; stdout: string; result?: { batchItemFailures: { itemIdentifier: string }[] } }>((resolve, reject) => {
    const child = spawn(process.execPath, ['-e', script], { cwd: REPO_ROOT, env: childEnv });
    child.stdin.end(JSON.stringify(event));
    let stdout = '';
    child.stdout.on('data', (b: Buffer) => (stdout += b.toString()));
    child.stderr.on('data', (b: Buffer) => (stdout += b.toString()));
    child.on('error', reject);
    child.on('close', (code) => {
      const line = stdout.split('\n').find((l) => l.startsWith('RESULT '));
      resolve({
        code: code ?? -1,
        stdout,
        ...(line ? { result: JSON.parse(line.slice(7)) as { batchItemFailures: { itemIdentifier: string }[] } } : {}),
      });
    });
  });
}

/**
 * The member stack's resources in `account` (state table, Security Hub, a failing cluster) and the
 * environment its function gets from the StackSet's template (the hub's topic and bus as the
 * template's parameters), with the credentials of `roleName` in that account (trusting Lambda, as
 * the stack's function role does), assumed as Lambda assumes it.
 */
async function memberChecker(
  account: string,
  roleName: string,
): Promise<{ d: Deployment; env: Record<string, string>; credentials: Credentials }> {
  const d = await deploy(aws, { regions: [REGION], homeRegion: REGION, account });
  await seedAccountClusters(aws, account, [FAILING]);
  const credentials = await roleCredentials(account, roleName);
  const functionEnvironment = resolveTemplateValue(org.memberEnvironment, {
    refs: { [MEMBER_PARAMETERS.hubEventBusArn]: org.hub.busArn, [org.stateTableId]: d.tableName },
    accountId: account,
    region: REGION,
  }) as Record<string, string>;
  return {
    d,
    credentials,
    env: {
      ...functionEnvironment,
      AWS_ACCESS_KEY_ID: credentials.AccessKeyId,
      AWS_SECRET_ACCESS_KEY: credentials.SecretAccessKey,
      AWS_SESSION_TOKEN: credentials.SessionToken,
    },
  };
}

/** The Degradations metric of the run (the Errors-free alarm on checker problems), from its EMF line. */
function degradationsMetric(stdout: string): number[] {
  return stdout
    .split('\n')
    .filter((l) => l.includes('"Degradations"'))
    .map((l) => (JSON.parse(l) as { Degradations: number }).Degradations);
}

/** Publish requests to the hub's topic that reached the proxy since the test began. */
let publishedBefore = 0;
const publishesToHub = () => aws.proxy.published.slice(publishedBefore).filter((p) => p.topicArn === org.hub.topicArn);

beforeAll(async () => {
  await aws.reset();
  org = await createHub();
}, 240_000);

beforeEach(() => {
  publishedBefore = aws.proxy.published.length;
});

/** What each subscriber message says its account is. */
const accountIds = (messages: Delivered[]) => messages.map((m) => m.MessageAttributes?.account_id?.Value);

describe("a member checker's alert on the organization's topic", () => {
  it("goes through the hub's bus, queue and relay to the subscribers with the member's account_id, once (and the run is reported)", async () => {
    const member = org.members.payments;
    const { d, env } = await memberChecker(member, MEMBER_FUNCTION_ROLE_NAME);

    const first = await runHandler(d, 'scan', env);

    const summary = first.json.result as unknown as SummaryJson;
    expect(first.json.ok).toBe(true);
    expect(summary.accountId).toBe(member);
    expect(summary.totals).toMatchObject({ failed: 1 });
    expect(summary.degraded).toEqual([]);
    expect(summary.alert).toMatchObject({ published: true });
    expect(publishesToHub()).toEqual([]); // the member never calls SNS
    expect(degradationsMetric(first.stdout)).toEqual([0]);
    expect(await d.drainAlerts()).toEqual([]);
    expect((await org.hub.reports()).map((r) => r.detail.accountId)).toEqual([member]);

    const relayed = await org.hub.relay();

    expect(relayed).toMatchObject({ code: 0, records: 1, result: { batchItemFailures: [] } });
    const delivered = await org.hub.delivered();
    expect(delivered.map((m) => [m.TopicArn, m.Subject])).toEqual([[org.hub.topicArn, summary.alert?.subject]]);
    expect(accountIds(delivered)).toEqual([member]);

    const second = await runHandler(d, 'scan', env);

    expect(second.json.ok).toBe(true);
    expect((second.json.result as unknown as SummaryJson).alert).toBeUndefined();
    expect(await org.hub.relay()).toMatchObject({ records: 0 });
    expect(await org.hub.delivered()).toEqual([]);
    expect((await org.hub.reports()).map((r) => r.detail.accountId)).toEqual([member]);
  });

  it("is published under the sender's account when the event's detail claims another account", async () => {
    const sender = org.members.analytics;
    const credentials = await roleCredentials(sender, MEMBER_FUNCTION_ROLE_NAME);
    const bus = new EventBridgeClient({ ...aws.clientConfig(REGION), credentials: asSdkCredentials(credentials) });
    const content = { textType: 'client-markdown', title: '3 fixed', description: 'All fixed.' };
    const forged = {
      subject: 'Aurora Backtrack: 3 fixed',
      default: JSON.stringify({
        version: '1.0',
        source: 'custom',
        content,
        metadata: { additionalContext: { accountId: org.members.payments } },
      }),
      email: `Aurora Backtrack Checker — account ${org.members.payments}: 3 fixed`,
      severity: 'INFORMATIONAL',
      event: ['fixed'],
      accountId: org.members.payments,
      attributes: { accountId: org.members.payments },
    };

    await bus.send(
      new PutEventsCommand({
        Entries: [
          { EventBusName: org.hub.busArn, Source: 'aurora-backtrack-checker', DetailType: 'Checker alert', Detail: JSON.stringify(forged) },
        ],
      }),
    );
    await org.hub.relay();

    const delivered = await org.hub.delivered();
    expect(accountIds(delivered)).toEqual([sender]);
    // The Chatbot card (what SQS, like Chatbot, receives) names the sender too, not the account the detail claimed.
    const card = JSON.parse(delivered[0]?.Message ?? '{}') as { metadata?: { additionalContext?: { accountId?: string } } };
    expect(card.metadata?.additionalContext?.accountId).toBe(sender);
  });

  it("is refused with AuthorizationError (403) when a member's own function role publishes straight to the hub topic", async () => {
    const credentials = await roleCredentials(org.members.payments, MEMBER_FUNCTION_ROLE_NAME);
    const sns = new SNSClient({ ...aws.clientConfig(REGION), credentials: asSdkCredentials(credentials) });

    const publish = sns.send(new PublishCommand({ TopicArn: org.hub.topicArn, Message: 'Aurora Backtrack: 3 fixed' }));

    await expect(publish).rejects.toMatchObject({ name: 'AuthorizationErrorException', $metadata: { httpStatusCode: 403 } });
    expect(await org.hub.delivered()).toEqual([]);
  });

  it("is refused by the hub's bus for the function role's own name in an account of the organization outside the targeted OUs", async () => {
    const member = org.members.sandbox;
    const { d, env } = await memberChecker(member, MEMBER_FUNCTION_ROLE_NAME);

    const run = await runHandler(d, 'scan', env);

    const summary = run.json.result as unknown as SummaryJson;
    expect(run.json.ok).toBe(true);
    expect(summary.alert).toMatchObject({ published: false });
    expect(summary.alert?.error).toBe(
      `AccessDeniedException: User: arn:aws:sts::${member}:assumed-role/${MEMBER_FUNCTION_ROLE_NAME}/aurora-backtrack-checker is not authorized to perform: ` +
        `events:PutEvents on resource: ${org.hub.busArn} because no resource-based policy allows the events:PutEvents action`,
    );
    expect(summary.degraded.map((x) => x.key)).toEqual(['hub-not-told']);
    expect(await org.hub.relay()).toMatchObject({ records: 0 });
    expect(await org.hub.reports()).toEqual([]);
  });

  it('is refused by the bus for a role of another name in a member account; the run says the alert was not delivered and the next run tries again', async () => {
    const member = org.members.analytics;
    const roleName = `${MEMBER_FUNCTION_ROLE_NAME}-Staging`;
    const { d, env } = await memberChecker(member, roleName);

    const run = await runHandler(d, 'scan', env);

    const summary = run.json.result as unknown as SummaryJson;
    expect(run.json.ok).toBe(true);
    expect(summary.totals).toMatchObject({ failed: 1 });
    expect(summary.alert).toMatchObject({ published: false });
    expect(summary.alert?.error).toContain(
      `AccessDeniedException: User: arn:aws:sts::${member}:assumed-role/${roleName}/aurora-backtrack-checker is not authorized to perform: events:PutEvents`,
    );
    expect(summary.degraded.map((x) => x.key)).toEqual(['hub-not-told']);
    expect(degradationsMetric(run.stdout)).toEqual([2]);
    expect(await org.hub.relay()).toMatchObject({ records: 0 });
    expect(await org.hub.reports()).toEqual([]);

    // The alert that did not reach anyone is not forgotten: the next run sends it again.
    const again = await runHandler(d, 'scan', env);

    expect((again.json.result as unknown as SummaryJson).alert).toMatchObject({ published: false, subject: summary.alert?.subject });
    expect(await org.hub.delivered()).toEqual([]);
  });

  it("is refused for the function role's own name in an account outside the organization", async () => {
    const { d, env } = await memberChecker(OUTSIDER, MEMBER_FUNCTION_ROLE_NAME);

    const run = await runHandler(d, 'scan', env);

    const summary = run.json.result as unknown as SummaryJson;
    expect(run.json.ok).toBe(true);
    expect(summary.accountId).toBe(OUTSIDER);
    expect(summary.alert).toMatchObject({ published: false });
    expect(summary.alert?.error).toMatch(
      new RegExp(`^AccessDeniedException: User: arn:aws:sts::${OUTSIDER}:assumed-role/${MEMBER_FUNCTION_ROLE_NAME}/\\S+ is not authorized`),
    );
    expect(summary.degraded.map((x) => x.key)).toEqual(['hub-not-told']);
    expect(await org.hub.relay()).toMatchObject({ records: 0 });
    expect(await org.hub.reports()).toEqual([]);
  });
});

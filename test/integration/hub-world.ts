/**
 * The organization's hub on the emulator for the member alert tests: the synthesized hub template's
 * topic, key, bus and their policies, the relay's queue fed by the template's rules, its budget
 * table, and the bundled relay handed what the queue holds in the shape SQS gives it.
 */
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import {
  CreateEventBusCommand,
  EventBridgeClient,
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
import { CreateTopicCommand, SNSClient, SetTopicAttributesCommand, SubscribeCommand } from '@aws-sdk/client-sns';
import {
  CreateQueueCommand,
  DeleteMessageBatchCommand,
  GetQueueAttributesCommand,
  ReceiveMessageCommand,
  SQSClient,
} from '@aws-sdk/client-sqs';
import { AssumeRoleCommand, STSClient } from '@aws-sdk/client-sts';
import type { EmulatedAws } from '../../emulator';
import { createMemberAccount, inAccount } from '../../emulator/organization';
import { onlyResource, resolveTemplateValue, type TemplateResources, type TemplateValues } from '../../emulator/template-values';
import { RUN_COMPLETED, type RunCompletedDetail } from '../../lambda/core/coverage';
import { synthHub } from '../lib/hub/hub-fixture';
import { REPO_ROOT } from './shells';

export const REGION = 'eu-west-1';
export const GLOBAL = 'us-east-1';
const RELAY_BUNDLE = path.join(REPO_ROOT, 'dist', 'relay', 'index.js');
export type Credentials = { AccessKeyId: string; SecretAccessKey: string; SessionToken: string };

/** A message as the hub's SQS subscriber receives it (SNS's JSON envelope). */
export interface Delivered {
  TopicArn: string;
  Subject: string;
  Message: string;
  MessageAttributes?: Record<string, { Type: string; Value: string }>;
}

export interface Hub {
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

export interface Organization {
  hub: Hub;
  /** The member template's function environment, with its parameters and the state table still to resolve. */
  memberEnvironment: unknown;
  stateTableId: string;
  /** Member account ids by name (payments and analytics under the targeted OU, sandbox outside it). */
  members: Record<'payments' | 'analytics' | 'sandbox', string>;
}

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
async function createKey(aws: EmulatedAws, account: string, policy: unknown, description: string): Promise<string> {
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
export async function createHub(aws: EmulatedAws): Promise<Organization> {
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
  const keyArn = await createKey(aws, hubAccount, keyPolicy, String(props(keyId).Description));

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
  const relayCredentials = await roleCredentials(aws, hubAccount, 'AuroraBacktrackCheckerHub-RelayRole');
  const relay = async () => {
    const received = await sqs.send(
      new ReceiveMessageCommand({ QueueUrl: relayQueue.QueueUrl, MaxNumberOfMessages: 10, WaitTimeSeconds: 0 }),
    );
    const messages = received.Messages ?? [];
    if (messages.length === 0) return { code: 0, stdout: '', records: 0 };
    const run = await invokeRelay(
      aws,
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
export async function roleCredentials(aws: EmulatedAws, account: string, roleName: string): Promise<Credentials> {
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

export const asSdkCredentials = (c: Credentials) => ({
  accessKeyId: c.AccessKeyId,
  secretAccessKey: c.SecretAccessKey,
  sessionToken: c.SessionToken,
});

/** Runs the bundled relay once in a child process, with the hub function's environment and the relay role's credentials. */
function invokeRelay(aws: EmulatedAws, event: unknown, env: Record<string, string>, credentials: Credentials) {
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

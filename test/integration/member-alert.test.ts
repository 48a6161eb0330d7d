/**
 * A member checker's alert reaching the organization's topic in the hub account, end to end: the
 * hub's topic, key and event bus are made in the emulator with the policies of the synthesized hub
 * stack (lib/hub, resolved to the emulator's ARNs), the AWS-behaviour proxy judges the
 * cross-account Publish and PutEvents by them (moto does not), and the bundled handler (invoke-local) runs in a member account
 * with the environment of the member template's function and the credentials of the member's
 * function role, taken with STS AssumeRole as Lambda does.
 */
import {
  CreateEventBusCommand,
  EventBridgeClient,
  PutPermissionCommand,
  PutRuleCommand,
  PutTargetsCommand,
} from '@aws-sdk/client-eventbridge';
import { CreateRoleCommand, IAMClient } from '@aws-sdk/client-iam';
import {
  CreateOrganizationCommand,
  DescribeOrganizationCommand,
  ListRootsCommand,
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
import { deploy, type Deployment } from '../../emulator/deployment';
import { createMemberAccount, inAccount, seedAccountClusters } from '../../emulator/organization';
import { V3, type SeedCluster } from '../../emulator/sample-account';
import { onlyResource, resolveTemplateValue, type TemplateResources, type TemplateValues } from '../../emulator/template-values';
import { RUN_COMPLETED, type RunCompletedDetail } from '../../lambda/core/coverage';
import { MEMBER_FUNCTION_ROLE_NAME } from '../../lib/hub/member-roles';
import { MEMBER_PARAMETERS } from '../../lib/hub/member-template';
import { synthHub } from '../lib/hub/hub-fixture';
import { useEmulatedAws } from './emulated-account';
import { runHandler, type SummaryJson } from './shells';

jest.setTimeout(240_000);

const REGION = 'eu-west-1';
const GLOBAL = 'us-east-1';
/** An account of no organization. */
const OUTSIDER = '999988887777';
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
  MessageAttributes?: Record<string, { Type: string; Value: string }>;
}

interface Hub {
  account: string;
  topicArn: string;
  keyArn: string;
  busArn: string;
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
  /** Member account ids by name. */
  members: Record<'payments' | 'analytics', string>;
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
  const members = { payments: await createMemberAccount(aws, 'payments'), analytics: await createMemberAccount(aws, 'analytics') };

  const { template, member } = synthHub({
    env: { account: hubAccount, region: REGION },
    organizationId,
    organizationUnitIds: [rootId],
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

  return {
    hub: { account: hubAccount, topicArn, keyArn, busArn, delivered, reports },
    members,
    memberEnvironment,
    stateTableId: onlyResource(m, 'AWS::DynamoDB::Table'),
  };
}

/**
 * The member stack's resources in `account` (state table, Security Hub, a failing cluster) and the
 * environment its function gets from the StackSet's template (the hub's topic and bus as the
 * template's parameters), with the credentials of `roleName` in that account (trusting Lambda, as
 * the stack's function role does), assumed as Lambda assumes it.
 */
async function memberChecker(account: string, roleName: string): Promise<{ d: Deployment; env: Record<string, string> }> {
  const d = await deploy(aws, { regions: [REGION], homeRegion: REGION, account });
  await seedAccountClusters(aws, account, [FAILING]);
  await inAccount(new IAMClient(aws.clientConfig(GLOBAL)), account).send(
    new CreateRoleCommand({
      RoleName: roleName,
      AssumeRolePolicyDocument: JSON.stringify({
        Version: '2012-10-17',
        Statement: [{ Effect: 'Allow', Principal: { Service: 'lambda.amazonaws.com' }, Action: 'sts:AssumeRole' }],
      }),
    }),
  );
  const { Credentials } = await new STSClient(aws.clientConfig(REGION)).send(
    new AssumeRoleCommand({ RoleArn: `arn:aws:iam::${account}:role/${roleName}`, RoleSessionName: 'aurora-backtrack-checker' }),
  );
  const functionEnvironment = resolveTemplateValue(org.memberEnvironment, {
    refs: {
      [MEMBER_PARAMETERS.hubTopicArn]: org.hub.topicArn,
      [MEMBER_PARAMETERS.hubEventBusArn]: org.hub.busArn,
      [org.stateTableId]: d.tableName,
    },
    accountId: account,
    region: REGION,
  }) as Record<string, string>;
  return {
    d,
    env: {
      ...functionEnvironment,
      AWS_ACCESS_KEY_ID: Credentials?.AccessKeyId as string,
      AWS_SECRET_ACCESS_KEY: Credentials?.SecretAccessKey as string,
      AWS_SESSION_TOKEN: Credentials?.SessionToken as string,
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

describe("a member checker's alert on the organization's topic", () => {
  it("reaches the hub's subscribers from the member's function role, with the member's account_id, once (and the run is reported on the hub's bus)", async () => {
    const member = org.members.payments;
    const { d, env } = await memberChecker(member, MEMBER_FUNCTION_ROLE_NAME);

    const first = await runHandler(d, 'scan', env);

    const summary = first.json.result as unknown as SummaryJson;
    expect(first.json.ok).toBe(true);
    expect(summary.accountId).toBe(member);
    expect(summary.totals).toMatchObject({ failed: 1 });
    expect(summary.degraded).toEqual([]);
    expect(summary.alert).toMatchObject({ published: true });
    const delivered = await org.hub.delivered();
    expect(delivered).toHaveLength(1);
    expect(delivered[0]?.TopicArn).toBe(org.hub.topicArn);
    expect(delivered[0]?.Subject).toBe(summary.alert?.subject);
    expect(delivered[0]?.MessageAttributes?.account_id).toEqual({ Type: 'String', Value: member });
    expect(degradationsMetric(first.stdout)).toEqual([0]);
    expect(await d.drainAlerts()).toEqual([]); // a member has no topic of its own in use
    expect((await org.hub.reports()).map((r) => r.detail.accountId)).toEqual([member]);

    const second = await runHandler(d, 'scan', env);

    expect(second.json.ok).toBe(true);
    expect((second.json.result as unknown as SummaryJson).alert).toBeUndefined();
    expect(await org.hub.delivered()).toEqual([]);
    expect(publishesToHub().map((p) => p.accepted)).toEqual([true]);
    expect((await org.hub.reports()).map((r) => r.detail.accountId)).toEqual([member]);
  });

  it('is refused by the topic policy for a role of another name in a member account; the run says the alert was not delivered and the next run tries again', async () => {
    const member = org.members.analytics;
    const roleName = `${MEMBER_FUNCTION_ROLE_NAME}-Staging`;
    const { d, env } = await memberChecker(member, roleName);

    const run = await runHandler(d, 'scan', env);

    const summary = run.json.result as unknown as SummaryJson;
    expect(run.json.ok).toBe(true);
    expect(summary.totals).toMatchObject({ failed: 1 });
    expect(summary.alert).toMatchObject({ published: false });
    expect(summary.alert?.error).toBe(
      `AuthorizationErrorException: User: arn:aws:sts::${member}:assumed-role/${roleName}/aurora-backtrack-checker is not authorized to perform: ` +
        `SNS:Publish on resource: ${org.hub.topicArn} because no resource-based policy allows the SNS:Publish action`,
    );
    // The hub's bus admits the same role name only, so the hub is not told of the run either.
    expect(summary.degraded.map((x) => x.key)).toEqual(['hub-not-told']);
    expect(summary.degraded[0]?.message).toContain(
      `AccessDeniedException: User: arn:aws:sts::${member}:assumed-role/${roleName}/aurora-backtrack-checker is not authorized to perform: events:PutEvents`,
    );
    expect(degradationsMetric(run.stdout)).toEqual([2]);
    expect(await org.hub.delivered()).toEqual([]);
    expect(await org.hub.reports()).toEqual([]);
    expect(publishesToHub().map((p) => p.accepted)).toEqual([false]);

    // The alert that did not reach anyone is not forgotten: the next run sends it again.
    const again = await runHandler(d, 'scan', env);

    expect((again.json.result as unknown as SummaryJson).alert).toMatchObject({ published: false, subject: summary.alert?.subject });
    expect(publishesToHub().map((p) => p.accepted)).toEqual([false, false]);
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
      new RegExp(
        `^AuthorizationErrorException: User: arn:aws:sts::${OUTSIDER}:assumed-role/${MEMBER_FUNCTION_ROLE_NAME}/\\S+ is not authorized`,
      ),
    );
    expect(summary.degraded.map((x) => x.key)).toEqual(['hub-not-told']);
    expect(degradationsMetric(run.stdout)).toEqual([2]);
    expect(await org.hub.delivered()).toEqual([]);
    expect(await org.hub.reports()).toEqual([]);
    expect(publishesToHub().map((p) => p.accepted)).toEqual([false]);
  });
});

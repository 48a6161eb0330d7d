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
import { EventBridgeClient, PutEventsCommand } from '@aws-sdk/client-eventbridge';
import { PublishCommand, SNSClient } from '@aws-sdk/client-sns';
import type { EmulatedAws } from '../../emulator';
import { deploy, type Deployment } from '../../emulator/deployment';
import { seedAccountClusters } from '../../emulator/organization';
import { V3, type SeedCluster } from '../../emulator/sample-account';
import { resolveTemplateValue } from '../../emulator/template-values';
import { MEMBER_FUNCTION_ROLE_NAME } from '../../lib/hub/member-roles';
import { MEMBER_PARAMETERS } from '../../lib/hub/member-template';
import { useEmulatedAws } from './emulated-account';
import { asSdkCredentials, createHub, REGION, roleCredentials, type Credentials, type Delivered, type Organization } from './hub-world';
import { runHandler, type SummaryJson } from './shells';

jest.setTimeout(240_000);

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

let org: Organization;

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
  const credentials = await roleCredentials(aws, account, roleName);
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
  org = await createHub(aws);
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
    const credentials = await roleCredentials(aws, sender, MEMBER_FUNCTION_ROLE_NAME);
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
    const credentials = await roleCredentials(aws, org.members.payments, MEMBER_FUNCTION_ROLE_NAME);
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

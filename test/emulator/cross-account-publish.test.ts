/**
 * The proxy's cross-account Publish and PutEvents, proven with the real SDK clients against moto: a
 * topic's policy decides what another account may publish (moto alone lets everyone), a bus's
 * policy what another account may put on it (moto alone cannot reach another account's bus), while
 * the owner account's own calls are left as they were.
 */
import { CreateEventBusCommand, EventBridgeClient, PutEventsCommand, PutPermissionCommand } from '@aws-sdk/client-eventbridge';
import { CreateRoleCommand, IAMClient } from '@aws-sdk/client-iam';
import { CreateTopicCommand, PublishCommand, SNSClient, SetTopicAttributesCommand } from '@aws-sdk/client-sns';
import { AssumeRoleCommand, STSClient } from '@aws-sdk/client-sts';
import { startEmulatedAws, type EmulatedAws } from '../../emulator/emulated-aws';
import { workerMoto } from '../worker-moto';
import { inAccount } from '../../emulator/organization';
import { silenceSdkNodeVersionWarning } from '../../lambda/node-warnings';

// The test's SDK clients run on the Node.js of the test run; its support notice is noise here.
silenceSdkNodeVersionWarning();

const REGION = 'eu-west-1';
const PUBLISHER = '210987654321';
const ROLE = 'Publisher';
const ROLE_ARN = `arn:aws:iam::${PUBLISHER}:role/${ROLE}`;

let aws: EmulatedAws;

beforeAll(async () => {
  aws = await startEmulatedAws({ moto: await workerMoto() });
}, 600_000);

afterAll(async () => {
  await aws?.stop();
});

beforeEach(async () => {
  await aws.reset();
});

/** A topic of the emulator's account with the given statements as its policy. */
async function topicWith(statements: unknown[]): Promise<string> {
  const sns = new SNSClient(aws.clientConfig(REGION));
  const { TopicArn } = await sns.send(new CreateTopicCommand({ Name: 'shared' }));
  const policy = JSON.stringify({ Version: '2012-10-17', Statement: statements });
  await sns.send(new SetTopicAttributesCommand({ TopicArn, AttributeName: 'Policy', AttributeValue: policy }));
  return TopicArn as string;
}

/** Credentials of the other account's role (taken with AssumeRole). */
async function publisherCredentials() {
  await inAccount(new IAMClient(aws.clientConfig('us-east-1')), PUBLISHER).send(
    new CreateRoleCommand({
      RoleName: ROLE,
      AssumeRolePolicyDocument: JSON.stringify({
        Statement: [{ Effect: 'Allow', Principal: { AWS: `arn:aws:iam::${aws.accountId}:root` }, Action: 'sts:AssumeRole' }],
      }),
    }),
  );
  const { Credentials } = await new STSClient(aws.clientConfig(REGION)).send(
    new AssumeRoleCommand({ RoleArn: ROLE_ARN, RoleSessionName: 's-1' }),
  );
  return {
    accessKeyId: Credentials?.AccessKeyId as string,
    secretAccessKey: Credentials?.SecretAccessKey as string,
    sessionToken: Credentials?.SessionToken as string,
  };
}

/** An SNS client of the other account, acting as its role. */
async function publisher(): Promise<SNSClient> {
  return new SNSClient({ ...aws.clientConfig(REGION), maxAttempts: 1, credentials: await publisherCredentials() });
}

const statement = (overrides: Record<string, unknown> = {}) => ({
  Effect: 'Allow',
  Principal: { AWS: ROLE_ARN },
  Action: 'sns:Publish',
  Resource: '*',
  ...overrides,
});

const publish = (client: SNSClient, TopicArn: string) => client.send(new PublishCommand({ TopicArn, Message: 'hello' }));

describe('Publish from another account', () => {
  it("passes when the topic policy names the caller's role", async () => {
    const topic = await topicWith([statement()]);
    const out = await publish(await publisher(), topic);
    expect(out.MessageId).toBeDefined();
    expect(aws.proxy.published.map((p) => p.accepted)).toEqual([true]);
  });

  it("is refused with AWS's AuthorizationError when the policy names another role", async () => {
    const topic = await topicWith([statement({ Principal: { AWS: `arn:aws:iam::${PUBLISHER}:role/Other` } })]);
    const client = await publisher();

    await expect(publish(client, topic)).rejects.toMatchObject({
      name: 'AuthorizationErrorException',
      $metadata: { httpStatusCode: 403 },
      message: `User: arn:aws:sts::${PUBLISHER}:assumed-role/${ROLE}/s-1 is not authorized to perform: SNS:Publish on resource: ${topic} because no resource-based policy allows the SNS:Publish action`,
    });
    expect(aws.proxy.published.map((p) => p.accepted)).toEqual([false]);
  });

  it('is refused by an explicit Deny even when a statement allows it', async () => {
    const topic = await topicWith([statement(), statement({ Effect: 'Deny', Principal: '*' })]);
    await expect(publish(await publisher(), topic)).rejects.toThrow('with an explicit deny in a resource-based policy');
  });

  it('is refused, naming it, when the policy uses a condition the emulation does not judge', async () => {
    const topic = await topicWith([statement({ Condition: { IpAddress: { 'aws:SourceIp': '10.0.0.0/8' } } })]);
    await expect(publish(await publisher(), topic)).rejects.toMatchObject({
      name: 'UnsupportedResourcePolicy',
      message: expect.stringContaining('condition operator IpAddress') as string,
    });
  });
});

describe('Publish in the owner account', () => {
  it('is left as it was, whatever the topic policy says', async () => {
    const topic = await topicWith([statement({ Effect: 'Deny', Principal: '*' })]);
    const out = await publish(new SNSClient(aws.clientConfig(REGION)), topic);
    expect(out.MessageId).toBeDefined();
  });
});

describe('PutEvents to a bus of another account', () => {
  /** A bus of the emulator's account, with the statement as its policy when given. */
  async function busWith(policyStatement?: Record<string, unknown>): Promise<string> {
    const events = new EventBridgeClient(aws.clientConfig(REGION));
    const { EventBusArn } = await events.send(new CreateEventBusCommand({ Name: 'hub' }));
    if (policyStatement) {
      const Policy = JSON.stringify({ Version: '2012-10-17', Statement: [{ Sid: 'publisher', ...policyStatement }] });
      await events.send(new PutPermissionCommand({ EventBusName: 'hub', Policy }));
    }
    return EventBusArn as string;
  }

  const put = async (EventBusName: string) => {
    const events = new EventBridgeClient({ ...aws.clientConfig(REGION), maxAttempts: 1, credentials: await publisherCredentials() });
    return events.send(new PutEventsCommand({ Entries: [{ EventBusName, Source: 'test', DetailType: 'ping', Detail: '{}' }] }));
  };

  it("reaches the bus when its policy admits the caller's role", async () => {
    const bus = await busWith(statement({ Action: 'events:PutEvents' }));
    const out = await put(bus);
    expect(out.FailedEntryCount).toBe(0);
  });

  it('is refused with AccessDeniedException when the bus has no policy', async () => {
    const bus = await busWith();
    await expect(put(bus)).rejects.toMatchObject({
      name: 'AccessDeniedException',
      message: `User: arn:aws:sts::${PUBLISHER}:assumed-role/${ROLE}/s-1 is not authorized to perform: events:PutEvents on resource: ${bus} because no resource-based policy allows the events:PutEvents action`,
    });
  });
});

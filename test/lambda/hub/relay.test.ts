import { PublishCommand, SNSClient } from '@aws-sdk/client-sns';
import { mockClient } from 'aws-sdk-client-mock';
import 'aws-sdk-client-mock-jest';
import type { RelayBudget } from '../../../lambda/aws/relay-budget';
import { publishAlert } from '../../../lambda/aws/sns';
import { CHECKER_ALERT } from '../../../lambda/core/hub-alert';
import type { DropReason } from '../../../lambda/hub/alert-event';
import { createRelayHandler, type RelayDeps } from '../../../lambda/hub/relay';
import { relayEnvironment } from '../../../lambda/hub/relay-settings';

const TOPIC = 'arn:aws:sns:eu-west-1:111122223333:AuroraBacktrackCheckerHub-AlertsAlertTopic-Ab12';
const PREFIX = 'AuroraBacktrackChecker-Member-';
const HUB = '111122223333';
const MEMBER = '444455556666';
const OTHER = '777788889999';

const sns = mockClient(SNSClient);
const client = new SNSClient({ region: 'eu-west-1' });
const log = { info: jest.fn(), warn: jest.fn(), error: jest.fn() };
const dropped: DropReason[] = [];
/** A budget of `limit` messages per account (in memory), or one that fails. */
function budget(limit = 100, fail = false): RelayBudget & { counts: Map<string, number> } {
  const counts = new Map<string, number>();
  return {
    counts,
    take: (account) => {
      if (fail) return Promise.reject(new Error('ProvisionedThroughputExceededException'));
      const n = counts.get(account) ?? 0;
      if (n >= limit) return Promise.resolve(false);
      counts.set(account, n + 1);
      return Promise.resolve(true);
    },
  };
}
let deps: RelayDeps;
const relay = createRelayHandler(() => deps);

const stateChange = (state: 'ALARM' | 'OK', name = `${PREFIX}Degraded`, account = MEMBER) => ({
  version: '0',
  id: 'e-1',
  'detail-type': 'CloudWatch Alarm State Change',
  source: 'aws.cloudwatch',
  account,
  time: '2026-11-29T18:00:00Z',
  region: 'eu-west-1',
  resources: [`arn:aws:cloudwatch:eu-west-1:${account}:alarm:${name}`],
  detail: {
    alarmName: name,
    state: { value: state, reason: 'Threshold Crossed: 1 datapoint [2.0] was greater than or equal to the threshold (1.0).' },
    previousState: { value: state === 'ALARM' ? 'OK' : 'ALARM' },
  },
});
const card = JSON.stringify({ version: '1.0', source: 'custom', content: { textType: 'client-markdown', title: 't', description: 'd' } });
const checkerAlert = (account: string, subject = `Aurora Backtrack: 1 new failure (account ${account})`) => ({
  version: '0',
  id: `e-${account}`,
  'detail-type': CHECKER_ALERT.detailType,
  source: CHECKER_ALERT.source,
  account,
  time: '2026-12-01T10:00:00Z',
  region: 'eu-west-1',
  resources: [],
  detail: { subject, default: card, email: 'text', severity: 'MEDIUM', event: ['new-failure'], accountId: OTHER },
});
/** The SQS batch the event source mapping hands over: one record per EventBridge event. */
const batch = (...events: unknown[]) => ({
  Records: events.map((e, i) => ({ messageId: `m-${i}`, body: typeof e === 'string' ? e : JSON.stringify(e) })),
});
const published = () => sns.commandCalls(PublishCommand).map((c) => c.args[0].input);

const savedEnv = { ...process.env };
beforeEach(() => {
  sns.reset();
  jest.clearAllMocks();
  dropped.length = 0;
  deps = {
    now: () => new Date('2026-12-01T10:00:00Z'),
    publish: (topicArn, message) => publishAlert(client, topicArn, message),
    budget: budget(),
    dropped: (reason) => dropped.push(reason),
    log,
  };
  Object.assign(
    process.env,
    relayEnvironment({
      topicArn: TOPIC,
      alarmNamePrefix: PREFIX,
      hubAlarmNamePrefix: 'Hub-Alerts-',
      hubAccount: HUB,
      budgetTable: 'budget',
      perAccountPerHour: 100,
    }),
  );
});
afterAll(() => {
  process.env = savedEnv;
});

describe('relay handler', () => {
  it("publishes a member's alert with account_id = the sender EventBridge stamped, whatever the detail claims", async () => {
    sns.on(PublishCommand).resolves({ MessageId: 'p-1' });

    const out = await relay(batch(checkerAlert(MEMBER)));

    expect(out).toEqual({ batchItemFailures: [] });
    expect(published()).toEqual([
      expect.objectContaining({
        TopicArn: TOPIC,
        Subject: `Aurora Backtrack: 1 new failure (account ${MEMBER})`,
        MessageAttributes: {
          account_id: { DataType: 'String', StringValue: MEMBER },
          severity: { DataType: 'String', StringValue: 'MEDIUM' },
          event: { DataType: 'String.Array', StringValue: '["new-failure"]' },
        },
      }),
    ]);
  });

  it("publishes a member's ALARM with account_id of the member, severity HIGH and event alarm", async () => {
    sns.on(PublishCommand).resolves({ MessageId: 'p-1' });

    await relay(batch(stateChange('ALARM')));

    expect(published()[0]).toMatchObject({
      Subject: `Aurora Backtrack checker alarm Degraded is ALARM (account ${MEMBER})`,
      MessageAttributes: { account_id: { StringValue: MEMBER }, severity: { StringValue: 'HIGH' }, event: { StringValue: '["alarm"]' } },
    });
  });

  it("relays the hub's own alarms from the hub's account, with the hub's account_id", async () => {
    sns.on(PublishCommand).resolves({ MessageId: 'p-1' });

    await relay(batch(stateChange('ALARM', 'Hub-Alerts-RelayDropped', HUB), stateChange('ALARM', 'Hub-Alerts-RelayDropped', MEMBER)));

    expect(published().map((p) => [p.Subject, p.MessageAttributes?.account_id?.StringValue])).toEqual([
      [`Aurora Backtrack checker alarm RelayDropped is ALARM (account ${HUB})`, HUB],
    ]);
    expect(dropped).toEqual(['bad-detail']);
  });

  it.each([
    ['a body that is not JSON', 'hello', 'not-an-event'],
    ['an event of another kind', { source: 'aurora-backtrack-checker', 'detail-type': 'Checker run completed' }, 'unknown-event'],
    ['an alarm that is not a member checker’s', stateChange('ALARM', 'ServerCpuTooHigh'), 'bad-detail'],
    ['an alert that names another account', checkerAlert(MEMBER, `Aurora Backtrack: 3 fixed (account ${OTHER})`), 'bad-detail'],
  ])('drops %s with one warning and the RelayDropped metric, publishes nothing and does not fail the record', async (_case, e, reason) => {
    const out = await relay(batch(e));

    expect(out).toEqual({ batchItemFailures: [] });
    expect(published()).toEqual([]);
    expect(dropped).toEqual([reason]);
    expect(log.warn).toHaveBeenCalledTimes(1);
    expect(log.warn.mock.calls[0]?.[0]).toMatch(/^relay: event dropped, not relayed: /);
    expect(log.warn.mock.calls[0]?.[1]).toMatchObject({ reason, messageId: 'm-0' });
  });

  it("drops an account's messages over its hourly budget, and the other accounts' still go out", async () => {
    sns.on(PublishCommand).resolves({ MessageId: 'p' });
    deps.budget = budget(2);

    const out = await relay(batch(checkerAlert(MEMBER), checkerAlert(MEMBER), checkerAlert(MEMBER), checkerAlert(OTHER)));

    expect(out).toEqual({ batchItemFailures: [] });
    expect(published().map((p) => p.MessageAttributes?.account_id?.StringValue)).toEqual([MEMBER, MEMBER, OTHER]);
    expect(dropped).toEqual(['over-budget']);
    expect(log.warn.mock.calls[0]?.[0]).toMatch(`of account ${MEMBER}: over the budget of 100 messages per hour`);
  });

  it('fails only the record SNS refuses, so SQS delivers it again and then moves it to the dead-letter queue', async () => {
    sns
      .on(PublishCommand)
      .resolvesOnce({ MessageId: 'p-1' })
      .rejectsOnce(Object.assign(new Error('User is not authorized to perform SNS:Publish'), { name: 'AuthorizationError' }));

    const out = await relay(batch(checkerAlert(MEMBER), checkerAlert(OTHER)));

    expect(out).toEqual({ batchItemFailures: [{ itemIdentifier: 'm-1' }] });
    expect(dropped).toEqual([]);
    expect(log.error.mock.calls[0]?.[0]).toContain(
      `of account ${OTHER} not published to ${TOPIC} (AuthorizationError: User is not authorized to perform SNS:Publish)`,
    );
  });

  it('fails the record, not drops it, when the budget table does not answer', async () => {
    deps.budget = budget(100, true);

    const out = await relay(batch(checkerAlert(MEMBER)));

    expect(out).toEqual({ batchItemFailures: [{ itemIdentifier: 'm-0' }] });
    expect(published()).toEqual([]);
    expect(dropped).toEqual([]);
  });

  it('throws on a bad configuration, naming each variable, before reading the batch', async () => {
    process.env.RELAY_TOPIC_ARN = 'my-topic';

    await expect(relay(batch(checkerAlert(MEMBER)))).rejects.toThrow(
      `Invalid relay configuration:\n  - RELAY_TOPIC_ARN: "my-topic" — set the organization's alert topic ARN`,
    );
    expect(published()).toEqual([]);
  });
});

import { PublishCommand, SNSClient } from '@aws-sdk/client-sns';
import { mockClient } from 'aws-sdk-client-mock';
import 'aws-sdk-client-mock-jest';
import { publishAlert } from '../../../lambda/aws/sns';
import { createAlarmRelayHandler, type AlarmRelayDeps } from '../../../lambda/hub/alarm-relay';
import { ALARM_RELAY_ENV } from '../../../lambda/hub/alarm-relay-settings';

const TOPIC = 'arn:aws:sns:eu-west-1:111122223333:AuroraBacktrackCheckerHub-AlertsAlertTopic-Ab12';
const PREFIX = 'AuroraBacktrackChecker-Member-';
const MEMBER = '444455556666';

const sns = mockClient(SNSClient);
const client = new SNSClient({ region: 'eu-west-1' });
const log = { info: jest.fn(), warn: jest.fn(), error: jest.fn() };
const deps: AlarmRelayDeps = { publish: (topicArn, message) => publishAlert(client, topicArn, message), log };
const relay = createAlarmRelayHandler(() => deps);

const stateChange = (state: 'ALARM' | 'OK', name = `${PREFIX}Degraded`) => ({
  version: '0',
  id: 'e-1',
  'detail-type': 'CloudWatch Alarm State Change',
  source: 'aws.cloudwatch',
  account: MEMBER,
  time: '2026-11-29T18:00:00Z',
  region: 'eu-west-1',
  resources: [`arn:aws:cloudwatch:eu-west-1:${MEMBER}:alarm:${name}`],
  detail: {
    alarmName: name,
    state: { value: state, reason: 'Threshold Crossed: 1 datapoint [2.0] was greater than or equal to the threshold (1.0).' },
    previousState: { value: state === 'ALARM' ? 'OK' : 'ALARM' },
  },
});

const savedEnv = { ...process.env };
beforeEach(() => {
  sns.reset();
  jest.clearAllMocks();
  process.env[ALARM_RELAY_ENV.topicArn] = TOPIC;
  process.env[ALARM_RELAY_ENV.alarmNamePrefix] = PREFIX;
});
afterAll(() => {
  process.env = savedEnv;
});

describe('alarm relay handler', () => {
  it("publishes a member's ALARM to the topic with account_id of the member, severity HIGH and event alarm", async () => {
    sns.on(PublishCommand).resolves({ MessageId: 'm-1' });

    const out = await relay(stateChange('ALARM'));

    expect(out).toEqual({ relayed: { messageId: 'm-1', account: MEMBER, alarmName: `${PREFIX}Degraded`, state: 'ALARM' } });
    expect(sns).toHaveReceivedCommandTimes(PublishCommand, 1);
    const input = sns.commandCalls(PublishCommand)[0]?.args[0].input;
    expect(input).toMatchObject({
      TopicArn: TOPIC,
      Subject: `Aurora Backtrack checker alarm Degraded is ALARM (account ${MEMBER})`,
      MessageStructure: 'json',
      MessageAttributes: {
        account_id: { DataType: 'String', StringValue: MEMBER },
        severity: { DataType: 'String', StringValue: 'HIGH' },
        event: { DataType: 'String.Array', StringValue: '["alarm"]' },
      },
    });
    const bodies = JSON.parse(input?.Message ?? '{}') as { default: string; email: string };
    expect(JSON.parse(bodies.default)).toMatchObject({ source: 'custom', content: { textType: 'client-markdown' } });
    expect(bodies.email).toContain(`Account: ${MEMBER}`);
  });

  it('publishes the return to OK as INFORMATIONAL alarm-recovered, with account_id', async () => {
    sns.on(PublishCommand).resolves({ MessageId: 'm-2' });

    await relay(stateChange('OK'));

    expect(sns).toHaveReceivedCommandWith(PublishCommand, {
      MessageAttributes: {
        account_id: { DataType: 'String', StringValue: MEMBER },
        severity: { DataType: 'String', StringValue: 'INFORMATIONAL' },
        event: { DataType: 'String.Array', StringValue: '["alarm-recovered"]' },
      },
    });
  });

  it.each([
    ['a malformed event', { hello: 'world' }, /not a "CloudWatch Alarm State Change" event/],
    ['an alarm that is not a member checker’s', stateChange('ALARM', 'ServerCpuTooHigh'), /is not a member checker's alarm/],
    [
      'INSUFFICIENT_DATA',
      { ...stateChange('ALARM'), detail: { ...stateChange('ALARM').detail, state: { value: 'INSUFFICIENT_DATA' } } },
      /not relayed/,
    ],
  ])('drops %s with one warning naming why, publishes nothing and does not throw (no retry)', async (_case, event, why) => {
    const out = await relay(event);

    expect(out).toEqual({ dropped: expect.stringMatching(why) });
    expect(sns).toHaveReceivedCommandTimes(PublishCommand, 0);
    expect(log.warn).toHaveBeenCalledTimes(1);
    expect(log.warn.mock.calls[0]?.[0]).toMatch(new RegExp(`^alarm relay: event dropped, not relayed: .*${why.source}`));
  });

  it('throws when SNS refuses the message, naming the alarm, the account, the topic and the cause, so Lambda retries it', async () => {
    sns
      .on(PublishCommand)
      .rejects(Object.assign(new Error('User is not authorized to perform SNS:Publish'), { name: 'AuthorizationError' }));

    await expect(relay(stateChange('ALARM'))).rejects.toThrow(
      `alarm ${PREFIX}Degraded (ALARM) of account ${MEMBER} was not published to ${TOPIC} (AuthorizationError: User is not authorized to perform SNS:Publish); Lambda retries it, then sends the event to the dead-letter queue`,
    );
    expect(log.error).toHaveBeenCalledWith(
      'alarm relay: alarm not published',
      expect.objectContaining({ account: MEMBER, topicArn: TOPIC }),
    );
  });

  it('throws when SNS answers without a MessageId', async () => {
    sns.on(PublishCommand).resolves({});

    await expect(relay(stateChange('ALARM'))).rejects.toThrow(/was not published to .*no MessageId/);
  });

  it('throws on a bad configuration, naming each variable, before reading the event', async () => {
    process.env[ALARM_RELAY_ENV.topicArn] = 'my-topic';
    delete process.env[ALARM_RELAY_ENV.alarmNamePrefix];

    await expect(relay(stateChange('ALARM'))).rejects.toThrow(
      `Invalid alarm relay configuration:\n  - ${ALARM_RELAY_ENV.topicArn}: "my-topic" — set the organization's alert topic ARN`,
    );
    await expect(relay(stateChange('ALARM'))).rejects.toThrow(
      `${ALARM_RELAY_ENV.alarmNamePrefix}: "" — set the member checkers' alarm name prefix`,
    );
    expect(sns).toHaveReceivedCommandTimes(PublishCommand, 0);
  });
});

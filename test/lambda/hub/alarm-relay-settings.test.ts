import { alarmRelayEnvironment, readAlarmRelayEnvironment, AlarmRelayConfigError } from '../../../lambda/hub/alarm-relay-settings';
import { MEMBER_ALARM_NAME_PREFIX } from '../../../lib/hub/member-roles';

const TOPIC = 'arn:aws:sns:eu-west-1:111122223333:AuroraBacktrackCheckerHub-AlertsAlertTopic-Ab12';

describe('alarm relay settings', () => {
  it("reads back what the hub stack writes: the topic and the members' alarm name prefix", () => {
    const settings = { topicArn: TOPIC, alarmNamePrefix: MEMBER_ALARM_NAME_PREFIX };

    expect(readAlarmRelayEnvironment(alarmRelayEnvironment(settings))).toEqual(settings);
  });

  it("reads back the hub's own account and alarm prefix, and takes neither without the other", () => {
    const settings = {
      topicArn: TOPIC,
      alarmNamePrefix: MEMBER_ALARM_NAME_PREFIX,
      hubAlarms: { accountId: '111122223333', alarmNamePrefix: 'Hub-Alerts-E29248FB-' },
    };
    const env = alarmRelayEnvironment(settings);

    expect(env).toMatchObject({ HUB_ACCOUNT_ID: '111122223333', HUB_ALARM_NAME_PREFIX: 'Hub-Alerts-E29248FB-' });
    expect(readAlarmRelayEnvironment(env)).toEqual(settings);
    expect(() => readAlarmRelayEnvironment({ ...env, HUB_ACCOUNT_ID: '' })).toThrow(
      'HUB_ACCOUNT_ID: "" — set the hub\'s own account id (12 digits)',
    );
    expect(() => readAlarmRelayEnvironment({ ...env, HUB_ALARM_NAME_PREFIX: undefined })).toThrow('HUB_ALARM_NAME_PREFIX: ""');
  });

  it("refuses a hub prefix that overlaps the members' prefix: a member's alarm must not pass for the hub's", () => {
    const env = (hubPrefix: string) =>
      alarmRelayEnvironment({
        topicArn: TOPIC,
        alarmNamePrefix: MEMBER_ALARM_NAME_PREFIX,
        hubAlarms: { accountId: '111122223333', alarmNamePrefix: hubPrefix },
      });

    expect(() => readAlarmRelayEnvironment(env('AuroraBacktrackChecker-'))).toThrow(AlarmRelayConfigError);
    expect(() => readAlarmRelayEnvironment(env(`${MEMBER_ALARM_NAME_PREFIX}Hub-`))).toThrow(AlarmRelayConfigError);
  });

  it('takes a prefix of up to 200 characters, leaving room for the alarm names, and refuses a longer one', () => {
    const env = (prefix: string) => alarmRelayEnvironment({ topicArn: TOPIC, alarmNamePrefix: prefix });

    expect(readAlarmRelayEnvironment(env('p'.repeat(200))).alarmNamePrefix).toHaveLength(200);
    expect(() => readAlarmRelayEnvironment(env('p'.repeat(201)))).toThrow(AlarmRelayConfigError);
  });

  it('names every bad variable at once, with the value and what is allowed', () => {
    let error: unknown;
    try {
      readAlarmRelayEnvironment({ ALARM_RELAY_TOPIC_ARN: 'arn:aws:sqs:eu-west-1:111122223333:q', MEMBER_ALARM_NAME_PREFIX: 'a b' });
    } catch (e) {
      error = e;
    }

    expect(error).toBeInstanceOf(AlarmRelayConfigError);
    expect((error as AlarmRelayConfigError).problems).toEqual([
      `ALARM_RELAY_TOPIC_ARN: "arn:aws:sqs:eu-west-1:111122223333:q" — set the organization's alert topic ARN (arn:aws:sns:<region>:<account>:<name>)`,
      `MEMBER_ALARM_NAME_PREFIX: "a b" — set the member checkers' alarm name prefix (1–200 of A-Z a-z 0-9 _ . -)`,
    ]);
  });
});

import { alarmRelayEnvironment, readAlarmRelayEnvironment, AlarmRelayConfigError } from '../../../lambda/hub/alarm-relay-settings';
import { MEMBER_ALARM_NAME_PREFIX } from '../../../lib/hub/member-roles';

const TOPIC = 'arn:aws:sns:eu-west-1:111122223333:AuroraBacktrackCheckerHub-AlertsAlertTopic-Ab12';

describe('alarm relay settings', () => {
  it("reads back what the hub stack writes: the topic and the members' alarm name prefix", () => {
    const settings = { topicArn: TOPIC, alarmNamePrefix: MEMBER_ALARM_NAME_PREFIX };

    expect(readAlarmRelayEnvironment(alarmRelayEnvironment(settings))).toEqual(settings);
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

import { readRelayEnvironment, relayEnvironment, RelayConfigError, type RelaySettings } from '../../../lambda/hub/relay-settings';
import { MEMBER_ALARM_NAME_PREFIX } from '../../../lib/hub/member-roles';

const SETTINGS: RelaySettings = {
  topicArn: 'arn:aws:sns:eu-west-1:111122223333:AuroraBacktrackCheckerHub-AlertsAlertTopic-Ab12',
  alarmNamePrefix: MEMBER_ALARM_NAME_PREFIX,
  hubAlarmNamePrefix: 'AuroraBacktrackCheckerHub-Alerts-',
  hubAccount: '111122223333',
  budgetTable: 'Hub-RelayBudgetTable-1',
  perAccountPerHour: 120,
};

describe('relay settings', () => {
  it('reads back what the hub stack writes', () => {
    expect(readRelayEnvironment(relayEnvironment(SETTINGS))).toEqual(SETTINGS);
  });

  it('takes a prefix of up to 200 characters, leaving room for the alarm names, and refuses a longer one', () => {
    const env = (prefix: string) => relayEnvironment({ ...SETTINGS, alarmNamePrefix: prefix });

    expect(readRelayEnvironment(env('p'.repeat(200))).alarmNamePrefix).toHaveLength(200);
    expect(() => readRelayEnvironment(env('p'.repeat(201)))).toThrow(RelayConfigError);
  });

  it('names every bad variable at once, with the value and what is allowed', () => {
    let error: unknown;
    try {
      readRelayEnvironment({
        ...relayEnvironment(SETTINGS),
        RELAY_TOPIC_ARN: 'arn:aws:sqs:eu-west-1:111122223333:q',
        MEMBER_ALARM_NAME_PREFIX: 'a b',
        HUB_ACCOUNT_ID: '1111',
        RELAY_MESSAGES_PER_ACCOUNT_PER_HOUR: '0',
      });
    } catch (e) {
      error = e;
    }

    expect(error).toBeInstanceOf(RelayConfigError);
    expect((error as RelayConfigError).problems).toEqual([
      `RELAY_TOPIC_ARN: "arn:aws:sqs:eu-west-1:111122223333:q" — set the organization's alert topic ARN (arn:aws:sns:<region>:<account>:<name>)`,
      `MEMBER_ALARM_NAME_PREFIX: "a b" — set the member checkers' alarm name prefix (1–200 of A-Z a-z 0-9 _ . -)`,
      `HUB_ACCOUNT_ID: "1111" — set the hub's account id (12 digits)`,
      'RELAY_MESSAGES_PER_ACCOUNT_PER_HOUR: "0" — set a whole number of messages from 1 to 999999',
    ]);
  });
});

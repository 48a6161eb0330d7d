import { Match } from 'aws-cdk-lib/assertions';
import { AwsSolutionsChecks } from 'cdk-nag';
import { ConfigError } from '../../../lib/config';
import { MEMBER_ALARM_FORWARDER_ROLE_NAME, MEMBER_ALARM_NAME_PREFIX, MEMBER_FUNCTION_ROLE_NAME } from '../../../lib/hub/member-roles';
import { logicalIdOf, statementsOfRole, synth } from '../stack-fixture';
import { synthHub } from './hub-fixture';

jest.setTimeout(120_000);

const HUB_TOPIC = 'arn:aws:sns:eu-west-1:111122223333:AuroraBacktrackCheckerHub-AlertsAlertTopic-Ab12';
const HUB_KEY = 'arn:aws:kms:eu-west-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab';
const HUB_BUS = 'arn:aws:events:eu-west-1:111122223333:event-bus/aurora-backtrack-checker-hub';
const member = () =>
  synth({
    env: { account: '444455556666', region: 'eu-west-1' },
    hubEventBusArn: HUB_BUS,
  });

describe('member mode', () => {
  it('has no topic, key, subscription or Slack channel of its own', () => {
    const { template } = member();

    for (const type of [
      'AWS::SNS::Topic',
      'AWS::SNS::TopicPolicy',
      'AWS::SNS::Subscription',
      'AWS::KMS::Key',
      'AWS::Chatbot::SlackChannelConfiguration',
    ]) {
      template.resourceCountIs(type, 0);
    }
  });

  it("sends its alerts to the hub's event bus: PutEvents on that bus only, no sns:Publish and no KMS permission", () => {
    const { template } = member();
    const roleId = logicalIdOf(template, 'AWS::IAM::Role', 'CheckerFunctionRole');
    const statements = statementsOfRole(template, roleId);

    template.hasResourceProperties('AWS::IAM::Role', { RoleName: MEMBER_FUNCTION_ROLE_NAME });
    template.hasResourceProperties('AWS::Lambda::Function', {
      Environment: { Variables: Match.objectLike({ HUB_EVENT_BUS_ARN: HUB_BUS, ALERT_TOPIC_ARN: Match.absent() }) },
    });
    expect(statements.filter((s) => JSON.stringify(s.Action).match(/sns:|kms:|events:/))).toEqual([
      expect.objectContaining({ Action: 'events:PutEvents', Resource: HUB_BUS }),
    ]);
  });

  it("sends its alarms' state changes to the hub's event bus with the forwarder role, not with alarm actions", () => {
    const { template } = member();
    const forwarderRole = logicalIdOf(template, 'AWS::IAM::Role', 'CheckerAlarmForwarderRole');
    const toHubBus = {
      Arn: HUB_BUS,
      RoleArn: { 'Fn::GetAtt': [forwarderRole, 'Arn'] },
      DeadLetterConfig: { Arn: { 'Fn::GetAtt': [logicalIdOf(template, 'AWS::SQS::Queue', 'CheckerDeadLetterQueue'), 'Arn'] } },
    };

    for (const alarm of Object.values(template.findResources('AWS::CloudWatch::Alarm'))) {
      expect(alarm.Properties.AlarmActions).toBeUndefined();
      expect(alarm.Properties.OKActions).toBeUndefined();
    }
    template.hasResourceProperties('AWS::IAM::Role', {
      RoleName: MEMBER_ALARM_FORWARDER_ROLE_NAME,
      AssumeRolePolicyDocument: {
        Statement: [
          Match.objectLike({
            Principal: { Service: 'events.amazonaws.com' },
            Condition: { StringEquals: { 'aws:SourceAccount': '444455556666' } },
          }),
        ],
      },
    });
    template.hasResourceProperties('AWS::Events::Rule', {
      EventPattern: {
        source: ['aws.cloudwatch'],
        'detail-type': ['CloudWatch Alarm State Change'],
        detail: { alarmName: [{ prefix: MEMBER_ALARM_NAME_PREFIX }], state: { value: ['ALARM'] } },
      },
      // Sent as CloudWatch wrote it: no input transformer, so the hub receives the whole event.
      Targets: [Match.objectLike({ ...toHubBus, Input: Match.absent(), InputTransformer: Match.absent() })],
    });
    // Recovery of the heartbeat, degraded and errors alarms (and no other), as their OK actions do in one account.
    const alarm = (prefix: string) => ({ Ref: logicalIdOf(template, 'AWS::CloudWatch::Alarm', prefix) });
    template.hasResourceProperties('AWS::Events::Rule', {
      EventPattern: {
        source: ['aws.cloudwatch'],
        'detail-type': ['CloudWatch Alarm State Change'],
        detail: {
          alarmName: [alarm('CheckerHeartbeatAlarm'), alarm('CheckerDegradedAlarm'), alarm('CheckerErrorsAlarm')],
          state: { value: ['OK'] },
          previousState: { value: ['ALARM'] },
        },
      },
      Targets: [Match.objectLike(toHubBus)],
    });
    template.resourceCountIs('AWS::Events::Rule', 3); // the two above and the re-check rule
    // The forwarder may put events on the hub's bus and nothing else: no SNS, no KMS.
    expect(statementsOfRole(template, forwarderRole)).toEqual([{ Effect: 'Allow', Action: 'events:PutEvents', Resource: HUB_BUS }]);
  });

  it('names every alarm with the fixed prefix the hub relays', () => {
    const names = Object.values(member().template.findResources('AWS::CloudWatch::Alarm')).map((a) => a.Properties.AlarmName as string);

    expect(names.length).toBeGreaterThanOrEqual(7);
    expect(names.filter((n) => !n.startsWith(MEMBER_ALARM_NAME_PREFIX))).toEqual([]);
    expect(names).toContain(`${MEMBER_ALARM_NAME_PREFIX}Heartbeat`);
  });

  it('refuses the hub topic and key of earlier members, naming each key and the fix, whatever else is given', () => {
    const retired = { hubTopicArn: HUB_TOPIC, hubTopicKeyArn: HUB_KEY } as object;

    expect(() => synth(retired)).toThrow(ConfigError);
    expect(() => synth({ ...retired, hubEventBusArn: HUB_BUS })).toThrow(
      /hubTopicArn: "arn:aws:sns:[^"]+" is no longer used: a member checker sends its alerts to the hub's event bus[\s\S]*allowed: leave hubTopicArn out; give hubEventBusArn, the hub stack's HubEventBusArn output[\s\S]*hubTopicKeyArn: "arn:aws:kms:/,
    );
  });

  it('refuses at synth a member that could never deliver: a hub bus ARN that is not one, or a topic of its own', () => {
    expect(() => synth({ hubEventBusArn: '' })).toThrow(/hubEventBusArn: "" .*could never reach the hub/);
    expect(() => synth({ hubEventBusArn: HUB_TOPIC })).toThrow(/hubEventBusArn: "arn:aws:sns:.*is not an EventBridge event bus ARN/);
  });

  it('refuses subscribers of its own, naming each setting and where it belongs', () => {
    expect(() =>
      synth({
        hubEventBusArn: HUB_BUS,
        config: { alertEmails: ['ops@example.com'], slackWorkspaceId: 'T0123ABCD', slackChannelId: 'C0123ABCD' },
      }),
    ).toThrow(ConfigError);
    expect(() => synth({ hubEventBusArn: HUB_BUS, config: { alertEmails: ['ops@example.com'] } })).toThrow(
      /alertEmails: "ops@example.com" is set for a member stack.*\n.*\n.*deployment=hub/,
    );
  });

  it('reports no unacknowledged cdk-nag finding', () => {
    const { app } = member();

    const report = new AwsSolutionsChecks(app).validateScope(app);

    expect(report.violations.map((v) => v.ruleName)).toEqual([]);
  });
});

describe('member template of the StackSet', () => {
  const { member: template } = synthHub();

  it("takes the hub's event bus and asset bucket prefix as parameters, not the hub's topic or key, and has no topic or key of its own", () => {
    expect(
      Object.keys(template.toJSON().Parameters as object)
        .filter((p) => p.startsWith('Hub') || p === 'AssetBucketPrefix')
        .sort(),
    ).toEqual(['AssetBucketPrefix', 'HubEventBusArn']);
    template.resourceCountIs('AWS::SNS::Topic', 0);
    template.resourceCountIs('AWS::KMS::Key', 0);
    template.hasResourceProperties('AWS::Lambda::Function', {
      Environment: { Variables: Match.objectLike({ HUB_EVENT_BUS_ARN: { Ref: 'HubEventBusArn' }, ALERT_TOPIC_ARN: Match.absent() }) },
    });
  });

  it("reads the function's code from the hub's asset bucket of the member's Region", () => {
    template.hasResourceProperties('AWS::Lambda::Function', {
      Code: {
        S3Bucket: { 'Fn::Join': ['-', [{ Ref: 'AssetBucketPrefix' }, { Ref: 'AWS::Region' }]] },
        S3Key: Match.stringLikeRegexp('^[0-9a-f]{64}\\.zip$'),
      },
    });
  });

  it("sends its alarms to the hub's event bus given as a parameter, with the forwarder role, which may put events there only", () => {
    const forwarderRole = logicalIdOf(template, 'AWS::IAM::Role', 'CheckerAlarmForwarderRole');

    template.hasResourceProperties('AWS::Events::Rule', {
      EventPattern: Match.objectLike({ detail: { alarmName: [{ prefix: MEMBER_ALARM_NAME_PREFIX }], state: { value: ['ALARM'] } } }),
      Targets: [Match.objectLike({ Arn: { Ref: 'HubEventBusArn' }, RoleArn: { 'Fn::GetAtt': [forwarderRole, 'Arn'] } })],
    });
    expect(statementsOfRole(template, forwarderRole)).toEqual([
      { Effect: 'Allow', Action: 'events:PutEvents', Resource: { Ref: 'HubEventBusArn' } },
    ]);
  });

  it('reserves no concurrency, so accounts with the initial Lambda quota of 10 can deploy it', () => {
    template.hasResourceProperties('AWS::Lambda::Function', { ReservedConcurrentExecutions: Match.absent() });
  });
});

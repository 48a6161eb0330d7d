import { Match } from 'aws-cdk-lib/assertions';
import { COVERAGE_ENV } from '../../../lambda/coverage/settings';
import { HUB_EVENT_BUS_NAME } from '../../../lib/hub/coverage';
import { MEMBER_PARAMETERS } from '../../../lib/hub/member-template';
import { orgPathPatterns } from '../../../lib/hub/member-access';
import { ORG, OUS, synthHub } from './hub-fixture';

const hub = synthHub({ config: { schedule: 'rate(6 hours)', reminderSchedule: 'cron(0 8 ? * MON *)' } });

/** Every statement of every IAM policy attached to the role whose logical id starts with `prefix`. */
function roleStatements(prefix: string): { Action: unknown; Resource: unknown }[] {
  const policies = hub.template.findResources('AWS::IAM::Policy');
  return Object.values(policies)
    .filter((p) => JSON.stringify(p.Properties.Roles).includes(prefix))
    .flatMap((p) => (p.Properties.PolicyDocument as { Statement: { Action: unknown; Resource: unknown }[] }).Statement);
}

describe('hub coverage', () => {
  it("admits PutEvents on the hub bus only from the members' function and alarm forwarder roles of accounts under the targeted OUs", () => {
    hub.template.hasResourceProperties('AWS::Events::EventBus', { Name: HUB_EVENT_BUS_NAME });
    const policies = hub.template.findResources('AWS::Events::EventBusPolicy');
    const statements = Object.values(policies).map((p) => p.Properties.Statement as Record<string, unknown>);

    expect(statements).toEqual([
      expect.objectContaining({
        Effect: 'Allow',
        Principal: { AWS: '*' },
        Action: 'events:PutEvents',
        Condition: {
          'ForAnyValue:StringLike': { 'aws:PrincipalOrgPaths': OUS.map((ou) => `${ORG}/*/${ou}/*`) },
          ArnLike: {
            'aws:PrincipalArn': [
              'arn:aws:iam::*:role/AuroraBacktrackChecker-Function',
              'arn:aws:iam::*:role/AuroraBacktrackChecker-AlarmForwarder',
            ],
          },
        },
      }),
    ]);
  });

  it("sends the members' reports on the bus to the coverage function, and nothing else", () => {
    hub.template.hasResourceProperties('AWS::Events::Rule', {
      EventBusName: Match.anyValue(),
      EventPattern: { source: ['aurora-backtrack-checker'], 'detail-type': ['Checker run completed'] },
      Targets: [Match.objectLike({ Arn: { 'Fn::GetAtt': [Match.stringLikeRegexp('^CoverageFunction'), 'Arn'] } })],
    });
  });

  it('keeps the reports in an encrypted table with point-in-time recovery', () => {
    hub.template.hasResourceProperties('AWS::DynamoDB::Table', {
      PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true },
      SSESpecification: { SSEEnabled: true },
    });
  });

  it("judges coverage on the members' scan schedule with their longest gap as the period, and sends the digest on the reminder schedule", () => {
    hub.template.hasResourceProperties('AWS::Lambda::Function', {
      Environment: {
        Variables: Match.objectLike({
          [COVERAGE_ENV.schedulePeriodSeconds]: String(6 * 3600),
          [COVERAGE_ENV.accountsCacheSeconds]: '3600',
        }),
      },
    });
    hub.template.hasResourceProperties('AWS::Scheduler::Schedule', {
      ScheduleExpression: 'rate(6 hours)',
      Target: Match.objectLike({ Input: JSON.stringify({ mode: 'check' }) }),
    });
    hub.template.hasResourceProperties('AWS::Scheduler::Schedule', {
      ScheduleExpression: 'cron(0 8 ? * MON *)',
      Target: Match.objectLike({ Input: JSON.stringify({ mode: 'digest' }) }),
    });
  });

  it('gives the coverage function exactly its table, ListAccounts, Publish on the hub topic and its key, its logs and its dead-letter queue', () => {
    const actions = roleStatements('CoverageRole').map((s) => s.Action);

    expect(actions).toEqual([
      ['logs:CreateLogStream', 'logs:PutLogEvents'],
      ['dynamodb:GetItem', 'dynamodb:PutItem', 'dynamodb:Scan', 'dynamodb:UpdateItem'],
      'organizations:ListAccounts',
      'sns:Publish',
      ['kms:Decrypt', 'kms:GenerateDataKey'],
      // The failure destination: its dead-letter queue.
      ['sqs:GetQueueAttributes', 'sqs:GetQueueUrl', 'sqs:SendMessage'],
    ]);
    expect(
      roleStatements('CoverageRole')
        .filter((s) => s.Resource === '*')
        .map((s) => s.Action),
    ).toEqual(['organizations:ListAccounts']);
  });

  it('raises an alarm on the hub topic while an account is uncovered (at one, not only above), and on its recovery', () => {
    hub.template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      MetricName: 'UncoveredAccounts',
      Namespace: 'AuroraBacktrackChecker',
      Dimensions: [{ Name: 'service', Value: 'aurora-backtrack-checker-coverage' }],
      Threshold: 1,
      ComparisonOperator: 'GreaterThanOrEqualToThreshold',
      AlarmActions: [{ Ref: Match.stringLikeRegexp('^AlertsAlertTopic') }],
      OKActions: [{ Ref: Match.stringLikeRegexp('^AlertsAlertTopic') }],
    });
  });

  it('names its alarms with the prefix the hub topic admits for CloudWatch', () => {
    const names = Object.values(hub.template.findResources('AWS::CloudWatch::Alarm')).map((a) => a.Properties.AlarmName as string);

    expect(names).toEqual([
      `${hub.stack.alertTopic.alarmNamePrefix}UncoveredAccounts`,
      `${hub.stack.alertTopic.alarmNamePrefix}CoverageErrors`,
      `${hub.stack.alertTopic.alarmNamePrefix}RelayDropped`,
    ]);
  });

  it('admits an OU anywhere under the root (<org>/*/<ou>/*) and a root with everything under it (<org>/<root>/*)', () => {
    expect(orgPathPatterns(ORG, ['ou-ab12-cdef3456', 'r-ab12'])).toEqual([`${ORG}/*/ou-ab12-cdef3456/*`, `${ORG}/r-ab12/*`]);
  });

  it('puts covered, ACTIVE and uncovered accounts on a dashboard', () => {
    const body = JSON.stringify(Object.values(hub.template.findResources('AWS::CloudWatch::Dashboard'))[0]?.Properties.DashboardBody);

    for (const name of ['CoveredAccounts', 'ActiveAccounts', 'UncoveredAccounts']) expect(body).toContain(name);
  });

  it('passes the bus to every member, whose function may PutEvents on exactly that bus and is told it in its environment', () => {
    hub.template.hasResourceProperties('AWS::CloudFormation::StackSet', {
      Parameters: Match.arrayWith([
        {
          ParameterKey: MEMBER_PARAMETERS.hubEventBusArn,
          ParameterValue: { 'Fn::GetAtt': [Match.stringLikeRegexp('^CoverageBus'), 'Arn'] },
        },
      ]),
    });
    hub.member.hasResourceProperties('AWS::IAM::Policy', {
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({ Sid: 'SendToHubEventBus', Action: 'events:PutEvents', Resource: { Ref: MEMBER_PARAMETERS.hubEventBusArn } }),
        ]),
      },
    });
    hub.member.hasResourceProperties('AWS::Lambda::Function', {
      Environment: { Variables: Match.objectLike({ HUB_EVENT_BUS_ARN: { Ref: MEMBER_PARAMETERS.hubEventBusArn } }) },
    });
  });
});

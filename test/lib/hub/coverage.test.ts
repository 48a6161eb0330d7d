import { Match } from 'aws-cdk-lib/assertions';
import { COVERAGE_ENV } from '../../../lambda/coverage/settings';
import { HUB_EVENT_BUS_NAME, uncoveredAlarmPeriodSeconds } from '../../../lib/hub/coverage';
import { MEMBER_PARAMETERS } from '../../../lib/hub/member-template';
import { orgPathPatterns } from '../../../lib/hub/member-access';
import { ORG, OUS, synthHub } from './hub-fixture';

const hub = synthHub({ config: { schedule: 'rate(6 hours)', reminderSchedule: 'cron(0 8 ? * MON *)' } });

/** Every statement of every IAM policy attached to the role whose logical id starts with `prefix`. */
function roleStatements(prefix: string, template = hub.template): { Action: unknown; Resource: unknown }[] {
  const policies = template.findResources('AWS::IAM::Policy');
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
          // The StackSet's targets, and a grace of two scan periods for an account that never reported.
          [COVERAGE_ENV.targetParentIds]: OUS.join(','),
          [COVERAGE_ENV.graceSeconds]: String(2 * 6 * 3600),
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

  it('gives the coverage function exactly its table, the OU walk, GetMetricData (its first check on deploy), Publish on the hub topic and its key, its logs and its dead-letter queue', () => {
    const actions = roleStatements('CoverageRole').map((s) => s.Action);

    expect(actions).toEqual([
      ['logs:CreateLogStream', 'logs:PutLogEvents'],
      ['dynamodb:GetItem', 'dynamodb:PutItem', 'dynamodb:Scan', 'dynamodb:UpdateItem'],
      ['organizations:ListAccountsForParent', 'organizations:ListChildren'],
      'cloudwatch:GetMetricData',
      'sns:Publish',
      ['kms:Decrypt', 'kms:GenerateDataKey'],
      // The failure destination: its dead-letter queue.
      ['sqs:GetQueueAttributes', 'sqs:GetQueueUrl', 'sqs:SendMessage'],
    ]);
    expect(
      roleStatements('CoverageRole')
        .filter((s) => s.Resource === '*')
        .map((s) => s.Action),
    ).toEqual(['cloudwatch:GetMetricData']);
    expect(JSON.stringify(hub.template.toJSON())).not.toContain('organizations:ListAccounts"');
  });

  it("walks only this organization's OUs, and no root unless a root is targeted, then that root alone", () => {
    const walk = (template = hub.template) =>
      roleStatements('CoverageRole', template).find((s) => JSON.stringify(s.Action).includes('ListChildren'))?.Resource;

    expect(walk()).toBe(`arn:aws:organizations::*:ou/${ORG}/ou-*`);
    const rooted = synthHub({ organizationUnitIds: ['r-ab12', 'ou-ab12-cdef3456'] });
    expect(walk(rooted.template)).toEqual([`arn:aws:organizations::*:ou/${ORG}/ou-*`, `arn:aws:organizations::*:root/${ORG}/r-ab12`]);
  });

  it('raises an alarm while an account is uncovered (at one, not only above), relayed with its recovery instead of a direct action', () => {
    hub.template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      MetricName: 'UncoveredAccounts',
      Namespace: 'AuroraBacktrackChecker',
      Dimensions: [{ Name: 'service', Value: 'aurora-backtrack-checker-coverage' }],
      Threshold: 1,
      ComparisonOperator: 'GreaterThanOrEqualToThreshold',
      AlarmActions: Match.absent(),
      OKActions: Match.absent(),
    });
    hub.template.hasResourceProperties('AWS::Events::Rule', {
      EventPattern: Match.objectLike({
        detail: {
          alarmName: Match.arrayWith([`${hub.stack.alertTopic.alarmNamePrefix}UncoveredAccounts`]),
          state: { value: ['OK'] },
          previousState: { value: ['ALARM'] },
        },
      }),
    });
  });

  it('judges UncoveredAccounts over one check period (the scan schedule’s longest gap) and keeps its state between checks', () => {
    hub.template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      MetricName: 'UncoveredAccounts',
      Period: 6 * 3600,
      EvaluationPeriods: 1,
      Statistic: 'Maximum',
      TreatMissingData: 'ignore',
    });
    const twelveHours = synthHub({ config: { schedule: 'cron(0 6,18 * * ? *)' } });
    twelveHours.template.hasResourceProperties('AWS::CloudWatch::Alarm', { MetricName: 'UncoveredAccounts', Period: 12 * 3600 });
  });

  it('caps the UncoveredAccounts period at one day for schedules with longer gaps, and rounds a period up to whole minutes', () => {
    const weekdays = synthHub({ config: { schedule: 'cron(0 8 ? * MON-FRI *)' } });
    weekdays.template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      MetricName: 'UncoveredAccounts',
      Period: 86_400,
      TreatMissingData: 'ignore',
    });
    expect(uncoveredAlarmPeriodSeconds(61)).toBe(120);
    expect(uncoveredAlarmPeriodSeconds(86_400)).toBe(86_400);
    expect(uncoveredAlarmPeriodSeconds(3 * 86_400)).toBe(86_400);
  });

  it('names its alarms with the prefix the hub topic admits for CloudWatch', () => {
    const names = Object.values(hub.template.findResources('AWS::CloudWatch::Alarm')).map((a) => a.Properties.AlarmName as string);

    expect(names.length).toBeGreaterThanOrEqual(11);
    expect(names.filter((n) => !n.startsWith(hub.stack.alertTopic.alarmNamePrefix))).toEqual([]);
    expect(names).toEqual(
      expect.arrayContaining([
        `${hub.stack.alertTopic.alarmNamePrefix}UncoveredAccounts`,
        `${hub.stack.alertTopic.alarmNamePrefix}RelayDropped`,
      ]),
    );
  });

  it('admits an OU anywhere under the root (<org>/*/<ou>/*) and a root with everything under it (<org>/<root>/*)', () => {
    expect(orgPathPatterns(ORG, ['ou-ab12-cdef3456', 'r-ab12'])).toEqual([`${ORG}/*/ou-ab12-cdef3456/*`, `${ORG}/r-ab12/*`]);
  });

  it('puts covered, ACTIVE, uncovered and deploying accounts on a dashboard', () => {
    const body = JSON.stringify(Object.values(hub.template.findResources('AWS::CloudWatch::Dashboard'))[0]?.Properties.DashboardBody);

    for (const name of ['CoveredAccounts', 'ActiveAccounts', 'UncoveredAccounts', 'DeployingAccounts']) expect(body).toContain(name);
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

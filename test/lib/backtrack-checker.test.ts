import { Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as sns from 'aws-cdk-lib/aws-sns';
import { BacktrackChecker, RECHECK_EVENT_NAMES } from '../../lib/backtrack-checker';
import { configFromEnv } from '../../lambda/handler';
import { ConfigError } from '../../lib/config';
import { asList, logicalIdOf, statementsOfRole, synth, testApp } from './stack-fixture';

const FUNCTION = 'CheckerFunction';

describe('BacktrackChecker function', () => {
  const { template } = synth();
  const topicId = logicalIdOf(template, 'AWS::SNS::Topic', 'CheckerAlertTopic');
  const tableId = logicalIdOf(template, 'AWS::DynamoDB::Table', 'CheckerStateTable');
  const queueId = logicalIdOf(template, 'AWS::SQS::Queue', 'CheckerDeadLetterQueue');
  const functionId = logicalIdOf(template, 'AWS::Lambda::Function', FUNCTION);

  it('runs the bundled handler on Node.js 22 ARM64 for up to 15 minutes', () => {
    template.hasResourceProperties('AWS::Lambda::Function', {
      Runtime: 'nodejs22.x',
      Architectures: ['arm64'],
      Handler: 'index.handler',
      MemorySize: 512,
      Timeout: 900,
    });
  });

  it('reserves no concurrency, so it deploys into new accounts with a concurrency quota of 10', () => {
    template.hasResourceProperties('AWS::Lambda::Function', { ReservedConcurrentExecutions: Match.absent() });
    expect(JSON.stringify(template.toJSON())).not.toContain('ReservedConcurrentExecutions');
  });

  it('sets the environment the handler reads, pointing at the stack topic and table', () => {
    template.hasResourceProperties('AWS::Lambda::Function', {
      Environment: {
        Variables: {
          REGIONS: 'all',
          MIN_WINDOW_HOURS: '24',
          TAG_PREFIX: 'backtrack-check:',
          EXEMPT_TAG_KEY: 'backtrack-check:exempt',
          PUBLISH_FINDINGS: 'true',
          ALERT_TOPIC_ARN: { Ref: topicId },
          STATE_TABLE: { Ref: tableId },
          REMINDER_AFTER_DAYS: '7',
          ACTUAL_WINDOW: 'true',
          MAX_EXEMPTION_DAYS: '90',
          POWERTOOLS_SERVICE_NAME: 'aurora-backtrack-checker',
          POWERTOOLS_METRICS_NAMESPACE: 'AuroraBacktrackChecker',
        },
      },
    });
  });

  it('sets only settings the handler itself accepts, with the values the stack configured', () => {
    const { template: custom } = synth({ config: { regions: ['eu-west-1', 'us-east-1'], minWindowHours: 1.5, reminderAfterDays: 3 } });
    const fn = Object.values(custom.findResources('AWS::Lambda::Function'))[0] as {
      Properties: { Environment: { Variables: Record<string, unknown> } };
    };
    // Deploy-time references become the values CloudFormation would put there.
    const env = Object.fromEntries(
      Object.entries(fn.Properties.Environment.Variables).map(([k, v]) => [
        k,
        typeof v === 'string' ? v : k === 'ALERT_TOPIC_ARN' ? 'arn:aws:sns:eu-west-1:111122223333:alerts' : 'state-table',
      ]),
    );

    const config = configFromEnv(env);

    expect(config).toMatchObject({
      regions: ['eu-west-1', 'us-east-1'],
      policy: { minWindowHours: 1.5, tagPrefix: 'backtrack-check:', exemptTagKey: 'backtrack-check:exempt' },
      publishFindings: true,
      actualWindow: true,
      reminderAfterDays: 3,
      alertTopicArn: 'arn:aws:sns:eu-west-1:111122223333:alerts',
    });
  });

  it('passes configured values through to the environment', () => {
    const { template: custom } = synth({
      config: {
        regions: ['eu-west-1', 'us-east-1'],
        minWindowHours: 1.5,
        tagPrefix: 'db:',
        reminderAfterDays: 3,
        actualWindow: false,
        maxExemptionDays: 3650,
        backtrackRegions: ['eu-north-1', 'sa-east-1'],
      },
    });

    custom.hasResourceProperties('AWS::Lambda::Function', {
      Environment: {
        Variables: Match.objectLike({
          REGIONS: 'eu-west-1,us-east-1',
          MIN_WINDOW_HOURS: '1.5',
          TAG_PREFIX: 'db:',
          EXEMPT_TAG_KEY: 'db:exempt',
          REMINDER_AFTER_DAYS: '3',
          ACTUAL_WINDOW: 'false',
          MAX_EXEMPTION_DAYS: '3650',
          BACKTRACK_REGIONS: 'eu-north-1,sa-east-1',
        }),
      },
    });
  });

  it('logs to its own log group kept for one year', () => {
    const logGroupId = logicalIdOf(template, 'AWS::Logs::LogGroup', 'CheckerLogGroup');

    template.hasResourceProperties('AWS::Logs::LogGroup', { RetentionInDays: 365 });
    template.hasResourceProperties('AWS::Lambda::Function', { LoggingConfig: { LogGroup: { Ref: logGroupId } } });
  });

  it('creates the function and its failure destination only after the role policy that allows them', () => {
    const policyId = logicalIdOf(template, 'AWS::IAM::Policy', 'CheckerFunctionRoleDefaultPolicy');

    template.hasResource('AWS::Lambda::Function', { DependsOn: Match.arrayWith([policyId]) });
    template.hasResource('AWS::Lambda::EventInvokeConfig', { DependsOn: Match.arrayWith([policyId]) });
  });

  it('sends failed async invocations to the DLQ without retrying, dropping events older than an hour', () => {
    template.hasResourceProperties('AWS::Lambda::EventInvokeConfig', {
      FunctionName: { Ref: functionId },
      MaximumRetryAttempts: 0,
      MaximumEventAgeInSeconds: 3600,
      DestinationConfig: { OnFailure: { Destination: { 'Fn::GetAtt': [queueId, 'Arn'] } } },
    });
  });
});

describe('BacktrackChecker schedules and events', () => {
  const { template } = synth();
  const functionArn = { 'Fn::GetAtt': [logicalIdOf(template, 'AWS::Lambda::Function', FUNCTION), 'Arn'] };
  const queueArn = { 'Fn::GetAtt': [logicalIdOf(template, 'AWS::SQS::Queue', 'CheckerDeadLetterQueue'), 'Arn'] };

  it.each([
    ['scan', 'rate(12 hours)'],
    ['reminder', 'rate(7 days)'],
  ])('schedules the %s run (%s) with its input, a retry policy and the DLQ', (mode, expression) => {
    template.hasResourceProperties('AWS::Scheduler::Schedule', {
      ScheduleExpression: expression,
      State: 'ENABLED',
      Target: {
        Arn: functionArn,
        Input: JSON.stringify({ mode }),
        DeadLetterConfig: { Arn: queueArn },
        RetryPolicy: { MaximumEventAgeInSeconds: 3600, MaximumRetryAttempts: 3 },
      },
    });
  });

  it('uses the configured schedule expressions', () => {
    const { template: custom } = synth({ config: { schedule: 'cron(0 6 * * ? *)', reminderSchedule: 'rate(1 day)' } });

    custom.hasResourceProperties('AWS::Scheduler::Schedule', {
      ScheduleExpression: 'cron(0 6 * * ? *)',
      Target: Match.objectLike({ Input: '{"mode":"scan"}' }),
    });
    custom.hasResourceProperties('AWS::Scheduler::Schedule', {
      ScheduleExpression: 'rate(1 day)',
      Target: Match.objectLike({ Input: '{"mode":"reminder"}' }),
    });
  });

  it('lets only EventBridge Scheduler of this account assume the scheduler role, to invoke the function and feed the DLQ', () => {
    const roleId = logicalIdOf(template, 'AWS::IAM::Role', 'CheckerSchedulerRole');
    template.hasResourceProperties('AWS::IAM::Role', {
      AssumeRolePolicyDocument: {
        Statement: [
          {
            Action: 'sts:AssumeRole',
            Effect: 'Allow',
            Principal: { Service: 'scheduler.amazonaws.com' },
            Condition: { StringEquals: { 'aws:SourceAccount': { Ref: 'AWS::AccountId' } } },
          },
        ],
      },
    });

    const statements = statementsOfRole(template, roleId);

    expect(statements.map((s) => s.Action).sort()).toEqual(['lambda:InvokeFunction', 'sqs:SendMessage']);
    expect(statements.find((s) => s.Action === 'sqs:SendMessage')?.Resource).toEqual(queueArn);
    expect(JSON.stringify(statements.find((s) => s.Action === 'lambda:InvokeFunction')?.Resource)).toContain(JSON.stringify(functionArn));
  });

  it('re-checks on successful CloudTrail-recorded RDS cluster changes, failures to the DLQ', () => {
    template.hasResourceProperties('AWS::Events::Rule', {
      EventPattern: {
        source: ['aws.rds'],
        'detail-type': ['AWS API Call via CloudTrail'],
        detail: {
          eventSource: ['rds.amazonaws.com'],
          eventName: [
            'CreateDBCluster',
            'ModifyDBCluster',
            'DeleteDBCluster',
            'RestoreDBClusterFromSnapshot',
            'RestoreDBClusterToPointInTime',
            'RestoreDBClusterFromS3',
            'AddTagsToResource',
            'RemoveTagsFromResource',
            'CreateGlobalCluster',
            'RemoveFromGlobalCluster',
            'PromoteReadReplicaDBCluster',
            'SwitchoverBlueGreenDeployment',
          ],
          errorCode: [{ exists: false }],
        },
      },
      Targets: [Match.objectLike({ Arn: functionArn, DeadLetterConfig: { Arn: queueArn } })],
    });
    expect(RECHECK_EVENT_NAMES).toHaveLength(12);
  });

  it('lets only the re-check rule invoke the function through EventBridge and write to the DLQ', () => {
    const ruleArn = { 'Fn::GetAtt': [logicalIdOf(template, 'AWS::Events::Rule', 'CheckerRecheckRule'), 'Arn'] };

    template.hasResourceProperties('AWS::Lambda::Permission', {
      Action: 'lambda:InvokeFunction',
      Principal: 'events.amazonaws.com',
      SourceArn: ruleArn,
    });
    template.hasResourceProperties('AWS::SQS::QueuePolicy', {
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({
            Action: 'sqs:SendMessage',
            Principal: { Service: 'events.amazonaws.com' },
            Condition: { ArnEquals: { 'aws:SourceArn': ruleArn } },
          }),
        ]),
      },
    });
  });

  it('has no re-check rule when instant re-check is off', () => {
    const { template: custom } = synth({ config: { instantRecheck: false } });

    custom.resourceCountIs('AWS::Events::Rule', 0);
    custom.resourceCountIs('AWS::Scheduler::Schedule', 2);
  });
});

describe('BacktrackChecker state, queue and alerts', () => {
  const { template } = synth({ config: { alertEmails: ['ops@example.com', 'dba@example.com'] } });
  const topicId = logicalIdOf(template, 'AWS::SNS::Topic', 'CheckerAlertTopic');
  const keyId = logicalIdOf(template, 'AWS::KMS::Key', 'CheckerAlertKey');

  it('keeps state in an on-demand, encrypted table with point-in-time recovery that survives stack deletion', () => {
    template.hasResource('AWS::DynamoDB::Table', {
      DeletionPolicy: 'Retain',
      UpdateReplacePolicy: 'Retain',
      Properties: {
        KeySchema: [{ AttributeName: 'pk', KeyType: 'HASH' }],
        AttributeDefinitions: [{ AttributeName: 'pk', AttributeType: 'S' }],
        BillingMode: 'PAY_PER_REQUEST',
        PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true },
        SSESpecification: { SSEEnabled: true },
      },
    });
  });

  it('encrypts the DLQ and refuses non-TLS access to it', () => {
    template.hasResourceProperties('AWS::SQS::Queue', { SqsManagedSseEnabled: true, MessageRetentionPeriod: 1209600 });
    template.hasResourceProperties('AWS::SQS::QueuePolicy', {
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({ Effect: 'Deny', Action: 'sqs:*', Condition: { Bool: { 'aws:SecureTransport': 'false' } } }),
        ]),
      },
    });
  });

  it('encrypts the topic with a rotating customer-managed key', () => {
    template.hasResourceProperties('AWS::KMS::Key', { EnableKeyRotation: true });
    template.hasResourceProperties('AWS::SNS::Topic', { KmsMasterKeyId: { 'Fn::GetAtt': [keyId, 'Arn'] } });
  });

  it('refuses non-TLS publishing to the topic', () => {
    template.hasResourceProperties('AWS::SNS::TopicPolicy', {
      Topics: [{ Ref: topicId }],
      PolicyDocument: {
        Statement: Match.arrayWith([Match.objectLike({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } })]),
      },
    });
  });

  it('subscribes each alert e-mail address to the topic', () => {
    template.resourceCountIs('AWS::SNS::Subscription', 2);
    for (const email of ['ops@example.com', 'dba@example.com']) {
      template.hasResourceProperties('AWS::SNS::Subscription', { Protocol: 'email', Endpoint: email, TopicArn: { Ref: topicId } });
    }
  });

  it('creates no e-mail subscription and no Slack channel by default', () => {
    const { template: plain } = synth();

    plain.resourceCountIs('AWS::SNS::Subscription', 0);
    plain.resourceCountIs('AWS::Chatbot::SlackChannelConfiguration', 0);
  });
});

describe('BacktrackChecker function permissions', () => {
  const { template } = synth();
  const roleId = logicalIdOf(template, 'AWS::IAM::Role', 'CheckerFunctionRole');
  const statements = statementsOfRole(template, roleId);
  const bySid = (sid: string) => statements.find((s) => s.Sid === sid);

  it('grants exactly the actions the checker uses', () => {
    const actions = statements.flatMap((s) => asList(s.Action)).sort();

    expect(actions).toEqual(
      [
        'cloudwatch:GetMetricData',
        'dynamodb:BatchWriteItem',
        'dynamodb:PutItem',
        'dynamodb:Scan',
        'dynamodb:UpdateItem',
        'ec2:DescribeRegions',
        'kms:Decrypt',
        'kms:GenerateDataKey',
        'logs:CreateLogStream',
        'logs:PutLogEvents',
        'rds:DescribeDBClusters',
        'securityhub:BatchImportFindings',
        'securityhub:BatchUpdateFindings',
        'securityhub:GetFindings',
        'sns:Publish',
        'sqs:GetQueueAttributes',
        'sqs:GetQueueUrl',
        'sqs:SendMessage',
      ].sort(),
    );
  });

  it('uses no wildcard action in any IAM policy of the stack', () => {
    const { template: full } = synth({ config: { slackWorkspaceId: 'T0123ABCD', slackChannelId: 'C0123ABCD' } });
    const all = [
      ...Object.values(full.findResources('AWS::IAM::Policy')),
      ...Object.values(full.findResources('AWS::IAM::ManagedPolicy')),
    ].flatMap((p) => p.Properties.PolicyDocument.Statement as Array<Record<string, unknown>>);

    expect(all.length).toBeGreaterThan(0);
    for (const s of all) for (const a of asList(s.Action)) expect(a).not.toContain('*');
  });

  it('gives resource * only to the read-only listing and metric actions', () => {
    const unscoped = statements
      .filter((s) => s.Resource === '*')
      .flatMap((s) => asList(s.Action))
      .sort();

    expect(unscoped).toEqual(['cloudwatch:GetMetricData', 'ec2:DescribeRegions', 'rds:DescribeDBClusters']);
  });

  it("imports findings only through the account's own product ARN (any Region when watching all)", () => {
    expect(bySid('ImportFindings')?.Resource).toEqual({
      'Fn::Join': [
        '',
        [
          'arn:',
          { Ref: 'AWS::Partition' },
          ':securityhub:*:',
          { Ref: 'AWS::AccountId' },
          ':product/',
          { Ref: 'AWS::AccountId' },
          '/default',
        ],
      ],
    });
  });

  it('publishes only to the alert topic and uses only its key', () => {
    expect(bySid('PublishAlerts')?.Resource).toEqual({ Ref: logicalIdOf(template, 'AWS::SNS::Topic', 'CheckerAlertTopic') });
    expect(bySid('UseAlertTopicKey')?.Resource).toEqual({
      'Fn::GetAtt': [logicalIdOf(template, 'AWS::KMS::Key', 'CheckerAlertKey'), 'Arn'],
    });
  });

  it('reads and writes only the state table', () => {
    const dynamo = statements.find((s) => asList(s.Action).some((a) => String(a).startsWith('dynamodb:')));

    expect(dynamo?.Resource).toEqual({ 'Fn::GetAtt': [logicalIdOf(template, 'AWS::DynamoDB::Table', 'CheckerStateTable'), 'Arn'] });
  });

  it('scopes workflow updates to the listed Regions, drops DescribeRegions when not needed, and keeps GetMetricData for the deploy-time heartbeat check', () => {
    const { template: custom } = synth({ config: { regions: ['eu-west-1', 'us-east-1'], actualWindow: false } });
    const customStatements = statementsOfRole(custom, logicalIdOf(custom, 'AWS::IAM::Role', 'CheckerFunctionRole'));
    const actions = customStatements.flatMap((s) => asList(s.Action));
    const updates = customStatements.find((s) => asList(s.Action).includes('securityhub:BatchUpdateFindings'));

    expect(actions).not.toContain('ec2:DescribeRegions');
    expect(actions).toContain('cloudwatch:GetMetricData');
    expect(JSON.stringify(updates?.Resource)).not.toContain('securityhub:*:');
    expect(asList(updates?.Resource)).toHaveLength(2);
    expect(JSON.stringify(updates?.Resource)).toContain(':securityhub:eu-west-1:');
    expect(JSON.stringify(updates?.Resource)).toContain(':securityhub:us-east-1:');
  });

  it('imports findings through its own product ARN in every Region even with a regions list, so a Region dropped from the list gets its findings archived', () => {
    const { template: custom } = synth({ config: { regions: ['eu-west-1'] } });
    const imports = statementsOfRole(custom, logicalIdOf(custom, 'AWS::IAM::Role', 'CheckerFunctionRole')).find(
      (s) => s.Sid === 'ImportFindings',
    );

    expect(imports?.Resource).toEqual(bySid('ImportFindings')?.Resource);
    expect(JSON.stringify(imports?.Resource)).toContain(':securityhub:*:');
  });
});

describe('BacktrackChecker Slack channel', () => {
  const slack = { slackWorkspaceId: 'T0123ABCD', slackChannelId: 'C0123ABCD' };

  it('connects the topic to the Slack channel when both ids are given', () => {
    const { template } = synth({ config: slack });

    template.hasResourceProperties('AWS::Chatbot::SlackChannelConfiguration', {
      SlackWorkspaceId: 'T0123ABCD',
      SlackChannelId: 'C0123ABCD',
      SnsTopicArns: [{ Ref: logicalIdOf(template, 'AWS::SNS::Topic', 'CheckerAlertTopic') }],
      UserRoleRequired: false,
    });
  });

  it('limits the channel with a narrow read-only guardrail instead of AdministratorAccess', () => {
    const { template } = synth({ config: slack });
    const policyId = logicalIdOf(template, 'AWS::IAM::ManagedPolicy', 'CheckerSlackGuardrailPolicy');
    const policy = template.findResources('AWS::IAM::ManagedPolicy')[policyId];
    const actions = (policy?.Properties.PolicyDocument.Statement as Array<Record<string, unknown>>).flatMap((s) => asList(s.Action));

    template.hasResourceProperties('AWS::Chatbot::SlackChannelConfiguration', { GuardrailPolicies: [{ Ref: policyId }] });
    expect(JSON.stringify(template.toJSON())).not.toContain('AdministratorAccess');
    expect(actions.length).toBeGreaterThan(0);
    for (const action of actions) expect(action).toMatch(/^cloudwatch:(Describe|Get)[A-Za-z]+$/);
  });

  it('gives the channel role only the guardrail policy', () => {
    const { template } = synth({ config: slack });
    const policyId = logicalIdOf(template, 'AWS::IAM::ManagedPolicy', 'CheckerSlackGuardrailPolicy');

    template.hasResourceProperties('AWS::IAM::Role', {
      AssumeRolePolicyDocument: Match.objectLike({
        Statement: [Match.objectLike({ Principal: { Service: 'chatbot.amazonaws.com' } })],
      }),
      ManagedPolicyArns: [{ Ref: policyId }],
    });
  });
});

describe('BacktrackChecker embedded in another app', () => {
  it('publishes to an existing topic and uses its key instead of creating its own', () => {
    const stack = new Stack(testApp(), 'Host');
    const key = kms.Key.fromKeyArn(stack, 'Key', 'arn:aws:kms:eu-west-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab');
    const topic = sns.Topic.fromTopicArn(stack, 'Topic', 'arn:aws:sns:eu-west-1:111122223333:ops-alerts');

    new BacktrackChecker(stack, 'Checker', { alertTopic: topic, alertTopicKey: key, config: { alertEmails: ['ops@example.com'] } });
    const template = Template.fromStack(stack);
    const statements = statementsOfRole(template, logicalIdOf(template, 'AWS::IAM::Role', 'CheckerFunctionRole'));

    template.resourceCountIs('AWS::SNS::Topic', 0);
    template.resourceCountIs('AWS::KMS::Key', 0);
    template.hasResourceProperties('AWS::SNS::Subscription', { TopicArn: topic.topicArn, Endpoint: 'ops@example.com' });
    template.hasResourceProperties('AWS::CloudWatch::Alarm', { MetricName: 'Errors', AlarmActions: [topic.topicArn] });
    expect(statements.find((s) => s.Sid === 'PublishAlerts')?.Resource).toBe(topic.topicArn);
    expect(statements.find((s) => s.Sid === 'UseAlertTopicKey')?.Resource).toBe(key.keyArn);
  });

  it('rejects invalid settings with a ConfigError listing each of them', () => {
    const stack = new Stack(testApp(), 'Host');

    expect(() => new BacktrackChecker(stack, 'Checker', { config: { minWindowHours: 100, regions: ['moon-1'] } })).toThrow(ConfigError);
    expect(() => new BacktrackChecker(stack, 'Checker2', { config: { minWindowHours: 100, regions: ['moon-1'] } })).toThrow(
      /minWindowHours[\s\S]*regions/,
    );
  });
});

/** The Slack channel (AWS Chatbot) that renders the alert topic's messages, with a notifications-only guardrail. */
import { Names, Stack, Validations } from 'aws-cdk-lib';
import * as chatbot from 'aws-cdk-lib/aws-chatbot';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as sns from 'aws-cdk-lib/aws-sns';
import type { Construct } from 'constructs';

/**
 * AWS Chatbot for Slack with a notifications-only guardrail: the channel may read alarms and
 * metrics to render notifications and nothing else (the Chatbot default guardrail is AdministratorAccess).
 */
export function createSlackChannel(
  scope: Construct,
  topic: sns.ITopic,
  workspaceId: string,
  channelId: string,
): chatbot.SlackChannelConfiguration {
  const guardrail = new iam.ManagedPolicy(scope, 'SlackGuardrailPolicy', {
    description: 'Aurora Backtrack checker Slack channel: read CloudWatch alarms and metrics to render notifications, nothing else',
    statements: [
      new iam.PolicyStatement({
        sid: 'RenderAlarmNotifications',
        actions: [
          'cloudwatch:DescribeAlarms',
          'cloudwatch:GetMetricData',
          'cloudwatch:GetMetricStatistics',
          'cloudwatch:GetMetricWidgetImage',
        ],
        resources: ['*'],
      }),
    ],
  });
  Validations.of(guardrail).acknowledge({
    id: 'AwsSolutions-IAM5[Resource::*]',
    reason:
      'Read-only CloudWatch actions Chatbot uses to render alarm notifications; GetMetricData, GetMetricStatistics and GetMetricWidgetImage have no resource-level scoping, DescribeAlarms must list the alarms it renders.',
  });
  // Chatbot may assume the channel role only on behalf of this account (confused-deputy protection).
  const role = new iam.Role(scope, 'SlackChannelRole', {
    assumedBy: new iam.ServicePrincipal('chatbot.amazonaws.com', {
      conditions: { StringEquals: { 'aws:SourceAccount': Stack.of(scope).account } },
    }),
    description: 'Aurora Backtrack checker Slack channel: render alarm and alert notifications',
    managedPolicies: [guardrail],
  });
  return new chatbot.SlackChannelConfiguration(scope, 'SlackChannel', {
    slackChannelConfigurationName: Names.uniqueResourceName(scope, { maxLength: 128, separator: '-' }),
    slackWorkspaceId: workspaceId,
    slackChannelId: channelId,
    notificationTopics: [topic],
    guardrailPolicies: [guardrail],
    role,
    userRoleRequired: false,
  });
}

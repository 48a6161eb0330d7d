/**
 * The organization's central alert topic, in the hub (security) account: the e-mail and Slack
 * subscriptions live here once, and every member checker publishes to it. The topic policy and
 * the key policy admit one principal of the members: their checker function's fixed-name role,
 * from accounts of this organization only (`aws:PrincipalOrgID` and `aws:PrincipalArn`). The
 * members' alarms arrive through the hub's event bus and its alarm relay (lib/hub/alarm-relay.ts),
 * a function of this account.
 */
import { Annotations, Names, Stack } from 'aws-cdk-lib';
import type * as chatbot from 'aws-cdk-lib/aws-chatbot';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as kms from 'aws-cdk-lib/aws-kms';
import type * as sns from 'aws-cdk-lib/aws-sns';
import * as snsSubscriptions from 'aws-cdk-lib/aws-sns-subscriptions';
import { Construct } from 'constructs';
import { createTopic, createTopicKey } from '../alert-topic';
import { createSlackChannel } from '../slack-channel';
import { MEMBER_FUNCTION_ROLE_NAME, memberRoleArnPattern } from './member-roles';

export interface HubAlertTopicProps {
  /** The organization (`o-...`) whose member checkers may publish. */
  readonly organizationId: string;
  /** E-mail addresses subscribed to every member's alerts and alarms. */
  readonly alertEmails?: readonly string[];
  /** AWS Chatbot Slack workspace and channel (both or neither). */
  readonly slack?: { readonly workspaceId: string; readonly channelId: string };
  /** Deploy without any subscriber (and without the warning). */
  readonly allowNoSubscribers?: boolean;
}

export class HubAlertTopic extends Construct {
  readonly topic: sns.Topic;
  readonly key: kms.Key;
  readonly slackChannel?: chatbot.SlackChannelConfiguration;
  /** The hub's own alarms are named with this prefix: the topic and key policies admit them. */
  readonly alarmNamePrefix: string;

  constructor(scope: Construct, id: string, props: HubAlertTopicProps) {
    super(scope, id);
    // The hub's own alarms (if any) are named with this prefix, as in a single-account stack.
    const alarmNamePrefix = (this.alarmNamePrefix = `${Names.uniqueResourceName(this, { maxLength: 64, separator: '-' })}-`);
    this.key = createTopicKey(this, alarmNamePrefix);
    this.topic = createTopic(this, this.key, alarmNamePrefix);
    const members = memberCheckerConditions(props.organizationId);
    this.topic.addToResourcePolicy(
      new iam.PolicyStatement({
        sid: 'AllowMemberCheckersOfTheOrganizationToPublish',
        principals: [new iam.AnyPrincipal()],
        actions: ['sns:Publish'],
        resources: [this.topic.topicArn],
        conditions: members,
      }),
    );
    this.key.addToResourcePolicy(
      new iam.PolicyStatement({
        sid: 'AllowMemberCheckersOfTheOrganizationToUseTheTopicKeyThroughSns',
        principals: [new iam.AnyPrincipal()],
        actions: ['kms:GenerateDataKey*', 'kms:Decrypt'],
        resources: ['*'],
        conditions: {
          ...members,
          StringEquals: { ...members.StringEquals, 'kms:ViaService': `sns.${Stack.of(this).region}.amazonaws.com` },
        },
      }),
    );

    const emails = props.alertEmails ?? [];
    for (const email of emails) this.topic.addSubscription(new snsSubscriptions.EmailSubscription(email));
    if (props.slack) this.slackChannel = createSlackChannel(this, this.topic, props.slack.workspaceId, props.slack.channelId);
    if (emails.length === 0 && !props.slack && !props.allowNoSubscribers) {
      Annotations.of(this).addWarningV2(
        'aurora-backtrack-checker:no-subscribers',
        "The organization's alert topic has no subscriber: no member's alerts or alarms will reach anyone. Set alertEmails or slackWorkspaceId and slackChannelId, subscribe the topic yourself after deploy, or set allowNoSubscribers=true.",
      );
    }
  }
}

/** `aws:PrincipalOrgID` and `aws:PrincipalArn`: a member checker's function role of this organization, nothing else. */
export function memberCheckerConditions(organizationId: string): {
  StringEquals: Record<string, string>;
  ArnLike: Record<string, string>;
} {
  return {
    StringEquals: { 'aws:PrincipalOrgID': organizationId },
    ArnLike: { 'aws:PrincipalArn': memberRoleArnPattern(MEMBER_FUNCTION_ROLE_NAME) },
  };
}

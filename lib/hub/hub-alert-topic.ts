/**
 * The organization's central alert topic, in the hub (security) account: the e-mail and Slack
 * subscriptions live here once. Only the hub's own principals publish to it: its relay, its
 * coverage function (both by their IAM policies in this account) and its alarms
 * (`cloudwatch.amazonaws.com` for this account's alarms named with the prefix). The topic and key
 * policies name no other account: the members' alerts and alarms arrive as events on the hub's
 * bus, and the relay (lib/hub/relay.ts) publishes them with the account EventBridge stamped.
 */
import { Annotations, Names } from 'aws-cdk-lib';
import type * as chatbot from 'aws-cdk-lib/aws-chatbot';
import type * as kms from 'aws-cdk-lib/aws-kms';
import type * as sns from 'aws-cdk-lib/aws-sns';
import * as snsSubscriptions from 'aws-cdk-lib/aws-sns-subscriptions';
import { Construct } from 'constructs';
import { createTopic, createTopicKey } from '../alert-topic';
import { createSlackChannel } from '../slack-channel';

export interface HubAlertTopicProps {
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

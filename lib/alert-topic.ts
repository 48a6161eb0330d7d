/**
 * The alert topic and its customer-managed key, with the policies that let this stack's alarms
 * (and only them) publish to it. CDK's `enforceSSL` writes a topic policy holding a single Deny;
 * a topic policy replaces SNS's default one, so without an explicit Allow for
 * `cloudwatch.amazonaws.com` the alarms could not notify anyone.
 */
import { ArnFormat, RemovalPolicy, Stack } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as sns from 'aws-cdk-lib/aws-sns';
import type { Construct } from 'constructs';

/** `arn:<partition>:cloudwatch:<region>:<account>:alarm:<prefix>*`: the alarms this stack names with the prefix. */
export function alarmArnPattern(scope: Construct, alarmNamePrefix: string): string {
  return Stack.of(scope).formatArn({
    service: 'cloudwatch',
    resource: 'alarm',
    resourceName: `${alarmNamePrefix}*`,
    arnFormat: ArnFormat.COLON_RESOURCE_NAME,
  });
}

/** Conditions that confine a CloudWatch service grant to this account's alarms named with the prefix. */
export function fromOwnAlarms(scope: Construct, alarmNamePrefix: string): Record<string, Record<string, string>> {
  return {
    StringEquals: { 'aws:SourceAccount': Stack.of(scope).account },
    ArnLike: { 'aws:SourceArn': alarmArnPattern(scope, alarmNamePrefix) },
  };
}

/** A rotating customer-managed key for the topic, usable by this stack's alarms (SNS's own key refuses CloudWatch). */
export function createTopicKey(scope: Construct, alarmNamePrefix: string): kms.Key {
  const key = new kms.Key(scope, 'AlertKey', {
    description: 'Aurora Backtrack checker: encrypts the alert topic',
    enableKeyRotation: true,
    removalPolicy: RemovalPolicy.RETAIN,
  });
  key.addToResourcePolicy(
    new iam.PolicyStatement({
      sid: 'AllowThisStacksAlarmsToUseTheTopicKey',
      principals: [new iam.ServicePrincipal('cloudwatch.amazonaws.com')],
      actions: ['kms:GenerateDataKey*', 'kms:Decrypt'],
      resources: ['*'],
      conditions: fromOwnAlarms(scope, alarmNamePrefix),
    }),
  );
  return key;
}

/** The encrypted topic; TLS only, and publishable by this stack's alarms. */
export function createTopic(scope: Construct, key: kms.IKey, alarmNamePrefix: string): sns.Topic {
  const topic = new sns.Topic(scope, 'AlertTopic', {
    displayName: 'Aurora Backtrack checker',
    masterKey: key,
    enforceSSL: true,
  });
  topic.addToResourcePolicy(
    new iam.PolicyStatement({
      sid: 'AllowThisStacksAlarmsToPublish',
      principals: [new iam.ServicePrincipal('cloudwatch.amazonaws.com')],
      actions: ['sns:Publish'],
      resources: [topic.topicArn],
      conditions: fromOwnAlarms(scope, alarmNamePrefix),
    }),
  );
  return topic;
}

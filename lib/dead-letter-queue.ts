/**
 * A dead-letter queue as every part of this product makes one: SQS-managed encryption, TLS only,
 * kept 14 days, and cdk-nag's "no DLQ of its own" acknowledged with what the queue holds.
 */
import { Duration, Validations } from 'aws-cdk-lib';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import type { Construct } from 'constructs';

/** `holds`: the acknowledgement's reason, saying whose dead-letter queue it is and what lands there. */
export function createDeadLetterQueue(scope: Construct, id: string, holds: string): sqs.Queue {
  const queue = new sqs.Queue(scope, id, {
    encryption: sqs.QueueEncryption.SQS_MANAGED,
    enforceSSL: true,
    retentionPeriod: Duration.days(14),
  });
  Validations.of(queue).acknowledge({ id: 'AwsSolutions-SQS3', reason: holds });
  return queue;
}

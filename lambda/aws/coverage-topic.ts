/** The hub's coverage messages on the organization's alert topic. */
import { PublishCommand, type SNSClient } from '@aws-sdk/client-sns';
import type { CoverageAlert } from '../core/coverage';
import { clientRegion } from './client-region';
import { InvalidResponseError } from './errors';

/**
 * Publishes with MessageStructure json (e-mail gets `email`, AWS Chatbot `default`). The attributes
 * `severity`, `event` and `account_id` (every account the message names, as a String.Array: a
 * team's filter policy on its accounts matches any of them) are those of the checker's alerts.
 */
export async function publishCoverage(client: SNSClient, topicArn: string, alert: CoverageAlert): Promise<string> {
  const out = await client.send(
    new PublishCommand({
      TopicArn: topicArn,
      Subject: alert.subject,
      MessageStructure: 'json',
      Message: JSON.stringify({ default: alert.default, email: alert.email }),
      MessageAttributes: {
        severity: { DataType: 'String', StringValue: alert.severity },
        event: { DataType: 'String.Array', StringValue: JSON.stringify(alert.event) },
        ...(alert.accountIds.length > 0 ? { account_id: { DataType: 'String.Array', StringValue: JSON.stringify(alert.accountIds) } } : {}),
      },
    }),
  );
  if (!out.MessageId) throw new InvalidResponseError('SNS Publish', await clientRegion(client), `no MessageId for topic ${topicArn}`);
  return out.MessageId;
}

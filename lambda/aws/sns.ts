import { PublishCommand, type SNSClient } from '@aws-sdk/client-sns';
import { clientRegion } from './client-region';
import { InvalidResponseError } from './errors';

/**
 * One alert, already written: `default` is the AWS Chatbot card, `email` the plain-text body.
 * `event` is one event name, or several when one message reports several kinds of change.
 */
export interface AlertMessage {
  subject: string;
  default: string;
  email: string;
  /**
   * `accountId`: the account the checker ran in (the hub's topic receives every member's alerts),
   * or every account a hub message names (a team's filter on its accounts matches any of them; none:
   * no attribute).
   */
  attributes: { severity: string; event: string | readonly string[]; accountId: string | readonly string[] };
}

/** A String attribute, or a String.Array one (a JSON array, which subscription filters match per element). */
const attribute = (value: string | readonly string[]) =>
  typeof value === 'string' ? { DataType: 'String', StringValue: value } : { DataType: 'String.Array', StringValue: JSON.stringify(value) };

/**
 * Publishes the alert with MessageStructure json, so e-mail subscribers get `email` and every other
 * protocol (AWS Chatbot among them) gets `default`. The attributes (`severity`, `event`,
 * `account_id`) let subscriptions filter, e.g. a team to its own accounts of an organization.
 * Returns the SNS MessageId.
 */
export async function publishAlert(client: SNSClient, topicArn: string, alert: AlertMessage): Promise<string> {
  const out = await client.send(
    new PublishCommand({
      TopicArn: topicArn,
      Subject: alert.subject,
      MessageStructure: 'json',
      Message: JSON.stringify({ default: alert.default, email: alert.email }),
      MessageAttributes: {
        severity: { DataType: 'String', StringValue: alert.attributes.severity },
        event: attribute(alert.attributes.event),
        ...(alert.attributes.accountId.length > 0 && { account_id: attribute(alert.attributes.accountId) }),
      },
    }),
  );
  if (!out.MessageId) {
    throw new InvalidResponseError('SNS Publish', await clientRegion(client), `no MessageId for topic ${topicArn}`);
  }
  return out.MessageId;
}

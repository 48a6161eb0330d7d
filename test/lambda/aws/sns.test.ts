import 'aws-sdk-client-mock-jest';
import { PublishCommand, SNSClient, type PublishCommandInput } from '@aws-sdk/client-sns';
import { mockClient } from 'aws-sdk-client-mock';
import { InvalidResponseError } from '../../../lambda/aws/errors';
import { publishAlert, type AlertMessage } from '../../../lambda/aws/sns';

const sns = mockClient(SNSClient);
const client = new SNSClient({ region: 'eu-west-1' });
const TOPIC = 'arn:aws:sns:eu-west-1:111122223333:backtrack-alerts';

const alert = (
  event: AlertMessage['attributes']['event'] = 'new-failure',
  accountId: AlertMessage['attributes']['accountId'] = '111122223333',
): AlertMessage => ({
  subject: 'Aurora Backtrack: 1 new failure (account 111122223333)',
  default: '{"version":"1.0","source":"custom","content":{"description":"orders"}}',
  email: 'Cluster orders in eu-west-1: Backtrack disabled',
  attributes: { severity: 'MEDIUM', event, accountId },
});

beforeEach(() => {
  sns.reset();
});

describe('publishAlert', () => {
  it('publishes MessageStructure json with default and email bodies, subject and string attributes', async () => {
    sns.on(PublishCommand).resolves({ MessageId: 'msg-1' });

    const id = await publishAlert(client, TOPIC, alert());

    expect(id).toBe('msg-1');
    expect(sns).toHaveReceivedCommandTimes(PublishCommand, 1);
    expect(sns).toHaveReceivedCommandWith(PublishCommand, {
      TopicArn: TOPIC,
      Subject: 'Aurora Backtrack: 1 new failure (account 111122223333)',
      MessageStructure: 'json',
      MessageAttributes: {
        severity: { DataType: 'String', StringValue: 'MEDIUM' },
        event: { DataType: 'String', StringValue: 'new-failure' },
        account_id: { DataType: 'String', StringValue: '111122223333' },
      },
    });
    const input = sns.commandCalls(PublishCommand)[0]?.args[0].input as PublishCommandInput;
    expect(JSON.parse(input.Message ?? '')).toEqual({
      default: '{"version":"1.0","source":"custom","content":{"description":"orders"}}',
      email: 'Cluster orders in eu-west-1: Backtrack disabled',
    });
  });

  it('sends several events as a String.Array attribute that subscription filters match per element', async () => {
    sns.on(PublishCommand).resolves({ MessageId: 'msg-2' });

    await publishAlert(client, TOPIC, alert(['new-failure', 'resolved']));

    expect(sns).toHaveReceivedCommandWith(PublishCommand, {
      MessageAttributes: expect.objectContaining({
        event: { DataType: 'String.Array', StringValue: '["new-failure","resolved"]' },
      }),
    });
  });

  it('sends the accounts a hub message names as a String.Array account_id, and none when it names no account', async () => {
    sns.on(PublishCommand).resolves({ MessageId: 'msg-4' });

    await publishAlert(client, TOPIC, alert('coverage-lost', ['111122223333', '444455556666']));
    await publishAlert(client, TOPIC, alert('coverage-digest', []));

    const attributes = sns.commandCalls(PublishCommand).map((c) => c.args[0].input.MessageAttributes);
    expect(attributes[0]?.['account_id']).toEqual({ DataType: 'String.Array', StringValue: '["111122223333","444455556666"]' });
    expect(attributes[1]).not.toHaveProperty('account_id');
  });

  it('names the account that ran the check in the account_id attribute, so a subscription can filter on its accounts', async () => {
    sns.on(PublishCommand).resolves({ MessageId: 'msg-3' });

    await publishAlert(client, TOPIC, alert('new-failure', '444455556666'));

    expect(sns).toHaveReceivedCommandWith(PublishCommand, {
      MessageAttributes: expect.objectContaining({ account_id: { DataType: 'String', StringValue: '444455556666' } }),
    });
  });

  it('raises InvalidResponseError when SNS returns no MessageId', async () => {
    sns.on(PublishCommand).resolves({});

    await expect(publishAlert(client, TOPIC, alert())).rejects.toThrow(InvalidResponseError);
  });

  it('lets a Publish failure reach the caller', async () => {
    sns.on(PublishCommand).rejects(Object.assign(new Error('KMS key disabled'), { name: 'KMSDisabledException' }));

    await expect(publishAlert(client, TOPIC, alert())).rejects.toThrow('KMS key disabled');
  });
});

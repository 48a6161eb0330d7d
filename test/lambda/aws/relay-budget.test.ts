import { ConditionalCheckFailedException, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import 'aws-sdk-client-mock-jest';
import { DynamoRelayBudget } from '../../../lambda/aws/relay-budget';

const doc = mockClient(DynamoDBDocumentClient);
const budget = new DynamoRelayBudget(DynamoDBDocumentClient.from(new DynamoDBClient({ region: 'eu-west-1' })), 'budget', 120);

beforeEach(() => doc.reset());

describe('DynamoRelayBudget', () => {
  it("counts a message in the account's item of the hour with a conditional update that never passes the budget", async () => {
    doc.on(UpdateCommand).resolves({});

    expect(await budget.take('444455556666', new Date('2026-12-01T10:59:59Z'))).toBe(true);
    expect(doc).toHaveReceivedCommandWith(UpdateCommand, {
      TableName: 'budget',
      Key: { pk: 'budget#444455556666#2026-12-01T10' },
      UpdateExpression: 'ADD #n :one SET #ttl = :ttl',
      ConditionExpression: 'attribute_not_exists(#n) OR #n < :max',
      ExpressionAttributeValues: { ':one': 1, ':max': 120, ':ttl': Date.parse('2026-12-01T12:00:00Z') / 1000 },
    });
  });

  it('says over budget when the condition fails, and passes any other error on', async () => {
    doc
      .on(UpdateCommand)
      .rejectsOnce(new ConditionalCheckFailedException({ message: 'failed', $metadata: {} }))
      .rejectsOnce(new Error('throttled'));

    expect(await budget.take('444455556666', new Date())).toBe(false);
    await expect(budget.take('444455556666', new Date())).rejects.toThrow('throttled');
  });
});

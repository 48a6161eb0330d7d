/**
 * The hub relay's per-account budget: one item per account and hour in the relay's table, counted
 * with a conditional update, so concurrent relay invocations never let an account past its budget.
 * The item expires (TTL) an hour after its hour ends.
 */
import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { UpdateCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';

export interface RelayBudget {
  /** True when the message fits the account's budget for the hour of `at` (and is counted); false when over it. */
  take(account: string, at: Date): Promise<boolean>;
}

/** The table attribute DynamoDB's TTL reads (the hub stack sets it as the table's TTL attribute). */
export const BUDGET_TTL_ATTRIBUTE = 'expiresAt';

const HOUR_MS = 3_600_000;

export class DynamoRelayBudget implements RelayBudget {
  constructor(
    private readonly doc: DynamoDBDocumentClient,
    readonly tableName: string,
    readonly perHour: number,
  ) {}

  async take(account: string, at: Date): Promise<boolean> {
    const hour = Math.floor(at.getTime() / HOUR_MS);
    try {
      await this.doc.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: { pk: `budget#${account}#${new Date(hour * HOUR_MS).toISOString().slice(0, 13)}` },
          UpdateExpression: 'ADD #n :one SET #ttl = :ttl',
          ConditionExpression: 'attribute_not_exists(#n) OR #n < :max',
          ExpressionAttributeNames: { '#n': 'messages', '#ttl': BUDGET_TTL_ATTRIBUTE },
          ExpressionAttributeValues: { ':one': 1, ':max': this.perHour, ':ttl': Math.floor(((hour + 2) * HOUR_MS) / 1000) },
        }),
      );
      return true;
    } catch (err) {
      if (err instanceof ConditionalCheckFailedException) return false;
      throw err;
    }
  }
}

/**
 * The run lease's writes to the state table (lambda/aws/state.ts uses them): conditional PutItem to
 * take and free it, conditional UpdateItem for the re-checks queued on it.
 */
import { PutCommand, UpdateCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { StateStoreError } from './errors';
import { leaseHolder, leaseKey, queuedOn, type LeaseHolder, type LeaseRelease, type RunLease } from './lease-item';

/** A copy without undefined values. */
const toItem = (item: object): Record<string, unknown> => Object.fromEntries(Object.entries(item).filter(([, v]) => v !== undefined));

export class LeaseTable {
  constructor(
    private readonly client: DynamoDBDocumentClient,
    readonly tableName: string,
  ) {}

  async acquire(lease: RunLease, nowMs: number): Promise<LeaseHolder> {
    // A PutItem replaces the whole item: it may take only a lease without queued re-checks.
    const free = 'attribute_not_exists(pk) OR (expiresAt < :now AND attribute_not_exists(queued))';
    const refused = await this.conditionalPut(lease, free, { ':now': nowMs });
    if (!refused) return { acquired: true };
    const held = leaseHolder(refused.Item);
    if (held && held.expiresAt < nowMs && queuedOn(refused.Item).length > 0) return this.takeOverQueue(lease, nowMs);
    return held ? { acquired: false, heldBy: held } : { acquired: false };
  }

  /** Takes an expired lease that has re-checks queued on it, keeping them (UpdateItem). */
  private async takeOverQueue(lease: RunLease, nowMs: number): Promise<LeaseHolder> {
    const refused = await this.conditionalUpdate({
      Key: { pk: lease.pk },
      UpdateExpression: 'SET accountId = :accountId, #owner = :owner, expiresAt = :expiresAt, #mode = :mode, acquiredAt = :acquiredAt',
      ConditionExpression: 'expiresAt < :now',
      ExpressionAttributeNames: { '#owner': 'owner', '#mode': 'mode' },
      ExpressionAttributeValues: {
        ':accountId': lease.accountId,
        ':owner': lease.owner,
        ':expiresAt': lease.expiresAt,
        ':mode': lease.mode,
        ':acquiredAt': lease.acquiredAt,
        ':now': nowMs,
      },
    });
    if (!refused) return { acquired: true };
    const held = leaseHolder(refused.Item);
    return held ? { acquired: false, heldBy: held } : { acquired: false };
  }

  async queue(accountId: string, cluster: string, nowMs: number): Promise<boolean> {
    const refused = await this.conditionalUpdate({
      Key: { pk: leaseKey(accountId) },
      UpdateExpression: 'ADD queued :cluster',
      ConditionExpression: 'attribute_exists(pk) AND expiresAt >= :now',
      ExpressionAttributeValues: { ':cluster': new Set([cluster]), ':now': nowMs },
    });
    return !refused;
  }

  async release(lease: RunLease, options: { keepQueue?: boolean; signal?: AbortSignal } = {}): Promise<LeaseRelease> {
    const mine = { ':owner': lease.owner };
    const names = { '#owner': 'owner' };
    if (options.keepQueue) {
      const refused = await this.conditionalUpdate(
        {
          Key: { pk: lease.pk },
          UpdateExpression: 'SET expiresAt = :zero',
          ConditionExpression: '#owner = :owner',
          ExpressionAttributeNames: names,
          ExpressionAttributeValues: { ...mine, ':zero': 0 },
        },
        options.signal,
      );
      return refused ? { released: false, queued: [] } : { released: true };
    }
    // Released = expired now: the item stays (PutItem), the next run's condition takes it. A re-check
    // queued meanwhile fails the condition and comes back with the refusal (no extra read).
    const refused = await this.conditionalPut(
      { ...lease, expiresAt: 0 },
      '#owner = :owner AND attribute_not_exists(queued)',
      mine,
      names,
      options.signal,
    );
    if (!refused) return { released: true };
    const stillMine = String((refused.Item?.owner as { S?: string } | undefined)?.S ?? refused.Item?.owner) === lease.owner;
    return { released: false, queued: stillMine ? queuedOn(refused.Item) : [] };
  }

  async dequeue(lease: RunLease, done: string[], signal?: AbortSignal): Promise<void> {
    if (done.length === 0) return;
    await this.conditionalUpdate(
      {
        Key: { pk: lease.pk },
        UpdateExpression: 'DELETE queued :done',
        ConditionExpression: '#owner = :owner',
        ExpressionAttributeNames: { '#owner': 'owner' },
        ExpressionAttributeValues: { ':done': new Set(done), ':owner': lease.owner },
      },
      signal,
    );
  }

  /**
   * PutItem under a condition (the lease's usual writes); undefined when written, else the refusal
   * with the item that held (ReturnValuesOnConditionCheckFailure, no extra read).
   */
  private async conditionalPut(
    item: RunLease,
    condition: string,
    values: Record<string, unknown>,
    names?: Record<string, string>,
    signal?: AbortSignal,
  ): Promise<{ Item?: Record<string, unknown> } | undefined> {
    return this.conditional('PutItem', signal, () =>
      this.client.send(
        new PutCommand({
          TableName: this.tableName,
          Item: toItem(item),
          ConditionExpression: condition,
          ExpressionAttributeValues: values,
          ...(names && { ExpressionAttributeNames: names }),
          ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
        }),
        { abortSignal: signal },
      ),
    );
  }

  /** UpdateItem under a condition (the queue of re-checks on the lease), answered as conditionalPut is. */
  private async conditionalUpdate(
    input: Omit<ConstructorParameters<typeof UpdateCommand>[0], 'TableName' | 'ReturnValuesOnConditionCheckFailure'>,
    signal?: AbortSignal,
  ): Promise<{ Item?: Record<string, unknown> } | undefined> {
    return this.conditional('UpdateItem', signal, () =>
      this.client.send(new UpdateCommand({ ...input, TableName: this.tableName, ReturnValuesOnConditionCheckFailure: 'ALL_OLD' }), {
        abortSignal: signal,
      }),
    );
  }

  private async conditional(
    operation: string,
    signal: AbortSignal | undefined,
    send: () => Promise<unknown>,
  ): Promise<{ Item?: Record<string, unknown> } | undefined> {
    try {
      await send();
      return undefined;
    } catch (err) {
      if (err instanceof Error && err.name === 'ConditionalCheckFailedException') return err as { Item?: Record<string, unknown> };
      const name = signal?.aborted ? 'DeadlineExceeded' : err instanceof Error ? err.name : 'Error';
      const message = err instanceof Error ? err.message : String(err);
      throw new StateStoreError(this.tableName, `${operation} (run lease) failed: ${name}: ${message}`, { cause: err });
    }
  }
}

import 'aws-sdk-client-mock-jest';
import { ConditionalCheckFailedException, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import {
  BatchWriteCommand,
  DynamoDBDocumentClient,
  GetCommand,
  PutCommand,
  ScanCommand,
  UpdateCommand,
  type BatchWriteCommandInput,
} from '@aws-sdk/lib-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { StateStoreError } from '../../../lambda/aws/errors';
import { createStateDocumentClient, DynamoStateStore, leaseKey, MemoryStateStore, type RunLease } from '../../../lambda/aws/state';
import { clusterKey, metaKey, type ClusterState, type RunMeta } from '../../../lambda/core/state-types';

const ddb = mockClient(DynamoDBDocumentClient);
const TABLE = 'backtrack-state';
const ACCOUNT = '111122223333';
const doc = DynamoDBDocumentClient.from(new DynamoDBClient({ region: 'eu-west-1' }));

const state = (i: number, accountId = ACCOUNT): ClusterState => ({
  pk: clusterKey(accountId, 'eu-west-1', `cluster-${i}`),
  accountId,
  region: 'eu-west-1',
  resourceId: `cluster-${i}`,
  identifier: `db-${i}`,
  arn: `arn:aws:rds:eu-west-1:${accountId}:cluster:db-${i}`,
  status: 'FAILED',
  condition: 'disabled',
  since: '2026-11-01T00:00:00Z',
  suppressed: false,
  alerted: 'disabled',
});
const meta = (): RunMeta => ({ pk: metaKey(ACCOUNT), accountId: ACCOUNT, degraded: ['region-not-scanned#eu-west-3'] });

const sleeps: number[] = [];
const store = () =>
  new DynamoStateStore(doc, TABLE, {
    sleep: (ms) => {
      sleeps.push(ms);
      return Promise.resolve();
    },
  });
const batchInputs = () => ddb.commandCalls(BatchWriteCommand).map((c) => c.args[0].input.RequestItems?.[TABLE] ?? []);

beforeEach(() => {
  ddb.reset();
  sleeps.length = 0;
});

describe('DynamoStateStore.write', () => {
  it('writes 60 items in 3 BatchWriteItem calls of at most 25, puts and deletes together', async () => {
    ddb.on(BatchWriteCommand).resolves({ UnprocessedItems: {} });
    const puts = Array.from({ length: 50 }, (_, i) => state(i));
    const removes = Array.from({ length: 10 }, (_, i) => clusterKey(ACCOUNT, 'eu-west-1', `gone-${i}`));

    await store().write(puts, removes);

    expect(ddb).toHaveReceivedCommandTimes(BatchWriteCommand, 3);
    expect(batchInputs().map((b) => b.length)).toEqual([25, 25, 10]);
    expect(batchInputs()[2]?.[0]).toEqual({ DeleteRequest: { Key: { pk: removes[0] } } });
    expect(batchInputs()[0]?.[0]).toEqual({ PutRequest: { Item: state(0) } });
  });

  it('sends UnprocessedItems again after a growing back-off until they are written', async () => {
    const puts = Array.from({ length: 20 }, (_, i) => state(i));
    const leftOver = [{ PutRequest: { Item: state(3) } }, { PutRequest: { Item: state(4) } }];
    ddb
      .on(BatchWriteCommand)
      .resolvesOnce({ UnprocessedItems: { [TABLE]: leftOver } })
      .resolvesOnce({ UnprocessedItems: { [TABLE]: leftOver.slice(1) } })
      .resolves({ UnprocessedItems: {} });

    await store().write(puts, []);

    expect(batchInputs().map((b) => b.length)).toEqual([20, 2, 1]);
    expect(batchInputs()[1]).toEqual(leftOver);
    expect(sleeps).toEqual([50, 100]);
  });

  it('sends the batches of a large write in parallel, at most 8 at a time', async () => {
    let inFlight = 0;
    let most = 0;
    ddb.on(BatchWriteCommand).callsFake(async () => {
      inFlight += 1;
      most = Math.max(most, inFlight);
      await new Promise((r) => setTimeout(r, 5));
      inFlight -= 1;
      return { UnprocessedItems: {} };
    });

    await store().write(
      Array.from({ length: 400 }, (_, i) => state(i)),
      [],
    );

    expect(batchInputs()).toHaveLength(16);
    expect(most).toBe(8);
  });

  it('gives up after 5 retries and raises StateStoreError with how many items were not written', async () => {
    ddb.on(BatchWriteCommand).callsFake((input: BatchWriteCommandInput) => {
      const requests = input.RequestItems?.[TABLE] ?? [];
      const stuck = requests.filter((r) => r.PutRequest?.Item?.['pk'] === state(1).pk);
      return { UnprocessedItems: stuck.length ? { [TABLE]: stuck } : {} };
    });
    const puts = Array.from({ length: 30 }, (_, i) => state(i));

    const error: unknown = await store()
      .write(puts, [])
      .catch((e: unknown) => e);

    expect(error).toBeInstanceOf(StateStoreError);
    expect((error as Error).message).toContain(`1 of 30 items were not written after 5 retries`);
    expect((error as Error).message).toContain(TABLE);
    expect(ddb).toHaveReceivedCommandTimes(BatchWriteCommand, 1 + 5 + 1);
    expect(sleeps).toEqual([50, 100, 200, 400, 800]);
  });

  it('drops undefined attributes from the items it writes', async () => {
    ddb.on(BatchWriteCommand).resolves({});

    await store().write([{ ...state(1), exemptReason: undefined, workflow: 'NEW' }], []);

    const item = batchInputs()[0]?.[0]?.PutRequest?.Item;
    expect(item).not.toHaveProperty('exemptReason');
    expect(item).toHaveProperty('workflow', 'NEW');
  });

  it('refuses a write that puts and deletes the same item, before calling DynamoDB', async () => {
    await expect(store().write([state(1)], [state(1).pk])).rejects.toThrow(StateStoreError);
    expect(ddb).not.toHaveReceivedCommand(BatchWriteCommand);
  });

  it('makes no call when there is nothing to write', async () => {
    await store().write([], []);

    expect(ddb).not.toHaveReceivedCommand(BatchWriteCommand);
  });

  it('wraps a DynamoDB error in StateStoreError naming the table and the operation', async () => {
    ddb.on(BatchWriteCommand).rejects(Object.assign(new Error('Requested resource not found'), { name: 'ResourceNotFoundException' }));

    await expect(store().write([state(1)], [])).rejects.toThrow(
      /State table "backtrack-state": BatchWriteItem failed: ResourceNotFoundException/,
    );
  });
});

describe('DynamoStateStore.load', () => {
  it('scans with a filter on the account and follows LastEvaluatedKey', async () => {
    ddb
      .on(ScanCommand)
      .resolvesOnce({ Items: [state(1), state(2)], LastEvaluatedKey: { pk: state(2).pk } })
      .resolvesOnce({ Items: [], LastEvaluatedKey: { pk: 'x' } })
      .resolvesOnce({ Items: [state(3)] });

    const { clusters: states } = await store().load(ACCOUNT);

    expect([...states.keys()]).toEqual([state(1).pk, state(2).pk, state(3).pk]);
    expect(states.get(state(2).pk)).toEqual(state(2));
    expect(ddb).toHaveReceivedCommandTimes(ScanCommand, 3);
    expect(ddb).toHaveReceivedNthCommandWith(1, ScanCommand, {
      TableName: TABLE,
      FilterExpression: '#accountId = :accountId',
      ExpressionAttributeValues: { ':accountId': ACCOUNT },
    });
    expect(ddb).toHaveReceivedNthCommandWith(2, ScanCommand, { ExclusiveStartKey: { pk: state(2).pk } });
    expect(ddb).toHaveReceivedNthCommandWith(3, ScanCommand, { ExclusiveStartKey: { pk: 'x' } });
  });

  it('reads the cluster items and the run-meta item in one Scan', async () => {
    const meta = { pk: `meta#${ACCOUNT}`, accountId: ACCOUNT, degraded: ['region-not-scanned#eu-west-3'] };
    ddb.on(ScanCommand).resolves({ Items: [state(1), meta, state(2)] });

    const { clusters, meta: loaded } = await store().load(ACCOUNT);

    expect([...clusters.keys()]).toEqual([state(1).pk, state(2).pk]);
    expect(loaded).toEqual(meta);
    expect(ddb).toHaveReceivedCommandTimes(ScanCommand, 1);
    expect(ddb).not.toHaveReceivedCommand(GetCommand);
  });

  it('raises StateStoreError when the scan returns the same LastEvaluatedKey twice', async () => {
    ddb.on(ScanCommand).resolves({ Items: [], LastEvaluatedKey: { pk: 'loop' } });

    await expect(store().load(ACCOUNT)).rejects.toThrow(/LastEvaluatedKey .* twice/);
    expect(ddb).toHaveReceivedCommandTimes(ScanCommand, 2);
  });

  it('raises StateStoreError naming an item that is not cluster state', async () => {
    ddb.on(ScanCommand).resolves({ Items: [{ pk: 'cluster#bad', accountId: ACCOUNT }] });

    await expect(store().load(ACCOUNT)).rejects.toThrow(/item "cluster#bad" is not a cluster state item/);
  });
});

describe('DynamoStateStore.write with the run-meta item', () => {
  it('puts the run-meta item under meta#<account> in the same BatchWriteItem as the cluster items, without undefined attributes', async () => {
    ddb.on(BatchWriteCommand).resolves({});

    await store().write([state(1)], [], { ...meta(), lastReminderAt: undefined });

    expect(ddb).toHaveReceivedCommandTimes(BatchWriteCommand, 1);
    expect(ddb).toHaveReceivedCommandTimes(PutCommand, 0);
    const requests = ddb.commandCalls(BatchWriteCommand)[0]?.args[0].input.RequestItems?.[TABLE] ?? [];
    expect(requests.map((r) => r.PutRequest?.Item)).toEqual([state(1), meta()]);
  });

  it('writes the run-meta item alone when no cluster changed', async () => {
    ddb.on(BatchWriteCommand).resolves({});

    await store().write([], [], meta());

    expect(ddb.commandCalls(BatchWriteCommand)[0]?.args[0].input.RequestItems?.[TABLE]).toEqual([{ PutRequest: { Item: meta() } }]);
  });

  it('wraps a DynamoDB error in StateStoreError naming the table and the operation', async () => {
    ddb.on(BatchWriteCommand).rejects(Object.assign(new Error('Requested resource not found'), { name: 'ResourceNotFoundException' }));

    await expect(store().write([], [], meta())).rejects.toThrow(
      /State table "backtrack-state": BatchWriteItem failed: ResourceNotFoundException/,
    );
  });
});

describe('DynamoStateStore run lease', () => {
  const lease: RunLease = {
    pk: leaseKey(ACCOUNT),
    accountId: ACCOUNT,
    owner: 'run-1',
    expiresAt: 2_000_000,
    mode: 'scan',
    acquiredAt: '2026-11-20T12:00:00.000Z',
  };
  const conditionFailed = (Item?: ConditionalCheckFailedException['Item']) =>
    new ConditionalCheckFailedException({ message: 'The conditional request failed', $metadata: {}, ...(Item && { Item }) });

  it('takes the lease with a PutItem that holds only when the item is absent, or expired with no re-check queued on it', async () => {
    ddb.on(PutCommand).resolves({});

    expect(await store().acquireLease(lease, 1_000_000)).toEqual({ acquired: true });
    expect(ddb).toHaveReceivedCommandWith(PutCommand, {
      TableName: TABLE,
      Item: { ...lease },
      ConditionExpression: 'attribute_not_exists(pk) OR (expiresAt < :now AND attribute_not_exists(queued))',
      ExpressionAttributeValues: { ':now': 1_000_000 },
      ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
    });
  });

  it('reports who holds the lease from the item returned with the refusal, without reading it again', async () => {
    ddb.on(PutCommand).rejects(
      conditionFailed({
        pk: { S: lease.pk },
        owner: { S: 'run-0' },
        mode: { S: 'reminder' },
        acquiredAt: { S: lease.acquiredAt },
        expiresAt: { N: '3000000' },
      }),
    );

    expect(await store().acquireLease(lease, 1_000_000)).toEqual({
      acquired: false,
      heldBy: { mode: 'reminder', acquiredAt: lease.acquiredAt, expiresAt: 3_000_000 },
    });
    expect(ddb).toHaveReceivedCommandTimes(GetCommand, 0);
  });

  it('still reports the lease as held when the refusal carries no item', async () => {
    ddb.on(PutCommand).rejects(conditionFailed());

    expect(await store().acquireLease(lease, 1_000_000)).toEqual({ acquired: false });
  });

  it('frees the lease with a PutItem that holds only while this run owns it and no re-check is queued on it', async () => {
    ddb.on(PutCommand).resolves({});

    expect(await store().releaseLease(lease)).toEqual({ released: true });
    expect(ddb).toHaveReceivedCommandWith(PutCommand, {
      Item: { ...lease, expiresAt: 0 },
      ConditionExpression: '#owner = :owner AND attribute_not_exists(queued)',
      ExpressionAttributeNames: { '#owner': 'owner' },
      ExpressionAttributeValues: { ':owner': 'run-1' },
    });
  });

  it('answers not released, with nothing queued, when another run owns the lease by release time', async () => {
    ddb.on(PutCommand).rejects(conditionFailed({ pk: { S: lease.pk }, owner: { S: 'run-2' }, expiresAt: { N: '3000000' } }));

    expect(await store().releaseLease(lease)).toEqual({ released: false, queued: [] });
  });

  it('answers the re-checks queued on the lease from the refused release, without reading the item again', async () => {
    ddb
      .on(PutCommand)
      .rejects(
        conditionFailed({ pk: { S: lease.pk }, owner: { S: 'run-1' }, expiresAt: { N: '2000000' }, queued: { SS: ['eu-west-1#orders'] } }),
      );

    expect(await store().releaseLease(lease)).toEqual({ released: false, queued: ['eu-west-1#orders'] });
    expect(ddb).toHaveReceivedCommandTimes(GetCommand, 0);
  });

  it('queues a re-check on the lease with an UpdateItem that holds only while a run holds the lease', async () => {
    ddb.on(UpdateCommand).resolves({});

    expect(await store().queueRecheck(ACCOUNT, 'eu-west-1#orders', 1_000_000)).toBe(true);
    expect(ddb).toHaveReceivedCommandWith(UpdateCommand, {
      TableName: TABLE,
      Key: { pk: lease.pk },
      UpdateExpression: 'ADD queued :cluster',
      ConditionExpression: 'attribute_exists(pk) AND expiresAt >= :now',
      ExpressionAttributeValues: { ':cluster': new Set(['eu-west-1#orders']), ':now': 1_000_000 },
    });
  });

  it('does not queue a re-check when no run holds the lease', async () => {
    ddb.on(UpdateCommand).rejects(conditionFailed());

    expect(await store().queueRecheck(ACCOUNT, 'eu-west-1#orders', 1_000_000)).toBe(false);
  });

  it('takes an expired lease that has re-checks queued on it with an UpdateItem that keeps them', async () => {
    ddb
      .on(PutCommand)
      .rejects(
        conditionFailed({ pk: { S: lease.pk }, owner: { S: 'run-0' }, expiresAt: { N: '0' }, queued: { SS: ['eu-west-1#orders'] } }),
      );
    ddb.on(UpdateCommand).resolves({});

    expect(await store().acquireLease(lease, 1_000_000)).toEqual({ acquired: true });
    const update = ddb.commandCalls(UpdateCommand)[0]?.args[0].input;
    expect(update).toMatchObject({ Key: { pk: lease.pk }, ConditionExpression: 'expiresAt < :now' });
    expect(update?.UpdateExpression).not.toContain('queued');
  });

  it('releases keeping the queue, and takes done re-checks off it, only while this run owns the lease', async () => {
    ddb.on(UpdateCommand).resolves({});

    expect(await store().releaseLease(lease, { keepQueue: true })).toEqual({ released: true });
    await store().dequeueRechecks(lease, ['eu-west-1#orders']);

    const [keep, dequeue] = ddb.commandCalls(UpdateCommand).map((c) => c.args[0].input);
    expect(keep).toMatchObject({ UpdateExpression: 'SET expiresAt = :zero', ConditionExpression: '#owner = :owner' });
    expect(dequeue).toMatchObject({
      UpdateExpression: 'DELETE queued :done',
      ConditionExpression: '#owner = :owner',
      ExpressionAttributeValues: { ':done': new Set(['eu-west-1#orders']), ':owner': 'run-1' },
    });
  });

  it('raises StateStoreError naming the table for any other failure', async () => {
    ddb.on(PutCommand).rejects(Object.assign(new Error('no such table'), { name: 'ResourceNotFoundException' }));

    const failure = store().acquireLease(lease, 1_000_000);

    await expect(failure).rejects.toBeInstanceOf(StateStoreError);
    await expect(failure).rejects.toThrow(`State table "${TABLE}": PutItem (run lease) failed: ResourceNotFoundException: no such table`);
  });

  it('is not read back as a cluster or meta item', async () => {
    ddb.on(ScanCommand).resolves({ Items: [{ ...lease }, { ...state(1) }] });

    const loaded = await store().load(ACCOUNT);

    expect([...loaded.clusters.keys()]).toEqual([state(1).pk]);
    expect(loaded.meta).toBeUndefined();
  });
});

describe('createStateDocumentClient', () => {
  it('turns on removeUndefinedValues', () => {
    const client = createStateDocumentClient(new DynamoDBClient({ region: 'eu-west-1' }));

    expect(client.config.translateConfig?.marshallOptions?.removeUndefinedValues).toBe(true);
  });
});

describe('MemoryStateStore', () => {
  it('keeps cluster items per account and apart from the run-meta item', async () => {
    const memory = new MemoryStateStore();

    await memory.write([state(1), state(2), state(3, '444455556666')], [], meta());
    await memory.write([], [state(2).pk]);

    const mine = await memory.load(ACCOUNT);
    const other = await memory.load('444455556666');
    expect([...mine.clusters.keys()]).toEqual([state(1).pk]);
    expect(mine.meta).toEqual(meta());
    expect([...other.clusters.values()]).toEqual([state(3, '444455556666')]);
    expect(other.meta).toBeUndefined();
  });

  it('hands out copies, so a caller changing a result does not change the store', async () => {
    const memory = new MemoryStateStore([state(1), meta()]);

    const loaded = await memory.load(ACCOUNT);
    loaded.clusters.get(state(1).pk)!.status = 'PASSED';
    loaded.meta!.degraded.push('changed');

    const again = await memory.load(ACCOUNT);
    expect(again.clusters.get(state(1).pk)).toHaveProperty('status', 'FAILED');
    expect(again.meta).toEqual(meta());
  });

  it('refuses a write that puts and deletes the same item, like the table does', async () => {
    await expect(new MemoryStateStore().write([state(1)], [state(1).pk])).rejects.toThrow(StateStoreError);
  });

  it('does not read the run lease back as a cluster or meta item', async () => {
    const memory = new MemoryStateStore([state(1)]);
    await memory.acquireLease(
      { pk: leaseKey(ACCOUNT), accountId: ACCOUNT, owner: 'run-1', expiresAt: 2, mode: 'scan', acquiredAt: 'x' },
      1,
    );

    const loaded = await memory.load(ACCOUNT);

    expect([...loaded.clusters.keys()]).toEqual([state(1).pk]);
    expect(loaded.meta).toBeUndefined();
  });
});

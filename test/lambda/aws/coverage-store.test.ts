import 'aws-sdk-client-mock-jest';
import { ConditionalCheckFailedException, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, GetCommand, PutCommand, ScanCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { CoverageStoreError, DynamoCoverageStore } from '../../../lambda/aws/coverage-store';
import { createStateDocumentClient } from '../../../lambda/aws/state';

const ddb = mockClient(DynamoDBDocumentClient);
const store = new DynamoCoverageStore(createStateDocumentClient(new DynamoDBClient({ region: 'eu-west-1' })), 'coverage');
const AT = new Date('2026-11-29T12:00:00.000Z');

beforeEach(() => ddb.reset());

describe('DynamoCoverageStore', () => {
  it('records a report only if it is later than the one stored (a conditional update)', async () => {
    ddb.on(UpdateCommand).resolves({});

    await store.recordReport('222222222222', AT);

    expect(ddb).toHaveReceivedCommandWith(UpdateCommand, {
      TableName: 'coverage',
      Key: { pk: 'seen#222222222222' },
      ConditionExpression: 'attribute_not_exists(lastSeenAt) OR lastSeenAt < :t',
      ExpressionAttributeValues: { ':a': '222222222222', ':t': AT.toISOString() },
    });
  });

  it('keeps the later report when an older one arrives (the condition fails), without an error', async () => {
    ddb.on(UpdateCommand).rejects(new ConditionalCheckFailedException({ message: 'The conditional request failed', $metadata: {} }));

    await expect(store.recordReport('222222222222', AT)).resolves.toBeUndefined();
  });

  it('names the table and the cause when a write fails', async () => {
    ddb.on(UpdateCommand).rejects(Object.assign(new Error('Requested resource not found'), { name: 'ResourceNotFoundException' }));

    const recorded = store.recordReport('222222222222', AT);

    await expect(recorded).rejects.toBeInstanceOf(CoverageStoreError);
    await expect(recorded).rejects.toThrow(
      'Coverage table "coverage": recording the report of account 222222222222 failed (ResourceNotFoundException: Requested resource not found)',
    );
  });

  it('reads every last report across pages, skipping items it cannot read', async () => {
    ddb
      .on(ScanCommand)
      .resolvesOnce({
        Items: [{ pk: 'seen#222222222222', accountId: '222222222222', lastSeenAt: AT.toISOString() }],
        LastEvaluatedKey: { pk: 'seen#222222222222' },
      })
      .resolvesOnce({ Items: [{ pk: 'seen#333333333333', accountId: '333333333333', lastSeenAt: 'garbage' }] });

    const seen = await store.lastSeen();

    expect([...seen]).toEqual([['222222222222', AT]]);
    expect(ddb).toHaveReceivedCommandTimes(ScanCommand, 2);
    expect(ddb.commandCalls(ScanCommand)[1]?.args[0].input.ExclusiveStartKey).toEqual({ pk: 'seen#222222222222' });
  });

  it('round-trips the cached account list with its targets, and treats an unreadable one or one without targets as absent', async () => {
    ddb.on(PutCommand).resolves({});
    await store.saveAccounts({ listedAt: AT, parentIds: ['ou-ab12-cdef3456'], accounts: [{ id: '111111111111', name: 'management' }] });
    const item = ddb.commandCalls(PutCommand)[0]?.args[0].input.Item;
    ddb
      .on(GetCommand)
      .resolvesOnce({ Item: item })
      .resolvesOnce({ Item: { pk: 'organization#accounts', listedAt: AT.toISOString(), accounts: 'x', parentIds: [] } })
      .resolvesOnce({ Item: { pk: 'organization#accounts', listedAt: AT.toISOString(), accounts: [{ id: '111111111111' }] } });

    expect(await store.cachedAccounts()).toEqual({
      listedAt: AT,
      parentIds: ['ou-ab12-cdef3456'],
      accounts: [{ id: '111111111111', name: 'management' }],
    });
    expect(await store.cachedAccounts()).toBeUndefined();
    expect(await store.cachedAccounts()).toBeUndefined();
  });

  it('records when each account was first listed without overwriting an earlier time, and reads the times back', async () => {
    ddb.on(UpdateCommand).resolves({});
    ddb.on(ScanCommand).resolves({
      Items: [
        { pk: 'listed#222222222222', accountId: '222222222222', firstListedAt: AT.toISOString() },
        { pk: 'listed#333333333333', accountId: '333333333333', firstListedAt: 'never' },
      ],
    });

    await store.recordFirstListed(['222222222222', '222222222222', '444444444444'], AT);
    const listed = await store.firstListed();

    expect(ddb).toHaveReceivedCommandTimes(UpdateCommand, 2);
    expect(ddb).toHaveReceivedCommandWith(UpdateCommand, {
      Key: { pk: 'listed#444444444444' },
      UpdateExpression: 'SET accountId = :a, firstListedAt = if_not_exists(firstListedAt, :t)',
      ExpressionAttributeValues: { ':a': '444444444444', ':t': AT.toISOString() },
    });
    expect(ddb).toHaveReceivedCommandWith(ScanCommand, { ExpressionAttributeValues: { ':p': 'listed#' } });
    expect([...listed]).toEqual([['222222222222', AT]]);
  });

  it('remembers the accounts alerted as uncovered, and none before the first run', async () => {
    ddb.on(PutCommand).resolves({});
    ddb
      .on(GetCommand)
      .resolvesOnce({})
      .resolvesOnce({ Item: { pk: 'coverage#state', uncovered: ['111111111111'] } });

    await store.saveAlertedUncovered(['111111111111'], AT);

    expect(ddb).toHaveReceivedCommandWith(PutCommand, {
      Item: { pk: 'coverage#state', uncovered: ['111111111111'], at: AT.toISOString() },
    });
    expect(await store.alertedUncovered()).toEqual([]);
    expect(await store.alertedUncovered()).toEqual(['111111111111']);
  });
});

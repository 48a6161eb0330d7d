/**
 * The hub's coverage table: one item per account with the time its checker last reported, one per
 * account with the time it was first listed under the targeted OUs (its grace period runs from
 * there), the targeted OUs' ACTIVE accounts as last listed (Organizations throttles large
 * organizations, so the list is kept for a while), and the accounts the last coverage alert named
 * as uncovered.
 */
import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { GetCommand, PutCommand, ScanCommand, UpdateCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { ActiveAccount } from '../core/coverage';
import { describeError } from './errors';

/** The coverage table could not be read or written. */
export class CoverageStoreError extends Error {
  override readonly name = 'CoverageStoreError';

  constructor(
    readonly tableName: string,
    detail: string,
    options?: { cause?: unknown },
  ) {
    super(
      `Coverage table "${tableName}": ${detail}. Check that the hub stack's coverage table exists in this Region and that the ` +
        'coverage function may use it; the next run retries.',
      options,
    );
  }
}

const SEEN_PREFIX = 'seen#';
const LISTED_PREFIX = 'listed#';
const ACCOUNTS_KEY = 'organization#accounts';
const COVERAGE_KEY = 'coverage#state';

export interface CachedAccounts {
  listedAt: Date;
  /** The OUs or roots the accounts were listed under: a list of other targets is not reused. */
  parentIds: string[];
  accounts: ActiveAccount[];
}

export interface CoverageStore {
  /** Keeps the report's time unless a later one is stored already (reports may arrive out of order). */
  recordReport(accountId: string, at: Date): Promise<void>;
  /** The last report of every account that ever reported. */
  lastSeen(): Promise<Map<string, Date>>;
  /** When each account was first listed under the targeted OUs. */
  firstListed(): Promise<Map<string, Date>>;
  /** Keeps `at` as the first listing of each account, unless one is stored already. */
  recordFirstListed(accountIds: readonly string[], at: Date): Promise<void>;
  cachedAccounts(): Promise<CachedAccounts | undefined>;
  saveAccounts(cache: CachedAccounts): Promise<void>;
  /** The accounts the last coverage alert named as uncovered (empty before the first run). */
  alertedUncovered(): Promise<string[]>;
  saveAlertedUncovered(accountIds: readonly string[], at: Date): Promise<void>;
}

const isAccountList = (v: unknown): v is ActiveAccount[] =>
  Array.isArray(v) &&
  v.every((a: unknown) => {
    const item = a as Partial<ActiveAccount> | null;
    return typeof item?.id === 'string' && (item.name === undefined || typeof item.name === 'string');
  });

export class DynamoCoverageStore implements CoverageStore {
  constructor(
    private readonly doc: DynamoDBDocumentClient,
    readonly tableName: string,
  ) {}

  private fail(what: string, err: unknown): never {
    const { code, message } = describeError(err);
    throw new CoverageStoreError(this.tableName, `${what} failed (${code}: ${message})`, { cause: err });
  }

  async recordReport(accountId: string, at: Date): Promise<void> {
    const iso = at.toISOString();
    try {
      await this.doc.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: { pk: `${SEEN_PREFIX}${accountId}` },
          UpdateExpression: 'SET accountId = :a, lastSeenAt = :t',
          // ISO 8601 UTC times of one format compare as text.
          ConditionExpression: 'attribute_not_exists(lastSeenAt) OR lastSeenAt < :t',
          ExpressionAttributeValues: { ':a': accountId, ':t': iso },
        }),
      );
    } catch (err) {
      if (err instanceof ConditionalCheckFailedException || (err as { name?: string }).name === 'ConditionalCheckFailedException') return;
      this.fail(`recording the report of account ${accountId}`, err);
    }
  }

  lastSeen(): Promise<Map<string, Date>> {
    return this.timesByAccount(SEEN_PREFIX, 'lastSeenAt', 'reading the last reports');
  }

  firstListed(): Promise<Map<string, Date>> {
    return this.timesByAccount(LISTED_PREFIX, 'firstListedAt', 'reading when the accounts were first listed');
  }

  async recordFirstListed(accountIds: readonly string[], at: Date): Promise<void> {
    // A hub deployed into a large organization lists every account at once: a few writes at a time.
    const ids = [...new Set(accountIds)];
    for (let i = 0; i < ids.length; i += 10) {
      await Promise.all(
        ids.slice(i, i + 10).map(async (accountId) => {
          try {
            await this.doc.send(
              new UpdateCommand({
                TableName: this.tableName,
                Key: { pk: `${LISTED_PREFIX}${accountId}` },
                UpdateExpression: 'SET accountId = :a, firstListedAt = if_not_exists(firstListedAt, :t)',
                ExpressionAttributeValues: { ':a': accountId, ':t': at.toISOString() },
              }),
            );
          } catch (err) {
            this.fail(`recording when account ${accountId} was first listed`, err);
          }
        }),
      );
    }
  }

  /** One time per account from the items of one key prefix (a Scan: the table holds a few items per account). */
  private async timesByAccount(prefix: string, attribute: string, what: string): Promise<Map<string, Date>> {
    const times = new Map<string, Date>();
    let start: Record<string, unknown> | undefined;
    do {
      let out;
      try {
        out = await this.doc.send(
          new ScanCommand({
            TableName: this.tableName,
            FilterExpression: 'begins_with(pk, :p)',
            ExpressionAttributeValues: { ':p': prefix },
            ExclusiveStartKey: start,
          }),
        );
      } catch (err) {
        this.fail(what, err);
      }
      for (const item of out.Items ?? []) {
        const value: unknown = item[attribute];
        const at = new Date(typeof value === 'string' ? value : NaN);
        if (typeof item.accountId === 'string' && !Number.isNaN(at.getTime())) times.set(item.accountId, at);
      }
      start = out.LastEvaluatedKey;
    } while (start !== undefined);
    return times;
  }

  async cachedAccounts(): Promise<CachedAccounts | undefined> {
    const item = await this.get(ACCOUNTS_KEY, 'reading the cached account list');
    const listedAt = new Date(typeof item?.listedAt === 'string' ? item.listedAt : NaN);
    const parentIds: unknown = item?.parentIds;
    // A list kept before the walk (no parentIds) was of the whole organization: not reused.
    if (!item || Number.isNaN(listedAt.getTime()) || !isAccountList(item.accounts) || !Array.isArray(parentIds)) return undefined;
    return { listedAt, parentIds: parentIds.filter((p): p is string => typeof p === 'string'), accounts: item.accounts };
  }

  async saveAccounts(cache: CachedAccounts): Promise<void> {
    await this.put(
      {
        pk: ACCOUNTS_KEY,
        listedAt: cache.listedAt.toISOString(),
        parentIds: [...cache.parentIds],
        accounts: cache.accounts.map((a) => ({ ...a })),
      },
      'saving the account list',
    );
  }

  async alertedUncovered(): Promise<string[]> {
    const item = await this.get(COVERAGE_KEY, 'reading the coverage state');
    const ids: unknown = item?.uncovered;
    return Array.isArray(ids) ? ids.filter((id): id is string => typeof id === 'string') : [];
  }

  async saveAlertedUncovered(accountIds: readonly string[], at: Date): Promise<void> {
    await this.put({ pk: COVERAGE_KEY, uncovered: [...accountIds], at: at.toISOString() }, 'saving the coverage state');
  }

  private async get(pk: string, what: string): Promise<Record<string, unknown> | undefined> {
    try {
      const out = await this.doc.send(new GetCommand({ TableName: this.tableName, Key: { pk }, ConsistentRead: true }));
      return out.Item;
    } catch (err) {
      return this.fail(what, err);
    }
  }

  private async put(item: Record<string, unknown>, what: string): Promise<void> {
    try {
      await this.doc.send(new PutCommand({ TableName: this.tableName, Item: item }));
    } catch (err) {
      this.fail(what, err);
    }
  }
}

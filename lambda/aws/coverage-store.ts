/**
 * The hub's coverage table: one item per account with the time its checker last reported, the
 * organization's ACTIVE accounts as last listed (Organizations throttles large organizations, so the
 * list is kept for a while), and the accounts the last coverage alert named as uncovered.
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
const ACCOUNTS_KEY = 'organization#accounts';
const COVERAGE_KEY = 'coverage#state';

export interface CachedAccounts {
  listedAt: Date;
  accounts: ActiveAccount[];
}

export interface CoverageStore {
  /** Keeps the report's time unless a later one is stored already (reports may arrive out of order). */
  recordReport(accountId: string, at: Date): Promise<void>;
  /** The last report of every account that ever reported. */
  lastSeen(): Promise<Map<string, Date>>;
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

  async lastSeen(): Promise<Map<string, Date>> {
    const seen = new Map<string, Date>();
    let start: Record<string, unknown> | undefined;
    do {
      let out;
      try {
        out = await this.doc.send(
          new ScanCommand({
            TableName: this.tableName,
            FilterExpression: 'begins_with(pk, :p)',
            ExpressionAttributeValues: { ':p': SEEN_PREFIX },
            ExclusiveStartKey: start,
          }),
        );
      } catch (err) {
        this.fail('reading the last reports', err);
      }
      for (const item of out.Items ?? []) {
        const at = new Date(typeof item.lastSeenAt === 'string' ? item.lastSeenAt : NaN);
        if (typeof item.accountId === 'string' && !Number.isNaN(at.getTime())) seen.set(item.accountId, at);
      }
      start = out.LastEvaluatedKey;
    } while (start !== undefined);
    return seen;
  }

  async cachedAccounts(): Promise<CachedAccounts | undefined> {
    const item = await this.get(ACCOUNTS_KEY, 'reading the cached account list');
    const listedAt = new Date(typeof item?.listedAt === 'string' ? item.listedAt : NaN);
    if (!item || Number.isNaN(listedAt.getTime()) || !isAccountList(item.accounts)) return undefined;
    return { listedAt, accounts: item.accounts };
  }

  async saveAccounts(cache: CachedAccounts): Promise<void> {
    await this.put(
      { pk: ACCOUNTS_KEY, listedAt: cache.listedAt.toISOString(), accounts: cache.accounts.map((a) => ({ ...a })) },
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

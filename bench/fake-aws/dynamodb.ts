/**
 * An in-memory DynamoDB (awsJson1_0) for tables with a string partition key and no sort key:
 * GetItem, PutItem, DeleteItem, BatchWriteItem (≤ 25), Query, Scan (1 MB pages), DescribeTable.
 */
import {
  type AttributeValue,
  type ExpressionContext,
  type Item,
  assertAllUsed,
  compileCondition,
  projectionNames,
} from './dynamodb-expression';
import { DYNAMODB_LIMITS } from '../../emulator/aws-limits';
import { AwsError, isRecord } from './wire';

const BATCH_WRITE_LIMIT = DYNAMODB_LIMITS.requestsPerBatchWrite;
const PAGE_BYTES = DYNAMODB_LIMITS.pageBytes;
const MAX_ITEM_BYTES = DYNAMODB_LIMITS.itemBytes;

/** DynamoDB's item size: attribute name bytes plus value bytes (numbers ≈ digits / 2 + 1). */
export function attributeSize(v: AttributeValue): number {
  const [type, raw] = Object.entries(v)[0] ?? ['NULL', true];
  switch (type) {
    case 'S':
      return Buffer.byteLength(String(raw));
    case 'N':
      return Math.ceil(String(raw).replace(/^-|\.|e.*$/gi, '').length / 2) + 1;
    case 'B':
      return Buffer.from(String(raw), 'base64').length;
    case 'BOOL':
    case 'NULL':
      return 1;
    case 'SS':
    case 'NS':
    case 'BS':
      return (raw as string[]).reduce((a, s) => a + attributeSize({ [type[0] as string]: s }), 0);
    case 'L':
      return 3 + (raw as AttributeValue[]).reduce((a, x) => a + 1 + attributeSize(x), 0);
    case 'M':
      return 3 + Object.entries(raw as Item).reduce((a, [k, x]) => a + 1 + Buffer.byteLength(k) + attributeSize(x), 0);
    default:
      return 0;
  }
}

export const itemSize = (item: Item): number => Object.entries(item).reduce((a, [k, v]) => a + Buffer.byteLength(k) + attributeSize(v), 0);

export class Table {
  readonly items = new Map<string, Item>();
  constructor(
    readonly name: string,
    readonly hashKey = 'pk',
  ) {}

  bytes(): number {
    let n = 0;
    for (const item of this.items.values()) n += itemSize(item);
    return n;
  }

  keyOf(key: unknown, what: string): string {
    if (!isRecord(key)) throw new AwsError('ValidationException', `${what}: the provided key element does not match the schema`);
    const names = Object.keys(key);
    const v = key[this.hashKey];
    if (names.length !== 1 || !isRecord(v) || typeof v['S'] !== 'string' || v['S'] === '') {
      throw new AwsError(
        'ValidationException',
        `${what}: the provided key element does not match the schema (key must be exactly {${this.hashKey}: {S}})`,
      );
    }
    return v['S'];
  }
}

function context(body: Record<string, unknown>): ExpressionContext {
  return {
    names: isRecord(body['ExpressionAttributeNames']) ? (body['ExpressionAttributeNames'] as Record<string, string>) : {},
    values: isRecord(body['ExpressionAttributeValues']) ? (body['ExpressionAttributeValues'] as Record<string, AttributeValue>) : {},
    usedNames: new Set(),
    usedValues: new Set(),
  };
}

function project(item: Item, names: string[] | undefined): Item {
  if (!names) return item;
  return Object.fromEntries(names.filter((n) => item[n] !== undefined).map((n) => [n, item[n] as AttributeValue]));
}

function validateItem(table: Table, item: unknown, what: string): Item {
  if (!isRecord(item)) throw new AwsError('ValidationException', `${what}: Item is required`);
  table.keyOf({ [table.hashKey]: item[table.hashKey] }, what);
  const size = itemSize(item as Item);
  if (size > MAX_ITEM_BYTES)
    throw new AwsError('ValidationException', `${what}: Item size has exceeded the maximum allowed size (${size} bytes)`);
  return item as Item;
}

export class DynamoFake {
  /** `<region>/<table>` → table. */
  readonly tables = new Map<string, Table>();

  createTable(region: string, name: string, hashKey = 'pk'): Table {
    const t = new Table(name, hashKey);
    this.tables.set(`${region}/${name}`, t);
    return t;
  }

  table(region: string, name: unknown): Table {
    const t = typeof name === 'string' ? this.tables.get(`${region}/${name}`) : undefined;
    if (!t) throw new AwsError('ResourceNotFoundException', `Requested resource not found: Table: ${String(name)} not found in ${region}`);
    return t;
  }

  handle(operation: string, body: Record<string, unknown>, region: string): unknown {
    switch (operation) {
      case 'GetItem':
        return this.getItem(body, region);
      case 'PutItem':
        return this.putItem(body, region);
      case 'DeleteItem':
        return this.deleteItem(body, region);
      case 'BatchWriteItem':
        return this.batchWrite(body, region);
      case 'Query':
        return this.query(body, region);
      case 'Scan':
        return this.scan(body, region);
      case 'DescribeTable': {
        const t = this.table(region, body['TableName']);
        return {
          Table: {
            TableName: t.name,
            TableStatus: 'ACTIVE',
            KeySchema: [{ AttributeName: t.hashKey, KeyType: 'HASH' }],
            AttributeDefinitions: [{ AttributeName: t.hashKey, AttributeType: 'S' }],
            ItemCount: t.items.size,
            TableSizeBytes: t.bytes(),
            BillingModeSummary: { BillingMode: 'PAY_PER_REQUEST' },
          },
        };
      }
      default:
        throw new AwsError('UnknownOperationException', `DynamoDB ${operation} is not served by the benchmark's fake AWS`);
    }
  }

  private condition(body: Record<string, unknown>, ctx: ExpressionContext, existing: Item | undefined): void {
    const expr = body['ConditionExpression'];
    if (typeof expr === 'string' && !compileCondition(expr, ctx)(existing ?? {})) {
      throw new AwsError('ConditionalCheckFailedException', 'The conditional request failed');
    }
  }

  private getItem(body: Record<string, unknown>, region: string) {
    const t = this.table(region, body['TableName']);
    const ctx = context(body);
    const names = typeof body['ProjectionExpression'] === 'string' ? projectionNames(body['ProjectionExpression'], ctx) : undefined;
    assertAllUsed(ctx);
    const item = t.items.get(t.keyOf(body['Key'], 'GetItem'));
    return item ? { Item: project(item, names) } : {};
  }

  private putItem(body: Record<string, unknown>, region: string) {
    const t = this.table(region, body['TableName']);
    const item = validateItem(t, body['Item'], 'PutItem');
    const pk = t.keyOf({ [t.hashKey]: item[t.hashKey] }, 'PutItem');
    const ctx = context(body);
    const old = t.items.get(pk);
    this.condition(body, ctx, old);
    assertAllUsed(ctx);
    t.items.set(pk, item);
    return body['ReturnValues'] === 'ALL_OLD' && old ? { Attributes: old } : {};
  }

  private deleteItem(body: Record<string, unknown>, region: string) {
    const t = this.table(region, body['TableName']);
    const pk = t.keyOf(body['Key'], 'DeleteItem');
    const ctx = context(body);
    const old = t.items.get(pk);
    this.condition(body, ctx, old);
    assertAllUsed(ctx);
    t.items.delete(pk);
    return body['ReturnValues'] === 'ALL_OLD' && old ? { Attributes: old } : {};
  }

  private batchWrite(body: Record<string, unknown>, region: string) {
    const requests = body['RequestItems'];
    if (!isRecord(requests) || Object.keys(requests).length === 0) throw new AwsError('ValidationException', 'RequestItems is required');
    const planned: { table: Table; pk: string; item?: Item }[] = [];
    for (const [name, list] of Object.entries(requests)) {
      const t = this.table(region, name);
      if (!Array.isArray(list) || list.length === 0)
        throw new AwsError('ValidationException', `RequestItems.${name} must list 1–${BATCH_WRITE_LIMIT} requests`);
      for (const r of list) {
        if (isRecord(r) && isRecord(r['PutRequest'])) {
          const item = validateItem(t, r['PutRequest']['Item'], 'BatchWriteItem PutRequest');
          planned.push({ table: t, pk: t.keyOf({ [t.hashKey]: item[t.hashKey] }, 'BatchWriteItem'), item });
        } else if (isRecord(r) && isRecord(r['DeleteRequest'])) {
          planned.push({ table: t, pk: t.keyOf(r['DeleteRequest']['Key'], 'BatchWriteItem DeleteRequest') });
        } else {
          throw new AwsError('ValidationException', 'each write request needs exactly one of PutRequest or DeleteRequest');
        }
      }
    }
    if (planned.length > BATCH_WRITE_LIMIT) {
      throw new AwsError(
        'ValidationException',
        `Too many items requested for the BatchWriteItem call (${planned.length}; at most ${BATCH_WRITE_LIMIT})`,
      );
    }
    const keys = new Set(planned.map((p) => `${p.table.name}/${p.pk}`));
    if (keys.size !== planned.length) throw new AwsError('ValidationException', 'Provided list of item keys contains duplicates');
    for (const p of planned) {
      if (p.item) p.table.items.set(p.pk, p.item);
      else p.table.items.delete(p.pk);
    }
    return { UnprocessedItems: {} };
  }

  /** Items in key order from ExclusiveStartKey, stopping at Limit items or 1 MB read. */
  private page(
    t: Table,
    items: Item[],
    body: Record<string, unknown>,
    filter: ((i: Item) => boolean) | undefined,
    names: string[] | undefined,
  ) {
    let start = 0;
    if (body['ExclusiveStartKey'] !== undefined) {
      const pk = t.keyOf(body['ExclusiveStartKey'], 'ExclusiveStartKey');
      start = items.findIndex((i) => (i[t.hashKey] as { S: string }).S === pk) + 1;
      if (start === 0) throw new AwsError('ValidationException', 'The provided starting key is invalid');
    }
    const limit = body['Limit'] === undefined ? Infinity : Number(body['Limit']);
    if (!(limit >= 1)) throw new AwsError('ValidationException', 'Limit must be ≥ 1');
    const out: Item[] = [];
    let bytes = 0;
    let i = start;
    for (; i < items.length && i - start < limit; i++) {
      const item = items[i] as Item;
      bytes += itemSize(item);
      if (!filter || filter(item)) out.push(project(item, names));
      if (bytes >= PAGE_BYTES) {
        i++;
        break;
      }
    }
    const last = i < items.length ? items[i - 1] : undefined;
    const select = body['Select'];
    return {
      ...(select === 'COUNT' ? {} : { Items: out }),
      Count: out.length,
      ScannedCount: i - start,
      ...(last && { LastEvaluatedKey: { [t.hashKey]: last[t.hashKey] } }),
    };
  }

  private scan(body: Record<string, unknown>, region: string) {
    const t = this.table(region, body['TableName']);
    const ctx = context(body);
    const filter = typeof body['FilterExpression'] === 'string' ? compileCondition(body['FilterExpression'], ctx) : undefined;
    const names = typeof body['ProjectionExpression'] === 'string' ? projectionNames(body['ProjectionExpression'], ctx) : undefined;
    assertAllUsed(ctx);
    let items = [...t.items.values()];
    const total = body['TotalSegments'];
    if (total !== undefined) {
      const seg = Number(body['Segment']);
      const n = Number(total);
      if (!Number.isInteger(n) || n < 1 || n > 1_000_000 || !Number.isInteger(seg) || seg < 0 || seg >= n) {
        throw new AwsError('ValidationException', 'Segment must be in [0, TotalSegments)');
      }
      items = items.filter((_, k) => k % n === seg);
    }
    return this.page(t, items, body, filter, names);
  }

  private query(body: Record<string, unknown>, region: string) {
    const t = this.table(region, body['TableName']);
    const ctx = context(body);
    const kce = body['KeyConditionExpression'];
    if (typeof kce !== 'string') throw new AwsError('ValidationException', 'Query needs a KeyConditionExpression');
    const keyCond = compileCondition(kce, ctx);
    const filter = typeof body['FilterExpression'] === 'string' ? compileCondition(body['FilterExpression'], ctx) : undefined;
    const names = typeof body['ProjectionExpression'] === 'string' ? projectionNames(body['ProjectionExpression'], ctx) : undefined;
    assertAllUsed(ctx);
    const items = [...t.items.values()].filter(keyCond);
    return this.page(t, items, body, filter, names);
  }
}

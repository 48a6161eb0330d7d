/**
 * DynamoDB condition / filter / key-condition expressions, enough for a state table: comparisons
 * (= <> < <= > >=), BETWEEN, IN, AND / OR / NOT, parentheses, attribute_exists,
 * attribute_not_exists, attribute_type, begins_with, contains, size; paths with #names, dots and
 * [n]. Unknown syntax is a ValidationException naming what was not understood.
 */
import { AwsError } from './wire';

export type AttributeValue = Record<string, unknown>;
export type Item = Record<string, AttributeValue>;

type Token = { kind: 'name' | 'value' | 'ident' | 'op' | 'num'; text: string };

export interface ExpressionContext {
  names: Record<string, string>;
  values: Record<string, AttributeValue>;
  usedNames: Set<string>;
  usedValues: Set<string>;
}

function tokenize(src: string): Token[] {
  const out: Token[] = [];
  const re = /\s*(?:(#[A-Za-z0-9_]+)|(:[A-Za-z0-9_]+)|(<>|<=|>=|=|<|>|\(|\)|,|\.|\[|\])|(\d+)|([A-Za-z_][A-Za-z0-9_-]*))/y;
  let pos = 0;
  while (pos < src.length) {
    if (/^\s*$/.test(src.slice(pos))) break;
    re.lastIndex = pos;
    const m = re.exec(src);
    if (!m) throw new AwsError('ValidationException', `Invalid expression: syntax error near "${src.slice(pos, pos + 20)}"`);
    pos = re.lastIndex;
    if (m[1]) out.push({ kind: 'name', text: m[1] });
    else if (m[2]) out.push({ kind: 'value', text: m[2] });
    else if (m[3]) out.push({ kind: 'op', text: m[3] });
    else if (m[4]) out.push({ kind: 'num', text: m[4] });
    else out.push({ kind: 'ident', text: m[5] as string });
  }
  return out;
}

type Operand = (item: Item) => AttributeValue | undefined;
type Cond = (item: Item) => boolean;

/**
 * DynamoDB reserved words (a subset of AWS's list of about 570, the ones a state table is likely to
 * use): a bare one in an expression is rejected, so it must be written through a #name.
 */
export const RESERVED = new Set(
  (
    'ALL AND BETWEEN CLUSTER COMMENT CONDITION CONNECTION COUNT DATA DATE DAY DELETE FROM GROUP HOUR IN ' +
    'INDEX ITEMS KEY KEYS LIMIT MINUTE NAME NOT OR ORDER RANGE HASH SECOND SELECT SET SOURCE STATUS TABLE ' +
    'TIME TIMESTAMP TTL TYPE UPDATE USER VALUE VALUES WHERE YEAR ZONE'
  ).split(' '),
);

function assertNotReserved(name: string): void {
  if (RESERVED.has(name.toUpperCase())) {
    throw new AwsError('ValidationException', `Invalid expression: Attribute name is a reserved keyword; reserved keyword: ${name}`);
  }
}

const FUNCTIONS = new Set(['attribute_exists', 'attribute_not_exists', 'attribute_type', 'begins_with', 'contains', 'size']);
const KEYWORDS = new Set(['AND', 'OR', 'NOT', 'BETWEEN', 'IN']);

function scalar(v: AttributeValue | undefined): string | number | boolean | undefined {
  if (!v) return undefined;
  if (typeof v['S'] === 'string') return v['S'];
  if (typeof v['N'] === 'string') return Number(v['N']);
  if (typeof v['BOOL'] === 'boolean') return v['BOOL'];
  return undefined;
}

function typeOf(v: AttributeValue | undefined): string | undefined {
  return v ? Object.keys(v)[0] : undefined;
}

function equal(a: AttributeValue | undefined, b: AttributeValue | undefined): boolean {
  if (!a || !b) return false;
  return typeOf(a) === typeOf(b) && JSON.stringify(a) === JSON.stringify(b);
}

function compare(a: AttributeValue | undefined, b: AttributeValue | undefined): number | undefined {
  if (!a || !b || typeOf(a) !== typeOf(b)) return undefined;
  const x = scalar(a);
  const y = scalar(b);
  if (typeof x === 'number' && typeof y === 'number') return x - y;
  if (typeof x === 'string' && typeof y === 'string') return x < y ? -1 : x > y ? 1 : 0;
  return undefined;
}

class Parser {
  private i = 0;
  constructor(
    private readonly tokens: Token[],
    private readonly ctx: ExpressionContext,
  ) {}

  parseCondition(): Cond {
    const c = this.or();
    if (this.i < this.tokens.length) this.fail();
    return c;
  }

  private peek(): Token | undefined {
    return this.tokens[this.i];
  }

  private isKeyword(word: string): boolean {
    const t = this.peek();
    return t?.kind === 'ident' && t.text.toUpperCase() === word;
  }

  private expectOp(op: string): void {
    const t = this.peek();
    if (t?.kind !== 'op' || t.text !== op) this.fail(`expected "${op}"`);
    this.i++;
  }

  private fail(what = 'unexpected token'): never {
    const t = this.peek();
    throw new AwsError('ValidationException', `Invalid expression: ${what} at "${t?.text ?? 'end of expression'}"`);
  }

  private or(): Cond {
    let left = this.and();
    while (this.isKeyword('OR')) {
      this.i++;
      const l = left;
      const r = this.and();
      left = (item) => l(item) || r(item);
    }
    return left;
  }

  private and(): Cond {
    let left = this.not();
    while (this.isKeyword('AND')) {
      this.i++;
      const l = left;
      const r = this.not();
      left = (item) => l(item) && r(item);
    }
    return left;
  }

  private not(): Cond {
    if (this.isKeyword('NOT')) {
      this.i++;
      const inner = this.not();
      return (item) => !inner(item);
    }
    return this.primary();
  }

  private primary(): Cond {
    const t = this.peek();
    if (t?.kind === 'op' && t.text === '(') {
      this.i++;
      const c = this.or();
      this.expectOp(')');
      return c;
    }
    if (t?.kind === 'ident' && FUNCTIONS.has(t.text) && t.text !== 'size') return this.functionCall();
    const left = this.operand();
    if (this.isKeyword('BETWEEN')) {
      this.i++;
      const lo = this.operand();
      if (!this.isKeyword('AND')) this.fail('expected AND in BETWEEN');
      this.i++;
      const hi = this.operand();
      return (item) => (compare(left(item), lo(item)) ?? -1) >= 0 && (compare(left(item), hi(item)) ?? 1) <= 0;
    }
    if (this.isKeyword('IN')) {
      this.i++;
      this.expectOp('(');
      const list = [this.operand()];
      while (this.peek()?.text === ',') {
        this.i++;
        list.push(this.operand());
      }
      this.expectOp(')');
      return (item) => list.some((o) => equal(left(item), o(item)));
    }
    const op = this.peek();
    if (op?.kind !== 'op' || !['=', '<>', '<', '<=', '>', '>='].includes(op.text)) this.fail('expected a comparison');
    this.i++;
    const right = this.operand();
    switch (op.text) {
      case '=':
        return (item) => equal(left(item), right(item));
      case '<>':
        return (item) => left(item) !== undefined && !equal(left(item), right(item));
      default: {
        const test = { '<': (n: number) => n < 0, '<=': (n: number) => n <= 0, '>': (n: number) => n > 0, '>=': (n: number) => n >= 0 }[
          op.text as '<'
        ];
        return (item) => {
          const c = compare(left(item), right(item));
          return c !== undefined && test(c);
        };
      }
    }
  }

  private functionCall(): Cond {
    const name = (this.tokens[this.i++] as Token).text;
    this.expectOp('(');
    const path = this.operand();
    let arg: Operand | undefined;
    if (this.peek()?.text === ',') {
      this.i++;
      arg = this.operand();
    }
    this.expectOp(')');
    switch (name) {
      case 'attribute_exists':
        return (item) => path(item) !== undefined;
      case 'attribute_not_exists':
        return (item) => path(item) === undefined;
      case 'attribute_type':
        return (item) => typeOf(path(item)) === scalar(arg?.(item));
      case 'begins_with':
        return (item) => {
          const s = scalar(path(item));
          const p = scalar(arg?.(item));
          return typeof s === 'string' && typeof p === 'string' && s.startsWith(p);
        };
      default:
        return (item) => {
          const v = path(item);
          const needle = arg?.(item);
          if (!v || !needle) return false;
          const s = scalar(v);
          if (typeof s === 'string') return typeof needle['S'] === 'string' && s.includes(needle['S']);
          const list = (v['L'] ?? v['SS'] ?? v['NS']) as unknown[] | undefined;
          return Array.isArray(list) && list.some((x) => JSON.stringify(x) === JSON.stringify(scalar(needle) ?? needle));
        };
    }
  }

  private operand(): Operand {
    const t = this.peek();
    if (!t) this.fail('expected an operand');
    if (t.kind === 'value') {
      this.i++;
      const v = this.ctx.values[t.text];
      if (!v)
        throw new AwsError(
          'ValidationException',
          `Invalid expression: An expression attribute value used in expression is not defined; attribute value: ${t.text}`,
        );
      this.ctx.usedValues.add(t.text);
      return () => v;
    }
    if (t.kind === 'ident' && t.text === 'size') {
      this.i++;
      this.expectOp('(');
      const inner = this.operand();
      this.expectOp(')');
      return (item) => {
        const v = inner(item);
        const s = v?.['S'];
        const list = v?.['L'] ?? v?.['SS'] ?? v?.['NS'];
        const size =
          typeof s === 'string'
            ? Buffer.byteLength(s)
            : Array.isArray(list)
              ? list.length
              : isMap(v?.['M'])
                ? Object.keys(v['M']).length
                : undefined;
        return size === undefined ? undefined : { N: String(size) };
      };
    }
    return this.path();
  }

  private pathSegment(): string {
    const t = this.peek();
    if (t?.kind === 'name') {
      this.i++;
      const n = this.ctx.names[t.text];
      if (n === undefined)
        throw new AwsError(
          'ValidationException',
          `Invalid expression: An expression attribute name used in the document path is not defined; attribute name: ${t.text}`,
        );
      this.ctx.usedNames.add(t.text);
      return n;
    }
    if (t?.kind === 'ident' && !KEYWORDS.has(t.text.toUpperCase()) && !FUNCTIONS.has(t.text)) {
      this.i++;
      assertNotReserved(t.text);
      return t.text;
    }
    return this.fail('expected an attribute name');
  }

  private path(): Operand {
    const steps: (string | number)[] = [this.pathSegment()];
    for (;;) {
      const t = this.peek();
      if (t?.text === '.') {
        this.i++;
        steps.push(this.pathSegment());
      } else if (t?.text === '[') {
        this.i++;
        const n = this.peek();
        if (n?.kind !== 'num') this.fail('expected a list index');
        this.i++;
        steps.push(Number(n.text));
        this.expectOp(']');
      } else break;
    }
    return (item) => {
      let cur: AttributeValue | undefined = item[steps[0] as string];
      for (const s of steps.slice(1)) {
        if (!cur) return undefined;
        if (typeof s === 'number') cur = (cur['L'] as AttributeValue[] | undefined)?.[s];
        else cur = isMap(cur['M']) ? (cur['M'][s] as AttributeValue | undefined) : undefined;
      }
      return cur;
    };
  }
}

const isMap = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** Compiles a condition (ConditionExpression, FilterExpression, KeyConditionExpression). */
export function compileCondition(expression: string, ctx: ExpressionContext): (item: Item) => boolean {
  return new Parser(tokenize(expression), ctx).parseCondition();
}

/** Attribute names of a ProjectionExpression (top-level names only). */
export function projectionNames(expression: string, ctx: ExpressionContext): string[] {
  return expression.split(',').map((raw) => {
    const part = raw.trim().split(/[.[]/)[0] as string;
    if (part.startsWith('#')) {
      const n = ctx.names[part];
      if (n === undefined)
        throw new AwsError(
          'ValidationException',
          `Invalid ProjectionExpression: An expression attribute name used in the document path is not defined; attribute name: ${part}`,
        );
      ctx.usedNames.add(part);
      return n;
    }
    assertNotReserved(part);
    return part;
  });
}

/** AWS rejects names and values that no expression uses. */
export function assertAllUsed(ctx: ExpressionContext): void {
  const unusedNames = Object.keys(ctx.names).filter((n) => !ctx.usedNames.has(n));
  if (unusedNames.length)
    throw new AwsError(
      'ValidationException',
      `Value provided in ExpressionAttributeNames unused in expressions: keys: {${unusedNames.join(', ')}}`,
    );
  const unusedValues = Object.keys(ctx.values).filter((v) => !ctx.usedValues.has(v));
  if (unusedValues.length)
    throw new AwsError(
      'ValidationException',
      `Value provided in ExpressionAttributeValues unused in expressions: keys: {${unusedValues.join(', ')}}`,
    );
}

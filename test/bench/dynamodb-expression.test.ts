import { assertAllUsed, compileCondition, type ExpressionContext, type Item } from '../../bench/fake-aws/dynamodb-expression';

const ctx = (names: Record<string, string> = {}, values: ExpressionContext['values'] = {}): ExpressionContext => ({
  names,
  values,
  usedNames: new Set(),
  usedValues: new Set(),
});

const item: Item = {
  pk: { S: 'cluster#1#us-east-1#cluster-ABC' },
  verdict: { S: 'FAILED' },
  n: { N: '7' },
  suppressed: { BOOL: false },
  meta: { M: { since: { S: '2026-11-01' } } },
  degraded: { L: [{ S: 'a' }, { S: 'b' }] },
};

const test = (expr: string, c = ctx()) => compileCondition(expr, c)(item);

describe('compileCondition', () => {
  it('evaluates comparisons, AND, OR, NOT and parentheses with names and values', () => {
    const c = ctx({ '#s': 'verdict', '#n': 'n' }, { ':f': { S: 'FAILED' }, ':five': { N: '5' }, ':p': { S: 'PASSED' } });

    expect(test('#s = :f AND #n > :five', c)).toBe(true);
    expect(test('#s = :p OR (NOT #n <= :five)', c)).toBe(true);
    expect(test('#s <> :f', c)).toBe(false);
  });

  it('evaluates the functions, BETWEEN, IN, size and nested paths', () => {
    const c = ctx(
      {},
      {
        ':pre': { S: 'cluster#' },
        ':lo': { N: '1' },
        ':hi': { N: '9' },
        ':a': { S: 'PASSED' },
        ':b': { S: 'FAILED' },
        ':two': { N: '2' },
        ':d': { S: '2026-11-01' },
      },
    );

    expect(test('begins_with(pk, :pre) AND attribute_exists(meta.since) AND attribute_not_exists(nothing)', c)).toBe(true);
    expect(test('n BETWEEN :lo AND :hi AND verdict IN (:a, :b)', c)).toBe(true);
    expect(test('size(degraded) = :two AND meta.since = :d', c)).toBe(true);
  });

  it('compares numbers as numbers, not as text', () => {
    expect(test('n < :ten', ctx({}, { ':ten': { N: '10' } }))).toBe(true);
  });

  it('rejects an undefined name or value and syntax it does not know', () => {
    expect(() => test('#x = :v', ctx({}, { ':v': { S: 'a' } }))).toThrow(/attribute name .* not defined/);
    expect(() => test('verdict = :nope')).toThrow(/attribute value .* not defined/);
    expect(() => test('verdict == :v', ctx({}, { ':v': { S: 'a' } }))).toThrow(/Invalid expression/);
  });

  it('rejects a reserved word used bare, as DynamoDB does, and accepts it through a #name', () => {
    const values = { ':f': { S: 'FAILED' } };

    expect(() => test('status = :f', ctx({}, values))).toThrow(/reserved keyword: status/);
    expect(test('#s = :f', ctx({ '#s': 'verdict' }, values))).toBe(true);
  });
});

describe('assertAllUsed', () => {
  it('rejects expression values that no expression used, as DynamoDB does', () => {
    const c = ctx({}, { ':used': { S: 'FAILED' }, ':spare': { S: 'x' } });
    compileCondition('verdict = :used', c);

    expect(() => assertAllUsed(c)).toThrow(/unused in expressions: keys: \{:spare\}/);
  });
});

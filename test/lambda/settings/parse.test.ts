import {
  parseBoolean,
  parseList,
  parseRegionCodes,
  parseRegions,
  parseTagKey,
  parseWholeNumber,
  parseWindowHours,
} from '../../../lambda/settings/parse';

const FIX = 'use a comma list such as eu-north-1';

describe('parseWholeNumber', () => {
  it.each([
    [1, 1],
    ['365', 365],
    [' 7 ', 7],
  ])('accepts %p inside 1–365 (bounds included)', (value, expected) => {
    expect(parseWholeNumber(value, 1, 365)).toEqual({ ok: expected });
  });

  it.each([0, 366, '0', '366', -1])('refuses %p just outside 1–365 as out of range', (value) => {
    expect(parseWholeNumber(value, 1, 365)).toEqual({ problem: 'is out of range 1–365', line: `"${String(value)}" — out of range 1–365` });
  });

  it.each([1.5, '1.5', 'seven', true, '1e2'])('refuses %p as not a whole number, naming the range', (value) => {
    expect(parseWholeNumber(value, 1, 365)).toMatchObject({
      problem: 'is not a whole number',
      line: expect.stringContaining('from 1 to 365') as unknown,
    });
  });
});

describe('parseWindowHours', () => {
  it.each([
    [0, 0],
    ['-0', 0],
    [72, 72],
    [0.01, 0.01],
    ['71.99', 71.99],
    ['72.000', 72],
  ])('accepts %p hours', (value, expected) => {
    expect(parseWindowHours(value)).toEqual({ ok: expected });
  });

  it.each([-0.01, 72.01, '-1', '73'])('refuses %p as out of range 0–72', (value) => {
    expect(parseWindowHours(value)).toMatchObject({ problem: 'is out of range 0–72 (hours; Backtrack allows at most 72)' });
  });

  it.each([
    [1e-7, 'e.g. 0'],
    [0.005, 'e.g. 0.01'],
    [0.015, 'e.g. 0.02'],
  ])('refuses %p hours, finer than hundredths, with the rounded value to use (%s)', (value, suggestion) => {
    const parsed = parseWindowHours(value);

    expect(parsed).toMatchObject({ problem: expect.stringContaining('more than 2 decimal places') as unknown });
    expect('problem' in parsed && parsed.line).toContain(suggestion);
    expect('problem' in parsed && parsed.line).toMatch(/^"1e-7"|^"0\.0\d+"/);
  });

  it.each(['abc', '1e-7', '24h', '', Number.NaN, Number.POSITIVE_INFINITY])('refuses %p as not a number of hours', (value) => {
    expect(parseWindowHours(value)).toMatchObject({ problem: 'is not a number of hours' });
  });
});

describe('Region codes', () => {
  it('refuses an upper-case code and names the lower-case code meant', () => {
    expect(parseRegionCodes('eu-north-1,EU-WEST-1', FIX)).toEqual({
      problem: 'contains "EU-WEST-1", which is not a Region code (Region codes are lower-case: did you mean eu-west-1?)',
      line: '"eu-north-1,EU-WEST-1" — "EU-WEST-1" is not a Region code (Region codes are lower-case: did you mean eu-west-1?); use a comma list such as eu-north-1',
    });
  });

  it('names every bad code without a suggestion when none is a Region code in another case', () => {
    expect(parseRegionCodes(['mars-1', 'stockholm'], FIX)).toMatchObject({
      problem: 'contains "mars-1", "stockholm", which are not Region codes',
    });
  });

  it('drops spaces, empty entries and duplicates', () => {
    expect(parseRegionCodes(' us-east-1,, us-east-1 ,us-gov-west-1', FIX)).toEqual({ ok: ['us-east-1', 'us-gov-west-1'] });
  });

  it.each(['all', 'ALL', ' All '])('reads %p as every enabled Region', (value) => {
    expect(parseRegions(value)).toEqual({ ok: 'all' });
  });

  it('refuses a list that names no Region', () => {
    expect(parseRegions(' , ')).toMatchObject({ problem: 'names no Region' });
  });

  it('refuses a list of something other than strings', () => {
    expect(parseList([1, 2])).toMatchObject({ problem: 'is neither a comma-separated string nor a list of strings' });
  });
});

describe('parseBoolean', () => {
  it.each([
    [true, true],
    ['FALSE', false],
    [' true ', true],
  ])('reads %p', (value, expected) => {
    expect(parseBoolean(value)).toEqual({ ok: expected });
  });

  it.each(['yes', 1, '1', ''])('refuses %p', (value) => {
    expect(parseBoolean(value)).toMatchObject({ problem: 'is not true or false' });
  });
});

describe('parseTagKey', () => {
  it.each([['k'], ['k'.repeat(128)]])('accepts a key of %#: 1 and 128 characters', (value) => {
    expect(parseTagKey(value, 128, 'fix')).toEqual({ ok: value });
  });

  it.each([
    ['', 'is 0 characters long'],
    ['k'.repeat(129), 'is 129 characters long'],
    ['AWS:exempt', 'starts with "aws:", which AWS reserves'],
    ['bad#key', 'contains characters AWS does not allow in tag keys'],
  ])('refuses %p: %s', (value, problem) => {
    expect(parseTagKey(value, 128, 'use a tag key')).toEqual({ problem, line: `"${value}" — use a tag key` });
  });
});

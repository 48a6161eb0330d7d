import {
  exemptionEnd,
  exemptionFor,
  hoursToSeconds,
  isCheckerTag,
  parseExpiry,
  parseHours,
  policyFor,
  tagKeys,
} from '../../../lambda/core/tags';
import { NOW, POLICY, policy } from '../fixtures';

describe('tagKeys', () => {
  it('puts every tag the checker reads under the prefix, and the exemption under its own key', () => {
    expect(tagKeys(policy({ tagPrefix: 'bt/', exemptTagKey: 'custom-exempt' }))).toEqual({
      exempt: 'custom-exempt',
      exemptReason: 'bt/exempt-reason',
      exemptUntil: 'bt/exempt-until',
      minWindowHours: 'bt/min-window-hours',
    });
  });
});

describe('isCheckerTag', () => {
  const custom = policy({ tagPrefix: 'bt/', exemptTagKey: 'custom-exempt' });

  it.each([
    ['custom-exempt', true],
    ['bt/exempt-reason', true],
    ['bt/anything-else', true],
    ['bt', false],
    ['team:bt/owner', false],
    ['custom-exempt-reason', false],
    ['backtrack-check:exempt', false],
  ])("%s is the checker's own tag (prefix bt/, exemption key custom-exempt): %s", (key, own) => {
    expect(isCheckerTag(key, custom)).toBe(own);
  });
});

describe('parseHours', () => {
  it.each([
    ['0', 0],
    ['24', 24],
    [' 1.5 ', 1.5],
    ['72', 72],
  ])('accepts %j as %d hours', (raw, hours) => {
    expect(parseHours(raw)).toEqual({ hours });
  });

  it.each(['abc', '-1', '72.5', '100', '', '1e1', '24h', '0x10'])('rejects %j with a sentence naming the allowed range', (raw) => {
    const parsed = parseHours(raw);

    expect('error' in parsed && parsed.error).toMatch(/72/);
  });
});

describe('hoursToSeconds', () => {
  it.each([
    [24, 86_400],
    [1.5, 5_400],
    [0, 0],
    [0.0001, 0],
  ])('%d h is %d s', (hours, seconds) => {
    expect(hoursToSeconds(hours)).toBe(seconds);
  });
});

describe('policyFor', () => {
  it('uses the account minimum when the cluster has no tag', () => {
    expect(policyFor({}, POLICY)).toEqual({ requiredHours: 24, requiredSeconds: 86_400, source: 'account' });
  });
});

describe('parseExpiry', () => {
  it('reads a date as the first instant of the next day, UTC', () => {
    expect(parseExpiry('2026-02-28')?.toISOString()).toBe('2026-03-01T00:00:00.000Z');
  });

  it('reads a date-time with an offset', () => {
    expect(parseExpiry('2026-11-20T13:00:00+02:00')?.toISOString()).toBe('2026-11-20T11:00:00.000Z');
  });

  it.each(['2026-02-29', '2026-00-10', '2026-11-20 13:00Z', 'tomorrow', ''])('rejects %j', (raw) => {
    expect(parseExpiry(raw)).toBeUndefined();
  });
});

describe('exemptionFor', () => {
  it('carries the reason even when the cluster is not exempt', () => {
    const e = exemptionFor({ 'backtrack-check:exempt-reason': 'why' }, POLICY, NOW);

    expect(e).toEqual({ active: false, expired: false, claimed: false, reason: 'why', problems: [] });
  });

  it('treats an empty reason as none', () => {
    expect(exemptionFor({ 'backtrack-check:exempt': 'true', 'backtrack-check:exempt-reason': '  ' }, POLICY, NOW).reason).toBeUndefined();
  });
});

describe('parseHours: the exact shape of a number of hours', () => {
  it.each([
    ['1.25', 1.25],
    ['0.5', 0.5],
    ['10', 10],
  ])('accepts %j (several digits before or after the point) as %d hours', (raw, hours) => {
    expect(parseHours(raw)).toEqual({ hours });
  });

  it.each(['a24', '24 h', '1.', '.5', '1..5', '- 1'])('rejects %j as not a number, naming the value and the form to use', (raw) => {
    expect(parseHours(raw)).toEqual({ error: `"${raw}" is not a number of hours (use e.g. 24 or 1.5, from 0 to 72)` });
  });

  it('rejects 72.01 and -0.5 as out of range, naming the value and the range', () => {
    expect(parseHours('72.01')).toEqual({ error: '"72.01" is out of range 0–72 (hours; Backtrack allows at most 72)' });
    expect(parseHours('-0.5')).toEqual({ error: '"-0.5" is out of range 0–72 (hours; Backtrack allows at most 72)' });
  });
});

describe('policyFor: a tag value', () => {
  const tag = (value: string) => ({ 'backtrack-check:min-window-hours': value });

  it('below the account minimum applies and records the account minimum it lowers', () => {
    expect(policyFor(tag('12'), POLICY)).toEqual({ requiredHours: 12, requiredSeconds: 43_200, source: 'tag', accountHours: 24 });
  });

  it('equal to the account minimum applies and lowers nothing', () => {
    expect(policyFor(tag('24'), POLICY)).toEqual({ requiredHours: 24, requiredSeconds: 86_400, source: 'tag' });
  });

  it('that is invalid is named as a problem and the account minimum applies', () => {
    expect(policyFor(tag('x'), POLICY)).toEqual({
      requiredHours: 24,
      requiredSeconds: 86_400,
      source: 'account',
      problem:
        'tag backtrack-check:min-window-hours: "x" is not a number of hours (use e.g. 24 or 1.5, from 0 to 72); the account minimum of 24 h applies',
    });
  });
});

describe('parseExpiry: the forms it accepts', () => {
  it.each([
    ['2026-11-20T13:00Z', '2026-11-20T13:00:00.000Z'],
    ['2026-11-20T13:00:30Z', '2026-11-20T13:00:30.000Z'],
    ['2026-11-20T13:00:30.25Z', '2026-11-20T13:00:30.250Z'],
    ['2026-11-20T08:00-05:00', '2026-11-20T13:00:00.000Z'],
    [' 2026-11-20 ', '2026-11-21T00:00:00.000Z'],
    ['2026-12-31', '2027-01-01T00:00:00.000Z'],
  ])('reads %j as %s', (raw, instant) => {
    expect(parseExpiry(raw)?.toISOString()).toBe(instant);
  });

  it.each([
    'x2026-11-20',
    '2026-11-20x',
    '2026-1-20',
    '2026-11-31',
    '2026-13-01',
    '0050-01-01',
    'x2026-11-20T13:00Z',
    '2026-11-20T13:00Zx',
    '2026-11-20T13Z',
    '2026-11-20T13:00:00.Z',
    '2026-11-20T13:00+0200',
    '2026-11-20T13:00 +02:00',
    '2026-11-20T99:99Z',
  ])('rejects %j', (raw) => {
    expect(parseExpiry(raw)).toBeUndefined();
  });
});

describe('exemptionFor: the cap and the end', () => {
  const DAY_MS = 86_400_000;
  const exempt = (until?: string) => ({
    'backtrack-check:exempt': 'true',
    ...(until !== undefined && { 'backtrack-check:exempt-until': until }),
  });

  it('counts the cap from the time the cluster was first seen exempt, stated to the second', () => {
    const since = new Date(NOW.getTime() - 10 * DAY_MS);

    const e = exemptionFor(exempt(), POLICY, NOW, since);

    expect(e).toMatchObject({ active: true, since: '2026-11-10T12:00:00Z', cappedAt: '2027-02-08T12:00:00Z' });
  });

  it('counts the cap from now when the first sighting is not remembered', () => {
    expect(exemptionFor(exempt(), POLICY, NOW)).toMatchObject({ since: '2026-11-20T12:00:00Z', cappedAt: '2027-02-18T12:00:00Z' });
  });

  it("an expiry exactly at the cap is the tag's own, not capped; one second later is capped", () => {
    const atCap = exemptionFor(exempt('2027-02-18T12:00:00Z'), POLICY, NOW);
    const afterCap = exemptionFor(exempt('2027-02-18T12:00:01Z'), POLICY, NOW);

    expect(atCap).toMatchObject({ active: true, until: '2027-02-18T12:00:00Z' });
    expect(atCap.cappedAt).toBeUndefined();
    expect(afterCap).toMatchObject({ active: true, until: '2027-02-18T12:00:01Z', cappedAt: '2027-02-18T12:00:00Z' });
  });

  it('ends at the cap: active one millisecond before it, expired at it', () => {
    const since = new Date(NOW.getTime() - 90 * DAY_MS);

    expect(exemptionFor(exempt(), POLICY, new Date(NOW.getTime() - 1), since)).toMatchObject({ active: true, expired: false });
    expect(exemptionFor(exempt(), POLICY, NOW, since)).toMatchObject({ active: false, expired: true });
  });

  it('keeps the expiry as written, without surrounding spaces', () => {
    expect(exemptionFor(exempt(' 2026-12-31 '), POLICY, NOW).until).toBe('2026-12-31');
  });

  it('names the bad expiry and the forms to use, claims the exemption and does not apply it', () => {
    const e = exemptionFor(exempt('soon'), POLICY, NOW);

    expect(e).toMatchObject({ active: false, expired: false, claimed: true });
    expect(e.problems).toEqual([
      'tag backtrack-check:exempt-until is "soon", not a date: use YYYY-MM-DD or an ISO 8601 date-time; the exemption does not apply until it is fixed',
    ]);
  });

  it('names a value other than true or false as a problem, with the value', () => {
    expect(exemptionFor({ 'backtrack-check:exempt': 'yes' }, POLICY, NOW).problems).toEqual([
      'tag backtrack-check:exempt is "yes": only "true" exempts a cluster',
    ]);
  });

  it('without the exemption tag claims nothing and has no problems', () => {
    expect(exemptionFor({}, POLICY, NOW)).toEqual({ active: false, expired: false, claimed: false, problems: [], reason: undefined });
  });
});

describe('exemptionEnd', () => {
  const x = { active: true, expired: false, claimed: true, problems: [] };

  it('is the cap when there is one, else the expiry the tag gives', () => {
    expect(exemptionEnd({ ...x, until: '2099-12-31', cappedAt: '2027-02-18T12:00:00Z' })).toBe('2027-02-18T12:00:00Z');
    expect(exemptionEnd({ ...x, cappedAt: '2027-02-18T12:00:00Z' })).toBe('2027-02-18T12:00:00Z');
    expect(exemptionEnd({ ...x, until: '2026-12-31' })).toBe('2026-12-31');
  });
});

describe('exemptionFor: a value that does not exempt', () => {
  it.each(['false', 'yes'])('%j claims no exemption', (value) => {
    expect(exemptionFor({ 'backtrack-check:exempt': value }, POLICY, NOW).claimed).toBe(false);
  });
});

import { exemptionFor, hoursToSeconds, isCheckerTag, parseExpiry, parseHours, policyFor, tagKeys } from '../../../lambda/core/tags';
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

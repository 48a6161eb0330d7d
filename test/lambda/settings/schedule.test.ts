import { heartbeatWindow, longestGapSeconds, type HeartbeatWindow } from '../../../lambda/settings/schedule';

const HOUR = 3600;
const DAY = 86_400;

function windowOf(expression: string): HeartbeatWindow {
  const result = heartbeatWindow(expression);
  if ('problem' in result) throw new Error(`expected a window for ${expression}, got: ${result.problem}`);
  return result.ok;
}

describe('longestGapSeconds', () => {
  it.each([
    ['rate(1 hour)', HOUR],
    ['rate(90 minutes)', 90 * 60],
    ['rate(12 hours)', 12 * HOUR],
    ['rate(3 days)', 3 * DAY],
  ])('is the interval of %p', (expression, seconds) => {
    expect(longestGapSeconds(expression)).toEqual({ ok: seconds });
  });

  it.each([
    ['cron(0 6 * * ? *)', DAY],
    ['cron(30 6,18 * * ? *)', 12 * HOUR],
    ['cron(0 22,2 * * ? *)', 20 * HOUR],
    ['cron(0 */4 * * ? *)', 4 * HOUR],
    ['cron(0 8-17 ? * MON-FRI *)', 2 * DAY + 15 * HOUR],
    ['cron(0 9 ? * 2-6 *)', 3 * DAY],
    ['cron(0 0 1,15 * ? *)', 17 * DAY],
    ['cron(0 0 29 2 ? *)', 4 * 365 * DAY + DAY],
  ])('is the longest gap between runs of %p over eight years (UTC)', (expression, seconds) => {
    expect(longestGapSeconds(expression)).toEqual({ ok: seconds });
  });

  it('refuses cron syntax it cannot lay out (L, W, #) and year lists', () => {
    for (const expression of [
      'cron(0 6 L * ? *)',
      'cron(0 6 15W * ? *)',
      'cron(0 6 ? * 6L *)',
      'cron(0 6 ? * 2#1 *)',
      'cron(0 6 * * ? 2030)',
    ]) {
      expect(longestGapSeconds(expression)).toHaveProperty('problem');
    }
  });
});

describe('heartbeatWindow', () => {
  it.each([
    ['rate(1 hour)', HOUR],
    ['rate(12 hours)', 12 * HOUR],
    ['rate(1 day)', DAY],
    ['cron(30 6,18 * * ? *)', 12 * HOUR],
  ])('watches two periods of the schedule %p when runs are at most a day apart', (expression, period) => {
    expect(windowOf(expression)).toEqual({ periodSeconds: period, evaluationPeriods: 2, longestGapSeconds: period });
  });

  it.each([
    ['rate(25 hours)', 3],
    ['rate(2 days)', 4],
    ['rate(3 days)', 6],
    ['cron(0 9 ? * MON-FRI *)', 6],
    ['rate(4 days)', 7],
    ['rate(6 days)', 7],
    ['rate(10065 minutes)', 7],
  ])('uses one-day periods for %p, covering two gaps up to the 7-day limit (%p periods)', (expression, periods) => {
    expect(windowOf(expression)).toMatchObject({ periodSeconds: DAY, evaluationPeriods: periods });
  });

  it('always leaves a window longer than the longest gap plus a 15-minute run, and within CloudWatch limits', () => {
    const expressions = [
      'rate(1 hour)',
      'rate(5 hours)',
      'rate(23 hours)',
      'rate(1 day)',
      'rate(36 hours)',
      'rate(6 days)',
      'rate(10065 minutes)',
    ];
    for (const expression of expressions) {
      const w = windowOf(expression);
      expect(w.periodSeconds * w.evaluationPeriods).toBeGreaterThanOrEqual(w.longestGapSeconds + 15 * 60);
      expect(w.periodSeconds * w.evaluationPeriods).toBeLessThanOrEqual(7 * DAY);
      expect(w.periodSeconds).toBeLessThanOrEqual(DAY);
      expect(w.periodSeconds % 60).toBe(0);
    }
  });

  it.each(['rate(10066 minutes)', 'rate(7 days)', 'rate(30 days)'])(
    'refuses %p: a healthy schedule could leave 7 days without a run',
    (expression) => {
      expect(heartbeatWindow(expression)).toEqual({ problem: expect.stringContaining('at most 7 days') });
    },
  );
});

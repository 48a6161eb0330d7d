import { ConfigError, ENV_NAMES, parseSettings, type RawSettings } from '../../lambda/config';

function problemsOf(raw: RawSettings): string[] {
  try {
    parseSettings(raw, ENV_NAMES);
  } catch (err) {
    if (err instanceof ConfigError) return err.problems;
    throw err;
  }
  throw new Error('expected a ConfigError');
}

describe('parseSettings', () => {
  it('applies the defaults when nothing is set', () => {
    expect(parseSettings({}, ENV_NAMES)).toEqual({
      regions: 'all',
      policy: {
        minWindowHours: 24,
        tagPrefix: 'backtrack-check:',
        exemptTagKey: 'backtrack-check:exempt',
        maxExemptionDays: 90,
        backtrackRegions: [],
      },
      publishFindings: false,
      actualWindow: true,
      reminderAfterDays: 7,
      pageSize: 100,
    });
  });

  it('treats empty values as unset', () => {
    const c = parseSettings(
      { regions: '', minWindowHours: '', publishFindings: '', reminderAfterDays: '', pageSize: '', alertTopicArn: ' ' },
      ENV_NAMES,
    );

    expect(c).toMatchObject({
      regions: 'all',
      policy: { minWindowHours: 24 },
      publishFindings: false,
      reminderAfterDays: 7,
      pageSize: 100,
    });
    expect(c.alertTopicArn).toBeUndefined();
  });

  it('reads every valid setting', () => {
    const c = parseSettings(
      {
        regions: ' us-east-1, eu-west-1 ,us-east-1',
        minWindowHours: '1.5',
        tagPrefix: 'ops/bt-',
        publishFindings: 'TRUE',
        alertTopicArn: 'arn:aws:sns:eu-west-1:111122223333:backtrack-alerts',
        reminderAfterDays: '14',
        actualWindow: 'false',
        pageSize: '20',
        maxExemptionDays: '30',
        backtrackRegions: 'eu-north-1, sa-east-1',
      },
      ENV_NAMES,
    );

    expect(c).toEqual({
      regions: ['us-east-1', 'eu-west-1'],
      policy: {
        minWindowHours: 1.5,
        tagPrefix: 'ops/bt-',
        exemptTagKey: 'ops/bt-exempt',
        maxExemptionDays: 30,
        backtrackRegions: ['eu-north-1', 'sa-east-1'],
      },
      publishFindings: true,
      alertTopicArn: 'arn:aws:sns:eu-west-1:111122223333:backtrack-alerts',
      actualWindow: false,
      reminderAfterDays: 14,
      pageSize: 20,
    });
  });

  it('accepts GovCloud Regions and topics', () => {
    const c = parseSettings({ regions: 'us-gov-west-1', alertTopicArn: 'arn:aws-us-gov:sns:us-gov-west-1:111122223333:alerts' }, ENV_NAMES);

    expect(c.regions).toEqual(['us-gov-west-1']);
  });

  it('reports every bad value at once, each with the name of its setting', () => {
    const problems = problemsOf({
      regions: 'us-east-1,mars-1',
      minWindowHours: '80',
      tagPrefix: 'aws:checks/',
      exemptTagKey: 'aws:exempt',
      publishFindings: 'yes',
      alertTopicArn: 'backtrack-alerts',
      reminderAfterDays: '0',
      actualWindow: 'maybe',
      pageSize: '10',
    });

    expect(problems.map((p) => p.split(':')[0])).toEqual([
      'REGIONS',
      'MIN_WINDOW_HOURS',
      'TAG_PREFIX',
      'EXEMPT_TAG_KEY',
      'ALERT_TOPIC_ARN',
      'PUBLISH_FINDINGS',
      'ACTUAL_WINDOW',
      'REMINDER_AFTER_DAYS',
      'PAGE_SIZE',
    ]);
    expect(problems[0]).toContain('"mars-1"');
    expect(problems[1]).toContain('72');
    expect(problems[7]).toContain('out of range 1–365');
    expect(problems[8]).toContain('out of range 20–100');
  });

  it.each(['abc', '-1', '72.5'])('rejects minimum window %j', (value) => {
    expect(problemsOf({ minWindowHours: value })[0]).toMatch(/^MIN_WINDOW_HOURS: /);
  });

  it('names the settings as the caller calls them (flags for the CLI)', () => {
    const names = { ...ENV_NAMES, minWindowHours: '--min-window-hours' };

    expect(() => parseSettings({ minWindowHours: 'abc' }, names)).toThrow(/--min-window-hours: "abc" is not a number of hours/);
  });

  it('lists the problems in the error message', () => {
    expect(() => parseSettings({ pageSize: '5', reminderAfterDays: 'x' }, ENV_NAMES)).toThrow(
      /Invalid configuration:\n {2}- REMINDER_AFTER_DAYS: .*\n {2}- PAGE_SIZE: /,
    );
  });
});

describe('REGIONS', () => {
  it.each([undefined, 'all', 'ALL', ' all '])('%j means every enabled Region', (raw) => {
    expect(parseSettings({ regions: raw }, ENV_NAMES).regions).toBe('all');
  });

  it('rejects a list with nothing in it', () => {
    const problems = problemsOf({ regions: ' , ' });

    expect(problems).toHaveLength(1);
  });

  it.each([
    ['1', 1],
    ['3650', 3650],
  ])('accepts maxExemptionDays at its bound %s', (raw, days) => {
    expect(parseSettings({ maxExemptionDays: raw }, ENV_NAMES).policy.maxExemptionDays).toBe(days);
  });

  it.each(['0', '3651', '-1'])('rejects maxExemptionDays "%s" as out of range, naming the variable and the range', (raw) => {
    expect(problemsOf({ maxExemptionDays: raw })).toEqual([`MAX_EXEMPTION_DAYS: "${raw}" — out of range 1–3650`]);
  });

  it.each(['7.5', 'ninety'])('rejects maxExemptionDays "%s" as not a whole number', (raw) => {
    expect(problemsOf({ maxExemptionDays: raw })).toEqual([`MAX_EXEMPTION_DAYS: "${raw}" — use a whole number from 1 to 3650`]);
  });

  it.each(['72.5', '73', '-1', '-0.5'])('rejects a minimum window of %s hours as out of range 0–72', (raw) => {
    expect(problemsOf({ minWindowHours: raw })).toEqual([
      `MIN_WINDOW_HOURS: "${raw}" is out of range 0–72 (hours; Backtrack allows at most 72)`,
    ]);
  });

  it('rejects a backtrackRegions entry that is not a Region code', () => {
    expect(problemsOf({ backtrackRegions: 'eu-north-1,stockholm' })).toEqual([
      'BACKTRACK_REGIONS: "eu-north-1,stockholm" — "stockholm" is not a Region code; use a comma list such as eu-north-1,sa-east-1',
    ]);
  });

  it('accepts a backtrackRegions entry the built-in list does not name (nothing to mark, as the stack accepts it)', () => {
    expect(parseSettings({ backtrackRegions: 'eu-west-1' }, ENV_NAMES).policy.backtrackRegions).toEqual(['eu-west-1']);
  });
});

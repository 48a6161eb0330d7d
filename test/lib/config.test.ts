import { ConfigError, loadConfig, readContext, type ConfigProblem } from '../../lib/config';

function problemsOf(raw: Record<string, unknown>): readonly ConfigProblem[] {
  try {
    loadConfig(raw);
  } catch (error) {
    if (error instanceof ConfigError) return error.problems;
    throw error;
  }
  throw new Error('expected a ConfigError');
}

describe('loadConfig', () => {
  it('applies every default when nothing is configured', () => {
    const config = loadConfig({});

    expect(config).toEqual({
      minWindowHours: 24,
      regions: 'all',
      allowNewRegions: false,
      schedule: 'rate(12 hours)',
      reminderSchedule: 'rate(7 days)',
      reminderAfterDays: 7,
      alertEmails: [],
      tagPrefix: 'backtrack-check:',
      exemptTagKey: 'backtrack-check:exempt',
      instantRecheck: true,
      actualWindow: true,
      maxExemptionDays: 90,
      backtrackRegions: [],
      allowNoSubscribers: false,
      remediationAction: false,
    });
  });

  it('reads -c strings: numbers, comma lists and booleans', () => {
    const config = loadConfig({
      minWindowHours: '1.5',
      regions: ' us-east-1, eu-west-1 ,us-east-1',
      reminderAfterDays: '14',
      alertEmails: 'ops@example.com, dba@example.org',
      instantRecheck: 'false',
      actualWindow: 'FALSE',
    });

    expect(config.minWindowHours).toBe(1.5);
    expect(config.regions).toEqual(['us-east-1', 'eu-west-1']);
    expect(config.reminderAfterDays).toBe(14);
    expect(config.alertEmails).toEqual(['ops@example.com', 'dba@example.org']);
    expect(config.instantRecheck).toBe(false);
    expect(config.actualWindow).toBe(false);
  });

  it('reads cdk.json JSON values: numbers, arrays and booleans', () => {
    const config = loadConfig({ minWindowHours: 0, regions: ['ap-southeast-2'], alertEmails: ['a@example.com'], instantRecheck: false });

    expect(config.minWindowHours).toBe(0);
    expect(config.regions).toEqual(['ap-southeast-2']);
    expect(config.alertEmails).toEqual(['a@example.com']);
    expect(config.instantRecheck).toBe(false);
  });

  it.each([0, 72, 23.99])('accepts a minimum window of %p hours', (hours) => {
    expect(loadConfig({ minWindowHours: hours }).minWindowHours).toBe(hours);
  });

  it('derives the exemption tag key from a custom tag prefix', () => {
    expect(loadConfig({ tagPrefix: 'corp/backtrack:' }).exemptTagKey).toBe('corp/backtrack:exempt');
  });

  it('keeps an explicit exemption tag key over the derived one', () => {
    expect(loadConfig({ tagPrefix: 'x:', exemptTagKey: 'no-backtrack' }).exemptTagKey).toBe('no-backtrack');
  });

  it.each(['regions', 'minWindowHours', 'alertEmails', 'schedule', 'maxExemptionDays', 'backtrackRegions', 'allowNoSubscribers'])(
    'rejects an empty value of %s (e.g. -c regions=) instead of taking the default',
    (key) => {
      const problems = problemsOf({ [key]: ' ' });

      expect(problems).toEqual([expect.objectContaining({ key, value: '" "', problem: 'is empty; leave the key out to use the default' })]);
    },
  );

  it('takes the default for an absent or null value', () => {
    const config = loadConfig({ regions: null, minWindowHours: undefined });

    expect(config.regions).toBe('all');
    expect(config.minWindowHours).toBe(24);
  });

  it('accepts an empty JSON list from cdk.json as "none" for list settings', () => {
    const config = loadConfig({ alertEmails: [], backtrackRegions: [] });

    expect(config.alertEmails).toEqual([]);
    expect(config.backtrackRegions).toEqual([]);
  });

  it('accepts Slack ids given together', () => {
    const config = loadConfig({ slackWorkspaceId: 'T0123ABCD', slackChannelId: 'G0123ABCD' });

    expect(config).toMatchObject({ slackWorkspaceId: 'T0123ABCD', slackChannelId: 'G0123ABCD' });
  });

  it.each([
    ['rate(1 hour)', 'rate(1 hour)'],
    ['rate(1 hours)', 'rate(1 hour)'],
    ['rate(6 hour)', 'rate(6 hours)'],
    ['rate(60 minutes)', 'rate(60 minutes)'],
    ['rate(2 days)', 'rate(2 days)'],
    ['cron(0 6 * * ? *)', 'cron(0 6 * * ? *)'],
    [' cron(15  */4 ? * MON-FRI * ) ', 'cron(15 */4 ? * MON-FRI *)'],
  ])('accepts and normalises the schedule %p', (given, expected) => {
    expect(loadConfig({ schedule: given }).schedule).toBe(expected);
  });

  it.each([
    'rate(30 minutes)',
    'rate(0 hours)',
    'rate(1 week)',
    'cron(0 6 * * *)',
    'cron(*/5 * * * ? *)',
    'cron(0 6 * * * *)',
    'every 12 hours',
  ])('rejects the schedule %p', (schedule) => {
    expect(problemsOf({ schedule }).map((p) => p.key)).toEqual(['schedule']);
  });

  it('is idempotent: a loaded configuration loads to itself', () => {
    const config = loadConfig({ regions: 'eu-west-1', schedule: 'rate(6 hour)', alertEmails: 'a@example.com' });

    expect(loadConfig({ ...config })).toEqual(config);
  });

  it('ignores context keys that belong to CDK', () => {
    expect(() => loadConfig({ '@aws-cdk/core:checkSecretUsage': true, 'aws:cdk:bundling-stacks': [] })).not.toThrow();
  });

  it('reports every bad value at once, each with its key, what is allowed and an example', () => {
    const problems = problemsOf({
      minWindowHours: '100',
      regions: 'us-east-1,useast1',
      schedule: 'rate(5 minutes)',
      reminderSchedule: 'weekly',
      reminderAfterDays: '2.5',
      alertEmails: 'ops@example.com,not-an-address',
      slackWorkspaceId: 'my-workspace',
      tagPrefix: 'aws:reserved',
      exemptTagKey: 'bad#key',
      instantRecheck: 'yes',
      actualWindow: 1,
    });

    expect(problems.map((p) => p.key)).toEqual([
      'minWindowHours',
      'regions',
      'schedule',
      'reminderSchedule',
      'reminderAfterDays',
      'alertEmails',
      'slackWorkspaceId',
      'tagPrefix',
      'exemptTagKey',
      'instantRecheck',
      'actualWindow',
      'slackChannelId',
    ]);
    for (const p of problems) {
      expect(p.allowed.length).toBeGreaterThan(0);
      expect(p.example.replace(/^"/, '')).toMatch(new RegExp(`^${p.key}=`));
    }
  });

  it('renders one message naming each bad value, its key, what is allowed and a -c example', () => {
    let message = '';
    try {
      loadConfig({ minWindowHours: 'a day', regions: 'mars-1' });
    } catch (error) {
      message = (error as Error).message;
    }

    expect(message).toContain('2 problems');
    expect(message).toContain('minWindowHours: "a day" is not a number');
    expect(message).toContain('allowed: a number of hours from 0 to 72');
    expect(message).toContain('-c minWindowHours=24');
    expect(message).toContain('regions: "mars-1" contains "mars-1", which is not a Region code');
    expect(message).toContain('-c regions=us-east-1,eu-west-1');
  });

  it.each([['-0.5'], [72.01], ['24h'], [Number.NaN]])('rejects the minimum window %p', (value) => {
    expect(problemsOf({ minWindowHours: value }).map((p) => p.key)).toEqual(['minWindowHours']);
  });

  it.each([[0], [366], ['1.5']])('rejects reminderAfterDays %p', (value) => {
    expect(problemsOf({ reminderAfterDays: value }).map((p) => p.key)).toEqual(['reminderAfterDays']);
  });

  it('rejects a Slack channel without a workspace', () => {
    const problems = problemsOf({ slackChannelId: 'C0123ABCD' });

    expect(problems).toEqual([expect.objectContaining({ key: 'slackWorkspaceId', value: '(not set)' })]);
  });

  it('rejects a Slack channel id that is not a channel id', () => {
    expect(problemsOf({ slackWorkspaceId: 'T0123ABCD', slackChannelId: '#alerts' }).map((p) => p.key)).toEqual(['slackChannelId']);
  });

  it('rejects an empty Region list and a tag prefix over 100 characters', () => {
    expect(problemsOf({ regions: ' , ', tagPrefix: 'p'.repeat(101) }).map((p) => p.key)).toEqual(['regions', 'tagPrefix']);
  });

  it.each([
    [1, 1],
    ['3650', 3650],
    [' 90 ', 90],
  ])('accepts maxExemptionDays %p', (given, expected) => {
    expect(loadConfig({ maxExemptionDays: given }).maxExemptionDays).toBe(expected);
  });

  it.each([[0], [3651], ['1.5'], ['ninety'], [-1]])('rejects maxExemptionDays %p', (value) => {
    expect(problemsOf({ maxExemptionDays: value }).map((p) => p.key)).toEqual(['maxExemptionDays']);
  });

  it('reads backtrackRegions as Region codes without duplicates, from -c or cdk.json', () => {
    expect(loadConfig({ backtrackRegions: 'eu-north-1, sa-east-1,eu-north-1' }).backtrackRegions).toEqual(['eu-north-1', 'sa-east-1']);
    expect(loadConfig({ backtrackRegions: ['me-south-1'] }).backtrackRegions).toEqual(['me-south-1']);
  });

  it.each([
    ['regions', 'US-EAST-1', 'us-east-1'],
    ['regions', ['eu-west-1', 'Eu-Central-1'], 'eu-central-1'],
    ['backtrackRegions', 'eu-north-1, SA-EAST-1', 'sa-east-1'],
  ])('refuses the upper-case Region code in %s %j, as the function does, and names the code meant', (key, value, meant) => {
    const problems = problemsOf({ [key]: value });

    expect(problems).toEqual([expect.objectContaining({ key, problem: expect.stringContaining('which is not a Region code') as unknown })]);
    expect(problems[0]?.problem).toContain(`did you mean ${meant}?`);
  });

  it.each([
    [1e-7, '0'],
    [0.005, '0.01'],
    ['23.999', '24'],
    [1.125, '1.13'],
  ])('refuses a minimum window of %p hours, finer than hundredths of an hour, suggesting %s', (value, suggestion) => {
    const problems = problemsOf({ minWindowHours: value });

    expect(problems).toEqual([
      expect.objectContaining({ key: 'minWindowHours', problem: expect.stringContaining('more than 2 decimal places') as unknown }),
    ]);
    expect(problems[0]?.problem).toContain(`e.g. ${suggestion}`);
  });

  it.each([[0.01], ['0.01'], [71.99], ['72.00'], [1e-2]])('accepts a minimum window of %p hours, in hundredths of an hour', (value) => {
    expect(loadConfig({ minWindowHours: value }).minWindowHours).toBe(Number(value));
  });

  it('rejects a backtrackRegions entry that is not a Region code, naming it', () => {
    const problems = problemsOf({ backtrackRegions: 'eu-north-1,stockholm' });

    expect(problems).toEqual([
      expect.objectContaining({ key: 'backtrackRegions', problem: 'contains "stockholm", which is not a Region code' }),
    ]);
  });

  it('reads allowNoSubscribers as a boolean and rejects anything else', () => {
    expect(loadConfig({ allowNoSubscribers: 'true' }).allowNoSubscribers).toBe(true);
    expect(loadConfig({ allowNoSubscribers: false }).allowNoSubscribers).toBe(false);
    expect(problemsOf({ allowNoSubscribers: 'yes' }).map((p) => p.key)).toEqual(['allowNoSubscribers']);
  });

  it.each(['rate(6 days)', 'rate(167 hours)', 'rate(10065 minutes)', 'cron(0 9 ? * MON-FRI *)', 'cron(0 0 1-31/3 * ? *)'])(
    "accepts the scan schedule %p: its heartbeat alarm fits in CloudWatch's 7 days",
    (schedule) => {
      expect(loadConfig({ schedule }).schedule).toBe(schedule);
    },
  );

  it.each([
    ['rate(7 days)', 'leaves up to 7 day(s) between scans'],
    ['rate(10066 minutes)', 'between scans'],
    ['cron(0 6 ? * MON *)', 'leaves up to 7 day(s) between scans'],
    ['cron(0 0 1 * ? *)', 'leaves up to 31 day(s) between scans'],
    ['cron(0 6 L * ? *)', 'uses cron syntax (L, W or #)'],
    ['cron(0 6 ? * 2#1 *)', 'uses cron syntax (L, W or #)'],
    ['cron(0 6 * * ? 2027)', 'names years'],
  ])('rejects the scan schedule %p, which the heartbeat alarm cannot watch', (schedule, problem) => {
    const problems = problemsOf({ schedule });

    expect(problems.map((p) => p.key)).toEqual(['schedule']);
    expect(problems[0]?.problem).toContain(problem);
  });

  it('keeps a weekly reminder schedule: only the scan has a heartbeat', () => {
    expect(loadConfig({ reminderSchedule: 'cron(0 8 ? * MON *)' }).reminderSchedule).toBe('cron(0 8 ? * MON *)');
  });
});

describe('readContext', () => {
  it('reads exactly the checker keys through the lookup', () => {
    const seen: string[] = [];

    const raw = readContext((key) => {
      seen.push(key);
      return key === 'regions' ? 'eu-west-1' : undefined;
    });

    expect(seen).toContain('minWindowHours');
    expect(seen).toContain('slackChannelId');
    expect(raw.regions).toBe('eu-west-1');
  });
});

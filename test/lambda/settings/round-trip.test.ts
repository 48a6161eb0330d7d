/**
 * The three readers of the settings schema agree: a context synth accepts becomes an environment
 * the function accepts with the same meaning, synth names every value it refuses, the same text
 * means the same on every surface, and the CLI's flags read like the function's variables.
 */
import { buildProgram, settingsFromFlags } from '../../../bin/cli';
import { ConfigError as RuntimeConfigError, ENV_NAMES, readEnvironment } from '../../../lambda/config';
import { FLAG_NAMES, SETTINGS, toEnvironment, type RuntimeKey } from '../../../lambda/settings/schema';
import { ConfigError, type CheckerConfig } from '../../../lib/config';
import { loadContext } from '../../../lib/context';

const TOPIC = 'arn:aws:sns:eu-west-1:111122223333:backtrack-alerts';
const TABLE = 'AuroraBacktrackChecker-State';

/** Boundary values of each setting the function shares with the stack: min, max, just outside, case and list variants. */
const CASES: Record<string, readonly unknown[]> = {
  minWindowHours: [
    0,
    72,
    '0',
    '72',
    0.01,
    71.99,
    -0.01,
    72.01,
    '-0.01',
    '72.01',
    1e-7,
    '1e-7',
    0.005,
    '23.999',
    1.125,
    '1.5',
    ' 24 ',
    '-0',
    'abc',
    '24h',
  ],
  regions: [
    'all',
    'ALL',
    ' all ',
    'us-east-1',
    'US-EAST-1',
    'Eu-West-1',
    ' us-east-1, eu-west-1 ,us-east-1',
    ['ap-southeast-2'],
    ['ap-southeast-2', 'AP-SOUTHEAST-2'],
    'us-gov-west-1',
    ' , ',
    [],
    'mars-1',
    'us-east-1,useast1',
  ],
  reminderAfterDays: [1, 365, '1', '365', 0, 366, '0', '366', 1.5, '1.5', ' 7 ', '-1', 'seven'],
  tagPrefix: ['x', 'p'.repeat(100), 'p'.repeat(101), 'ops/bt-', 'aws:x', 'AWS:x', 'bad#prefix', ' spaced '],
  exemptTagKey: ['k', 'k'.repeat(128), 'k'.repeat(129), 'aws:exempt', 'Aws:exempt', 'no-backtrack', 'bad#key'],
  actualWindow: [true, false, 'true', 'FALSE', ' True ', 'yes', 1, '1'],
  maxExemptionDays: [1, 3650, '1', '3650', 0, 3651, '0', '3651', 7.5, '7.5', ' 90 ', 'ninety', -1],
  backtrackRegions: [[], 'eu-north-1', 'EU-NORTH-1', 'eu-north-1, eu-north-1', ['sa-east-1', 'me-south-1'], 'eu-north-1,stockholm'],
};

const SHARED_KEYS = Object.keys(CASES) as RuntimeKey[];
const table = SHARED_KEYS.flatMap((key) => (CASES[key] ?? []).map((value) => [key, value] as const));

function contextOutcome(context: Record<string, unknown>): { config: CheckerConfig } | { error: ConfigError } {
  try {
    return { config: loadContext(context) };
  } catch (error) {
    if (error instanceof ConfigError) return { error };
    throw error;
  }
}

/** What the function does with a validated configuration: the meaning the environment must keep. */
const meaning = (c: CheckerConfig) => ({
  regions: c.regions,
  policy: {
    minWindowHours: c.minWindowHours,
    tagPrefix: c.tagPrefix,
    exemptTagKey: c.exemptTagKey,
    maxExemptionDays: c.maxExemptionDays,
    backtrackRegions: c.backtrackRegions,
  },
  actualWindow: c.actualWindow,
  reminderAfterDays: c.reminderAfterDays,
  publishFindings: true,
  alertTopicArn: TOPIC,
  pageSize: 100,
});

const environmentOf = (config: CheckerConfig) =>
  toEnvironment({ ...config, publishFindings: true, alertTopicArn: TOPIC, stateTable: TABLE });

function envOutcome(env: Record<string, string>): { value: unknown } | { problems: string[] } {
  try {
    return { value: readEnvironment(env).config };
  } catch (error) {
    if (error instanceof RuntimeConfigError) return { problems: error.problems };
    throw error;
  }
}

describe('context → environment → function', () => {
  it.each(table)('%s = %j: synth accepts it with the meaning the function reads back, or refuses it naming the key', (key, value) => {
    const outcome = contextOutcome({ [key]: value });

    if ('config' in outcome) {
      const env = environmentOf(outcome.config);
      expect(readEnvironment(env).config).toEqual(meaning(outcome.config));
      expect(readEnvironment(env).stateTable).toBe(TABLE);
    } else {
      expect(outcome.error.problems.map((p) => p.key)).toEqual([key]);
      expect(outcome.error.message).toContain(`${key}: `);
    }
  });

  it('carries a context that sets every shared setting at once', () => {
    const config = loadContext({
      minWindowHours: '1.25',
      regions: 'us-east-1,eu-west-1',
      reminderAfterDays: 30,
      tagPrefix: 'corp/bt:',
      exemptTagKey: 'corp/skip',
      actualWindow: 'false',
      maxExemptionDays: '3650',
      backtrackRegions: ['eu-north-1'],
    });

    expect(readEnvironment(environmentOf(config)).config).toEqual(meaning(config));
  });

  it('derives the exemption tag key from a custom prefix the same way on both sides', () => {
    const config = loadContext({ tagPrefix: 'corp/bt:' });
    const { EXEMPT_TAG_KEY: _given, ...withoutKey } = environmentOf(config);

    expect(readEnvironment(withoutKey).config.policy.exemptTagKey).toBe(config.exemptTagKey);
  });

  it('writes one variable per shared setting the stack sets, and only the schema names them', () => {
    const env = environmentOf(loadContext({ backtrackRegions: 'eu-north-1' }));

    expect(Object.keys(env).sort()).toEqual(
      (
        [
          'regions',
          'minWindowHours',
          'tagPrefix',
          'exemptTagKey',
          'alertTopicArn',
          'maxExemptionDays',
          'backtrackRegions',
          'publishFindings',
          'actualWindow',
          'reminderAfterDays',
          'stateTable',
        ] as const
      )
        .map((k) => ENV_NAMES[k])
        .sort(),
    );
  });
});

describe('the same text on every surface', () => {
  const texts = table.filter((row): row is [RuntimeKey, string] => typeof row[1] === 'string' && row[1].trim() !== '');

  it.each(texts)('%s = %j means the same in context and in the environment, or both refuse it', (key, text) => {
    const fromContext = contextOutcome({ [key]: text });
    const fromEnv = envOutcome({ [ENV_NAMES.alertTopicArn]: TOPIC, [ENV_NAMES[key]]: text });

    if ('config' in fromContext) {
      expect(fromEnv).toEqual({ value: meaning(fromContext.config) });
    } else {
      expect(fromEnv).toEqual({ problems: [expect.stringMatching(new RegExp(`^${ENV_NAMES[key]}: "`))] });
    }
  });
});

describe('CLI flags ↔ environment', () => {
  /** The shared settings the CLI reads from `argv`, through the real option definitions. */
  async function flagOutcome(argv: string[]): Promise<{ value: unknown } | { problems: string[] }> {
    const io = { out: () => undefined, err: () => undefined, env: {} };
    const program = buildProgram(io, () => undefined).exitOverride();
    const scan = program.commands.find((c) => c.name() === 'scan');
    let flags: Record<string, unknown> = {};
    scan?.action((f: Record<string, unknown>) => {
      flags = f;
    });
    await program.parseAsync(['scan', ...argv], { from: 'user' });
    try {
      return { value: settingsFromFlags(flags).config };
    } catch (error) {
      if (error instanceof RuntimeConfigError) return { problems: error.problems };
      throw error;
    }
  }

  const valued = table.filter(
    (row): row is [RuntimeKey, string] =>
      typeof row[1] === 'string' && row[1].trim() !== '' && (SETTINGS[row[0]] as { flag?: string }).flag?.includes('<') === true,
  );

  it.each(valued)('%s %j: the flag and the variable accept the same value with the same meaning, or both refuse it', async (key, text) => {
    const fromFlag = await flagOutcome([FLAG_NAMES[key] as string, text]);
    const fromEnv = envOutcome({ [ENV_NAMES[key]]: text, [ENV_NAMES.publishFindings]: 'false' });

    if ('value' in fromEnv) {
      expect(fromFlag).toEqual(fromEnv);
    } else {
      expect(fromFlag).toEqual({ problems: [`${FLAG_NAMES[key]}: ${(fromEnv.problems[0] ?? '').replace(/^[A-Z_]+: /, '')}`] });
    }
  });

  it.each([
    [['--no-actual-window'], { [ENV_NAMES.actualWindow]: 'false' }],
    [['--publish-findings'], { [ENV_NAMES.publishFindings]: 'true' }],
    [[], { [ENV_NAMES.publishFindings]: 'false' }],
    [
      ['--alert-topic-arn', TOPIC, '--page-size', '20'],
      { [ENV_NAMES.alertTopicArn]: TOPIC, [ENV_NAMES.pageSize]: '20', [ENV_NAMES.publishFindings]: 'false' },
    ],
  ])('flags %j read as the variables %j', async (argv, env) => {
    expect(await flagOutcome(argv)).toEqual(envOutcome({ [ENV_NAMES.publishFindings]: 'false', ...env }));
  });

  it.each([
    ['--page-size', '19', 'PAGE_SIZE'],
    ['--page-size', '101', 'PAGE_SIZE'],
    ['--alert-topic-arn', 'backtrack-alerts', 'ALERT_TOPIC_ARN'],
    ['--state-table', 'x', 'STATE_TABLE'],
  ])('%s %s is refused by the flag and by the variable %s in the same words', async (flag, value, variable) => {
    const fromFlag = await flagOutcome([flag, value]);
    const fromEnv = envOutcome({ [variable]: value });

    expect('problems' in fromEnv && fromEnv.problems.map((p) => p.replace(`${variable}: `, `${flag}: `))).toEqual(
      'problems' in fromFlag && fromFlag.problems,
    );
    expect(fromEnv).toHaveProperty('problems');
  });
});

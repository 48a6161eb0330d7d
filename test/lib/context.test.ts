import { ConfigError, type ConfigProblem } from '../../lib/config';
import { editDistance, loadContext, nearestSetting, unknownKeyProblems } from '../../lib/context';
import { cdkJsonContext } from './stack-fixture';

function problemsOf(context: Record<string, unknown>): readonly ConfigProblem[] {
  try {
    loadContext(context);
  } catch (error) {
    if (error instanceof ConfigError) return error.problems;
    throw error;
  }
  throw new Error('expected a ConfigError');
}

describe('unknown context keys', () => {
  it.each([
    ['minWindowHour', 'minWindowHours'],
    ['alertEmail', 'alertEmails'],
    ['regoins', 'regions'],
    ['minwindowhours', 'minWindowHours'],
    ['MIN_WINDOW_HOURS', 'minWindowHours'],
    ['alert-emails', 'alertEmails'],
    ['maxExemptionDay', 'maxExemptionDays'],
    ['backtrackRegion', 'backtrackRegions'],
    ['allowNoSubscriber', 'allowNoSubscribers'],
  ])('stops synth on %p, naming the nearest setting %p', (key, nearest) => {
    const problems = problemsOf({ [key]: '12' });

    expect(problems).toEqual([
      expect.objectContaining({
        key,
        value: '"12"',
        problem: `is not a setting of the checker; did you mean ${nearest}?`,
        example: `${nearest}=12`,
      }),
    ]);
  });

  it('stops synth on a plain word that is no setting and close to none, listing the settings', () => {
    const problems = problemsOf({ stage: 'prod' });

    expect(problems).toEqual([expect.objectContaining({ key: 'stage', problem: 'is not a setting of the checker' })]);
    expect(problems[0]?.allowed).toContain('minWindowHours');
  });

  it('renders the unknown key with the value problems in one message', () => {
    const message = ((): string => {
      try {
        loadContext({ minWindowHour: '12', regions: '' });
      } catch (error) {
        return (error as Error).message;
      }
      return '';
    })();

    expect(message).toContain('2 problems');
    expect(message).toContain('minWindowHour: "12" is not a setting of the checker; did you mean minWindowHours?');
    expect(message).toContain('-c minWindowHours=12');
    expect(message).toContain('regions: "" is empty');
  });

  it("leaves CDK's own keys alone: feature flags, toolkit settings, cached lookups and bookkeeping", () => {
    const cdkKeys = {
      '@aws-cdk/core:checkSecretUsage': true,
      'aws:cdk:bundling-stacks': [],
      'aws:cdk:enable-path-metadata': true,
      'availability-zones:account=111122223333:region=eu-west-1': ['eu-west-1a'],
      'acknowledged-issue-numbers': [32775],
      'cdk-migrate': true,
      'cli-telemetry': false,
    };

    expect(unknownKeyProblems(cdkKeys)).toEqual([]);
  });

  it('accepts the context of cdk.json as shipped', () => {
    expect(() => loadContext({ ...cdkJsonContext(), allowNoSubscribers: true })).not.toThrow();
  });

  it('reads every checker setting from the context', () => {
    const config = loadContext({ '@aws-cdk/core:checkSecretUsage': true, regions: 'eu-west-1', maxExemptionDays: '30' });

    expect(config.regions).toEqual(['eu-west-1']);
    expect(config.maxExemptionDays).toBe(30);
  });
});

describe('nearestSetting', () => {
  it('suggests nothing for a word far from every setting', () => {
    expect(nearestSetting('stage')).toBeUndefined();
    expect(nearestSetting('vpcId')).toBeUndefined();
  });

  it('counts an adjacent transposition as one edit', () => {
    expect(editDistance('regoins', 'regions')).toBe(1);
    expect(editDistance('abc', 'abc')).toBe(0);
    expect(editDistance('', 'abc')).toBe(3);
  });
});

import { ConfigError as EnvConfigError, readEnvironment } from '../../../lambda/config';
import { KNOWN_REGIONS, nearestRegions, unknownRegions } from '../../../lambda/settings/region-codes';
import { toEnvironment } from '../../../lambda/settings/schema';
import { loadConfig } from '../../../lib/config';
import { loadContext } from '../../../lib/context';

const problemsOf = (f: () => unknown): string => {
  try {
    f();
  } catch (e) {
    return (e as Error).message;
  }
  return '';
};

describe('Region codes: one list for the CLI, the deployment and the function', () => {
  it('suggests the nearest known codes for a typo', () => {
    expect(nearestRegions('us-east-99')).toEqual(['us-east-1', 'us-east-2']);
    expect(nearestRegions('eu-wset-1')).toEqual(['eu-west-1']);
  });

  it('knows the Regions the checker names elsewhere (every code is unique and well formed)', () => {
    expect(new Set(KNOWN_REGIONS).size).toBe(KNOWN_REGIONS.length);
    expect(unknownRegions(['eu-central-2', 'ap-southeast-7', 'mx-central-1', 'us-gov-west-1', 'cn-north-1'])).toEqual([]);
  });

  it('a typo in context `regions` stops synth with the same suggestion, naming allowNewRegions', () => {
    const message = problemsOf(() => loadContext({ regions: 'eu-west-1,us-east-99' }));

    expect(message).toContain('regions: "eu-west-1,us-east-99" names a Region code not in the checker\'s list of AWS Regions');
    expect(message).toContain('us-east-99 (did you mean us-east-1 or us-east-2?)');
    expect(message).toContain('allowNewRegions=true');
  });

  it('allowNewRegions=true lets a new Region through synth, and the function reads it back from its environment', () => {
    const config = loadConfig({ regions: 'xx-newplace-1', allowNewRegions: 'true' });
    expect(config.regions).toEqual(['xx-newplace-1']);

    const env = toEnvironment({ ...config, publishFindings: true, stateTable: 'state' });
    expect(env.ALLOW_NEW_REGIONS).toBe('true');
    expect(readEnvironment(env).config.regions).toEqual(['xx-newplace-1']);
  });

  it('the function refuses an unknown code in REGIONS naming ALLOW_NEW_REGIONS=true', () => {
    const read = () => readEnvironment({ REGIONS: 'us-east-99', STATE_TABLE: 'state' });

    expect(read).toThrow(EnvConfigError);
    expect(problemsOf(read)).toContain('REGIONS: "us-east-99" — names a Region code not in the checker\'s list of AWS Regions');
    expect(problemsOf(read)).toContain('ALLOW_NEW_REGIONS=true');
  });

  it('writes no ALLOW_NEW_REGIONS when it is not set', () => {
    const env = toEnvironment({ ...loadConfig({ regions: 'eu-west-1' }), publishFindings: true, stateTable: 'state' });
    expect(env).not.toHaveProperty('ALLOW_NEW_REGIONS');
  });
});

import * as fs from 'node:fs';
import * as path from 'node:path';
import { Option } from 'commander';
import {
  CONTEXT_KEYS,
  ENV_NAMES,
  ENV_VARIABLES,
  FLAG_NAMES,
  RUNTIME_KEYS,
  SETTINGS,
  toEnvironment,
  type SettingKey,
} from '../../../lambda/settings/schema';

const ROOT = path.join(__dirname, '..', '..', '..');
const SCHEMA = path.join('lambda', 'settings', 'schema.ts');

function sourceFiles(dir: string): string[] {
  return fs.readdirSync(path.join(ROOT, dir), { withFileTypes: true }).flatMap((entry) => {
    const rel = path.join(dir, entry.name);
    if (entry.isDirectory()) return sourceFiles(rel);
    return entry.name.endsWith('.ts') ? [rel] : [];
  });
}

describe('settings schema', () => {
  it('gives every runtime setting its own environment variable', () => {
    expect(new Set(ENV_VARIABLES).size).toBe(RUNTIME_KEYS.length);
    expect(ENV_VARIABLES.every((v) => /^[A-Z][A-Z0-9_]*$/.test(v))).toBe(true);
  });

  it('names each flag after its setting, as commander names the parsed value', () => {
    for (const [key, flag] of Object.entries(FLAG_NAMES)) {
      expect(new Option(flag).attributeName()).toBe(key);
    }
  });

  it('reads every setting from context except those the stack knows itself (topic, table, publishing, page size, the hub bus of a member)', () => {
    const notContext = (Object.keys(SETTINGS) as SettingKey[]).filter((k) => !(CONTEXT_KEYS as readonly string[]).includes(k));

    expect(notContext.sort()).toEqual(['alertTopicArn', 'hubEventBusArn', 'pageSize', 'publishFindings', 'stateTable']);
  });

  it('writes each environment variable name only in the schema: lambda/, lib/, bin/ and scripts/ read it from there', () => {
    const files = ['lambda', 'lib', 'bin', 'scripts'].flatMap(sourceFiles).filter((f) => f !== SCHEMA);
    const uses = files.flatMap((file) => {
      const text = fs.readFileSync(path.join(ROOT, file), 'utf8');
      return ENV_VARIABLES.filter((name) => new RegExp(`['"]${name}['"]|\\b${name}\\s*:|\\.${name}\\b`).test(text)).map(
        (name) => `${file}: ${name}`,
      );
    });

    expect(uses).toEqual([]);
  });

  it('leaves BACKTRACK_REGIONS out when no Region is marked, and writes lists comma-separated', () => {
    const values = {
      regions: ['us-east-1', 'eu-west-1'],
      minWindowHours: 0.25,
      tagPrefix: 'p:',
      exemptTagKey: 'p:exempt',
      alertTopicArn: 'arn:aws:sns:us-east-1:111122223333:t',
      maxExemptionDays: 90,
      backtrackRegions: [],
      publishFindings: true,
      actualWindow: false,
      reminderAfterDays: 7,
      stateTable: 'state',
    };

    expect(toEnvironment(values)).toEqual({
      [ENV_NAMES.regions]: 'us-east-1,eu-west-1',
      [ENV_NAMES.minWindowHours]: '0.25',
      [ENV_NAMES.tagPrefix]: 'p:',
      [ENV_NAMES.exemptTagKey]: 'p:exempt',
      [ENV_NAMES.alertTopicArn]: 'arn:aws:sns:us-east-1:111122223333:t',
      [ENV_NAMES.maxExemptionDays]: '90',
      [ENV_NAMES.publishFindings]: 'true',
      [ENV_NAMES.actualWindow]: 'false',
      [ENV_NAMES.reminderAfterDays]: '7',
      [ENV_NAMES.stateTable]: 'state',
    });
    expect(toEnvironment({ ...values, regions: 'all', backtrackRegions: ['eu-north-1', 'sa-east-1'] })).toMatchObject({
      [ENV_NAMES.regions]: 'all',
      [ENV_NAMES.backtrackRegions]: 'eu-north-1,sa-east-1',
    });
  });
});

import * as fs from 'node:fs';
import * as path from 'node:path';
import { judgeDeclared } from '../../../lambda/core/declared';
import { clustersOfCloudAssembly, isCloudAssembly } from '../../../lambda/iac/cdk-out';
import { IacInputError } from '../../../lambda/iac/cloudformation';
import { Unknown } from '../../../lambda/iac/cloudformation-cluster';
import { NOW, policy } from '../fixtures';
import { synthCdkOut } from './cdk-app';

jest.setTimeout(60_000);

let cdkOut: string;
beforeAll(() => {
  cdkOut = synthCdkOut();
});
afterAll(() => fs.rmSync(cdkOut, { recursive: true, force: true }));

const verdicts = (region: string | Unknown) =>
  clustersOfCloudAssembly(cdkOut, region).map((r) => {
    const e = judgeDeclared(r.declared, policy({ minWindowHours: 24 }), NOW, r.fix);
    return {
      stack: r.stack,
      id: r.logicalId,
      region: e.cluster.region,
      status: e.status,
      condition: e.condition,
      line: r.line,
      file: r.file,
    };
  });

describe('cdk.out (a real synthesized cloud assembly)', () => {
  it('reads every stack, the stacks of a stage and their nested stacks, with the Region of each environment', () => {
    // As `cdk synth` leaves it: the built-in validation's report lies beside the templates.
    expect(fs.readdirSync(cdkOut)).toContain('validation-report.json');
    expect(isCloudAssembly(cdkOut)).toBe(true);
    const v = verdicts('us-east-1');
    const by = (stack: string) => v.filter((x) => x.stack === stack);
    expect(by('Top')).toEqual([expect.objectContaining({ region: 'us-east-1', status: 'PASSED' })]);
    expect(by('SaoPaulo')).toEqual([expect.objectContaining({ region: 'sa-east-1', status: 'NOT_AVAILABLE' })]);
    expect(by('Prod/Data')).toEqual([expect.objectContaining({ region: 'eu-west-1', status: 'FAILED', condition: 'below-policy' })]);
    const nested = v.filter((x) => x.stack?.startsWith('Prod/Data/'));
    expect(nested).toEqual([expect.objectContaining({ region: 'eu-west-1', status: 'FAILED', condition: 'disabled' })]);
    expect(nested[0]?.file).toMatch(/\.nested\.template\.json$/);
    expect(nested[0]?.line).toBeGreaterThan(1);
  });

  it('leaves the Region of an environment-agnostic stack unknown without --region', () => {
    expect(verdicts(new Unknown('no --region')).find((x) => x.stack === 'Top')).toMatchObject({ status: 'WARNING', condition: 'unknown' });
  });

  it('names a manifest that is not a cloud assembly manifest', () => {
    const dir = fs.mkdtempSync(path.join(cdkOut, 'bad-'));
    fs.writeFileSync(path.join(dir, 'manifest.json'), '{"version": "1"}');
    expect(() => clustersOfCloudAssembly(dir, 'eu-west-1')).toThrow(IacInputError);
    expect(() => clustersOfCloudAssembly(dir, 'eu-west-1')).toThrow(/manifest\.json: not a CDK cloud assembly manifest/);
  });
});

/** What `cdk synth` of the hub prints: the Region it chose when none was given, and no deprecation warning. */
import { runApp } from '../app-runner';

const HUB = { deployment: 'hub', organizationId: 'o-a1b2c3d4e5', organizationUnitIds: 'ou-ab12-cdef3456', allowNoSubscribers: 'true' };

describe('bin/app.ts hub synth messages', () => {
  it('without memberRegion says which Region it took and how to choose one; prints no deprecation warning', () => {
    // Without aws-cdk-lib's built-in validation (`cdk synth --no-validation`): run on the hub in
    // app-deployment.test.ts, its seconds buy nothing for these messages.
    const run = runApp(HUB, { CDK_DEFAULT_REGION: 'eu-central-1', CDK_VALIDATION: 'false' });

    expect(run.status).toBe(0);
    expect(run.stderr).toContain(
      'memberRegion not set: the hub and the member checkers its StackSet deploys go to eu-central-1 (CDK_DEFAULT_REGION',
    );
    expect(run.stderr).toContain('set -c memberRegion=<region> to choose');
    expect(run.stdout + run.stderr).not.toMatch(/deprecated/i);
  }, 120_000);
});

/** bin/app.ts with `-c deployment=hub|member`, run as `cdk synth` and `cdk ls` run it. */
import { runApp } from '../app-runner';

describe('bin/app.ts deployment', () => {
  it('synthesizes the hub with its member template, even when the CLI skips bundling', () => {
    // The built-in CloudFormation validation of the hub (about 8 s of CPU here) is proven in
    // test/lib/template-validation.test.ts; the shipped cdk.json's synth in app.test.ts runs it.
    const run = runApp(
      {
        deployment: 'hub',
        organizationId: 'o-a1b2c3d4e5',
        organizationUnitIds: 'ou-ab12-cdef3456',
        memberRegion: 'eu-west-1',
        allowNoSubscribers: 'true',
      },
      { CDK_VALIDATION: 'false' },
    );

    expect(run.stderr).not.toMatch(/Error|ERROR/);
    expect(run.status).toBe(0);
    expect(run.files).toEqual(expect.arrayContaining(['AuroraBacktrackCheckerHub.template.json']));
    expect(run.files.filter((f) => f.endsWith('.stackset.template.json'))).toHaveLength(1);
  }, 120_000);

  it("synthesizes a member stack deployed by hand with the hub's event bus, which gets its alerts, alarms and reports", () => {
    const bus = 'arn:aws:events:eu-west-1:111122223333:event-bus/aurora-backtrack-checker-hub';
    const run = runApp({ deployment: 'member', hubEventBusArn: bus }, { CDK_VALIDATION: 'false' });

    expect(run.status).toBe(0);
    expect(run.stdout + run.stderr).not.toContain('no subscriber');
    expect(run.files).toEqual(expect.arrayContaining(['AuroraBacktrackChecker.template.json']));
    const rules = Object.values(run.templates['AuroraBacktrackChecker.template.json']?.Resources ?? {}).filter(
      (r) => r.Type === 'AWS::Events::Rule' && JSON.stringify(r.Properties.EventPattern).includes('aws.cloudwatch'),
    );
    expect(rules.map((r) => r.Properties.Targets?.[0]?.Arn)).toEqual([bus, bus]);
  }, 120_000);

  it('stops synth with exit status 2 for a member given the hub topic of earlier versions, naming the key and the fix', () => {
    const run = runApp({
      deployment: 'member',
      hubTopicArn: 'arn:aws:sns:eu-west-1:111122223333:AuroraBacktrackCheckerHub-AlertsAlertTopic-Ab12',
    });

    expect(run.status).toBe(2);
    expect(run.stderr).toContain(
      'hubTopicArn: "arn:aws:sns:eu-west-1:111122223333:AuroraBacktrackCheckerHub-AlertsAlertTopic-Ab12" is no longer used',
    );
    expect(run.stderr).toContain("allowed: leave hubTopicArn out; give hubEventBusArn, the hub stack's HubEventBusArn output");
    expect(run.stderr).toContain('hubEventBusArn: (not set) is required with deployment=member');
  }, 120_000);

  it("stops synth with exit status 2 listing the organization's and the checker's problems together, no stack trace", () => {
    const run = runApp({ deployment: 'hub', organizationUnitIds: 'sales', minWindowHours: '96' });

    expect(run.status).toBe(2);
    expect(run.stderr).toContain('Invalid aurora-backtrack-checker configuration (3 problems)');
    expect(run.stderr).toContain('organizationId: (not set) is required with deployment=hub');
    expect(run.stderr).toContain('organizationUnitIds: "sales" holds "sales", not an OU or root id');
    expect(run.stderr).toContain('minWindowHours: "96"');
    expect(run.stderr).not.toMatch(/^\s+at /m);
  }, 120_000);
});

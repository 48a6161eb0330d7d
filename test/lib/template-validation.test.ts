/**
 * aws-cdk-lib's built-in CloudFormation validation, with cdk.json's `validateAgainstDefaultRules`
 * (its errors stop synth), finds nothing in any stack this project synthesizes, and stops the synth
 * of a resource its Region does not have (the custom action in China). The other template tests
 * leave it out (stack-fixture.ts's testApp): its set-up costs about 5 s of CPU per process.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { App, CfnResource, Stack } from 'aws-cdk-lib';
import { BacktrackCheckerStack } from '../../lib/backtrack-checker-stack';
import { HubStack } from '../../lib/hub/hub-stack';
import { cdkJsonContext, synth } from './stack-fixture';

/** An app as `cdk synth` makes it from cdk.json (bundling skipped): the built-in validation on. */
const validatingApp = () => new App({ context: { ...cdkJsonContext(), 'aws:cdk:bundling-stacks': [] } });

/** What the validation reported, from the cloud assembly; synth throws on an error. */
function validationReport(app: App): unknown[] {
  const assembly = app.synth();
  const report = JSON.parse(fs.readFileSync(path.join(assembly.directory, 'validation-report.json'), 'utf8')) as {
    pluginReports: unknown[];
  };
  return report.pluginReports;
}

describe("aws-cdk-lib's built-in CloudFormation validation", () => {
  it('stops synth on a misspelled property with these settings: the check below is live', () => {
    const app = validatingApp();
    new CfnResource(new Stack(app, 'Control'), 'Topic', { type: 'AWS::SNS::Topic', properties: { TopicNme: 'alerts' } });

    expect(() => app.synth()).toThrow(/TopicNme: Additional properties are not allowed.*\(CloudFormation Validate\)/);
  });

  it('reports nothing in the account stack with every option on', () => {
    const app = validatingApp();
    new BacktrackCheckerStack(app, 'Checker', {
      config: {
        alertEmails: ['ops@example.com'],
        slackWorkspaceId: 'T0123ABCD',
        slackChannelId: 'C0123ABCD',
        remediationAction: true,
        creationGuard: 'fail',
      },
    });

    expect(validationReport(app)).toEqual([]);
  });

  it('reports nothing in a member stack deployed by hand', () => {
    const app = validatingApp();
    new BacktrackCheckerStack(app, 'Member', {
      hubEventBusArn: 'arn:aws:events:eu-west-1:111122223333:event-bus/aurora-backtrack-checker-hub',
      config: { allowNoSubscribers: true },
    });

    expect(validationReport(app)).toEqual([]);
  });

  it('reports nothing in the hub stack', () => {
    const app = validatingApp();
    new HubStack(app, 'Hub', {
      env: { account: '111122223333', region: 'eu-west-1' },
      organizationId: 'o-a1b2c3d4e5',
      organizationUnitIds: ['ou-ab12-cdef3456'],
      config: { alertEmails: ['sec@example.com'], creationGuard: 'warn' },
    });

    expect(validationReport(app)).toEqual([]);
  });
});

describe('remediationAction where CloudFormation has no custom action', () => {
  it('stops synth in China, naming the action target, rather than failing the deployment', () => {
    expect(() =>
      synth({ config: { remediationAction: true }, env: { account: '111122223333', region: 'cn-north-1' } }, { validation: true }),
    ).toThrow(/AWS::SecurityHub::ActionTarget' does not exist in 'cn-north-1'/);
  });
});

import * as fs from 'node:fs';
import * as path from 'node:path';
import { Template } from 'aws-cdk-lib/assertions';
import { HubStack, type HubStackProps } from '../../../lib/hub/hub-stack';
import { testApp } from '../stack-fixture';

export const ORG = 'o-a1b2c3d4e5';
export const OUS = ['ou-ab12-cdef3456', 'ou-ab12-9876fedc'];

/** The hub stack and its member template (the StackSet's template, read from the cloud assembly). */
export function synthHub(props: Partial<HubStackProps> = {}) {
  const app = testApp();
  const stack = new HubStack(app, 'Hub', {
    env: { account: '111122223333', region: 'eu-west-1' },
    organizationId: ORG,
    organizationUnitIds: OUS,
    ...props,
    config: { allowNoSubscribers: true, ...props.config },
  });
  const template = Template.fromStack(stack);
  const assembly = app.synth();
  const member = Template.fromJSON(
    JSON.parse(fs.readFileSync(path.join(assembly.directory, stack.memberTemplate.templateFile), 'utf8')) as Record<string, unknown>,
  );
  return { app, stack, template, member };
}

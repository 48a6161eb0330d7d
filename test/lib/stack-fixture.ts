import * as fs from 'node:fs';
import * as path from 'node:path';
import { App } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { BacktrackCheckerStack, type BacktrackCheckerStackProps } from '../../lib/backtrack-checker-stack';

/** The context of cdk.json (feature flags and defaults), so tests see what `cdk synth` sees. */
export const cdkJsonContext = (): Record<string, unknown> =>
  (JSON.parse(fs.readFileSync(path.join(__dirname, '..', '..', 'cdk.json'), 'utf8')) as { context: Record<string, unknown> }).context;

/**
 * An app that skips asset bundling (the bundle has its own test) and aws-cdk-lib's built-in
 * CloudFormation validation, which costs seconds of CPU per test file and judges the same templates
 * every time: test/lib/template-validation.test.ts runs it on each stack kind, the tests of
 * bin/app.ts run it as `cdk synth` does, and `{ validation: true }` turns it on where a test needs it.
 */
export const testApp = ({ validation = false } = {}): App =>
  new App({ context: { ...cdkJsonContext(), 'aws:cdk:bundling-stacks': [] }, builtinCloudFormationValidation: validation });

/**
 * The stack with the given props. Unless a test sets it, `allowNoSubscribers` is on, so the
 * no-subscriber warning (tested on its own) does not print in every synth.
 */
export function synth(
  props: BacktrackCheckerStackProps = {},
  options: { validation?: boolean } = {},
): { app: App; stack: BacktrackCheckerStack; template: Template } {
  const app = testApp(options);
  const stack = new BacktrackCheckerStack(app, 'Checker', { ...props, config: { allowNoSubscribers: true, ...props.config } });
  return { app, stack, template: Template.fromStack(stack) };
}

/** The resource of a type whose logical id starts with the given construct id path. */
export function logicalIdOf(template: Template, type: string, prefix: string): string {
  const ids = Object.keys(template.findResources(type)).filter((id) => id.startsWith(prefix));
  if (ids.length !== 1) throw new Error(`expected one ${type} starting with ${prefix}, found ${ids.join(', ') || 'none'}`);
  return ids[0] as string;
}

/** Every statement of every IAM policy attached to the role with this logical id. */
export function statementsOfRole(template: Template, roleId: string): Array<Record<string, unknown>> {
  const policies = template.findResources('AWS::IAM::Policy');
  return Object.values(policies)
    .filter((p) => JSON.stringify(p.Properties.Roles).includes(`"${roleId}"`))
    .flatMap((p) => p.Properties.PolicyDocument.Statement as Array<Record<string, unknown>>);
}

export const asList = (value: unknown): unknown[] => (Array.isArray(value) ? value : [value]);

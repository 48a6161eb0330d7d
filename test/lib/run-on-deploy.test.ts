/**
 * The first run on deploy: a custom resource whose ServiceToken is the function itself, in the
 * account template, in the members' StackSet template and in the hub (coverage); the Heartbeat
 * alarm is created only after it.
 */
import type { Template } from 'aws-cdk-lib/assertions';
import { logicalIdOf, statementsOfRole, asList, synth } from './stack-fixture';
import { synthHub } from './hub/hub-fixture';

jest.setTimeout(120_000);

interface Resource {
  Type: string;
  Properties?: Record<string, unknown>;
  DependsOn?: string[] | string;
}

const resources = (t: Template) => (t.toJSON() as { Resources: Record<string, Resource> }).Resources;

/** The one resource of a custom type, with its logical id. */
function customResource(t: Template, type: string): [string, Resource] {
  const found = Object.entries(resources(t)).filter(([, r]) => r.Type === type);
  expect(found).toHaveLength(1);
  return found[0] as [string, Resource];
}

const dependsOn = (r: Resource | undefined) => asList(r?.DependsOn ?? []);

function expectFirstScanWiring(t: Template, functionPrefix: string, alarmPrefix: string) {
  const fnId = logicalIdOf(t, 'AWS::Lambda::Function', functionPrefix);
  const [crId, cr] = customResource(t, 'Custom::AuroraBacktrackFirstScan');
  const fn = resources(t)[fnId];
  // The checker function itself answers CloudFormation: no provider function, no extra asset.
  expect(cr.Properties?.ServiceToken).toEqual({ 'Fn::GetAtt': [fnId, 'Arn'] });
  // ServiceTimeout a little above the function's own timeout (900 s).
  expect(fn?.Properties?.Timeout).toBe(900);
  expect(cr.Properties?.ServiceTimeout).toBe('1020');
  const heartbeat = logicalIdOf(t, 'AWS::CloudWatch::Alarm', alarmPrefix);
  expect(dependsOn(resources(t)[heartbeat])).toContain(crId);
  return crId;
}

describe('the first scan on deploy', () => {
  it('is a custom resource of the account template served by the checker function, and the Heartbeat alarm depends on it', () => {
    const { template } = synth();
    const crId = expectFirstScanWiring(template, 'CheckerFunction', 'CheckerHeartbeatAlarm');
    // The baseline alert reaches the topic's subscribers: the topic (and its policy) exist first.
    const topicId = logicalIdOf(template, 'AWS::SNS::Topic', 'CheckerAlertTopic');
    expect(dependsOn(resources(template)[crId])).toContain(topicId);
  });

  it('is in the StackSet member template too, served by the member checker function, before the Heartbeat alarm', () => {
    const { member } = synthHub();
    expectFirstScanWiring(member, 'CheckerFunction', 'CheckerHeartbeatAlarm');
    // No provider function: the member template has the checker and the alarm forwarder's functions only.
    const fnIds = Object.entries(resources(member)).filter(([, r]) => r.Type === 'AWS::Lambda::Function');
    expect(fnIds.map(([id]) => id).filter((id) => /Provider|Framework/i.test(id))).toEqual([]);
  });

  it('lets the checker read its own heartbeat metric even when the actual window is not read', () => {
    const { template } = synth({ config: { actualWindow: false } });
    const statements = statementsOfRole(template, logicalIdOf(template, 'AWS::IAM::Role', 'CheckerFunctionRole'));
    expect(statements.flatMap((s) => asList(s.Action))).toContain('cloudwatch:GetMetricData');
  });

  it("runs the hub's first coverage check on deploy through the coverage function itself", () => {
    const { template } = synthHub();
    const [, cr] = customResource(template, 'Custom::AuroraBacktrackFirstCoverageCheck');
    const fnId = logicalIdOf(template, 'AWS::Lambda::Function', 'Coverage');
    expect(cr.Properties?.ServiceToken).toEqual({ 'Fn::GetAtt': [fnId, 'Arn'] });
    expect(cr.Properties?.ServiceTimeout).toBe('420');
  });
});

describe("the hub's first coverage check", () => {
  it("runs after the StackSet has deployed the members, whose reports and baseline alerts reach the coverage function and the relay's queue first", () => {
    const { template } = synthHub();
    const [crId, cr] = customResource(template, 'Custom::AuroraBacktrackFirstCoverageCheck');
    const stackSetId = logicalIdOf(template, 'AWS::CloudFormation::StackSet', 'MemberStackSet');
    expect(dependsOn(cr)).toContain(stackSetId);
    const stackSet = resources(template)[stackSetId];
    expect(dependsOn(stackSet)).toContain(logicalIdOf(template, 'AWS::Lambda::Function', 'CoverageFunction'));
    expect(dependsOn(stackSet)).toContain(logicalIdOf(template, 'AWS::Events::Rule', 'CoverageReportRule'));
    for (const [type, prefix] of [
      ['AWS::Events::Rule', 'RelayAlertRule'],
      ['AWS::SQS::Queue', 'RelayQueue'],
      ['AWS::SQS::QueuePolicy', 'RelayQueuePolicy'],
      ['AWS::Lambda::EventSourceMapping', 'RelayFunctionSqsEventSource'],
    ] as const) {
      expect(dependsOn(stackSet)).toContain(logicalIdOf(template, type, prefix));
    }
    expect(dependsOn(stackSet)).not.toContain(crId);
  });
});

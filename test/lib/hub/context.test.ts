import { readHubContext, withoutHubKeys } from '../../../lib/hub/context';
import { HUB_EVENT_BUS_NAME } from '../../../lib/hub/member-roles';

const HUB_TOPIC = 'arn:aws:sns:eu-west-1:111122223333:AuroraBacktrackCheckerHub-AlertsAlertTopic-Ab12';

describe('readHubContext', () => {
  it('defaults to a single-account deployment', () => {
    expect(readHubContext({})).toEqual({ ok: { deployment: 'account' } });
  });

  it('reads a hub: organization, OUs from a comma-separated list, delegated administrator by default, member Region', () => {
    expect(
      readHubContext({
        deployment: 'hub',
        organizationId: 'o-a1b2c3d4e5',
        organizationUnitIds: 'ou-ab12-cdef3456, r-ab12',
        memberRegion: 'eu-west-1',
      }),
    ).toEqual({
      ok: {
        deployment: 'hub',
        organizationId: 'o-a1b2c3d4e5',
        organizationUnitIds: ['ou-ab12-cdef3456', 'r-ab12'],
        delegatedAdmin: true,
        memberRegion: 'eu-west-1',
      },
    });
    expect(
      readHubContext({ deployment: 'hub', organizationId: 'o-a1b2c3d4e5', organizationUnitIds: ['r-ab12'], delegatedAdmin: 'false' }),
    ).toMatchObject({ ok: { delegatedAdmin: false } });
  });

  it('reports every problem of a hub at once, naming the value', () => {
    const r = readHubContext({
      deployment: 'hub',
      organizationId: 'o-BAD',
      organizationUnitIds: 'ou-ab12-cdef3456,sales',
      delegatedAdmin: 'yes',
      memberRegion: 'Europe',
      hubTopicArn: HUB_TOPIC,
    });

    expect('problems' in r && r.problems.map((p) => `${p.key}: ${p.value} ${p.problem}`)).toEqual([
      `hubTopicArn: "${HUB_TOPIC}" is not used with deployment=hub`,
      'organizationId: "o-BAD" is not an organization id',
      'organizationUnitIds: "ou-ab12-cdef3456,sales" holds "sales", not an OU or root id',
      'delegatedAdmin: "yes" is not true or false',
      'memberRegion: "Europe" is not a Region name',
    ]);
  });

  it('requires the organization and the OUs of a hub', () => {
    const r = readHubContext({ deployment: 'hub' });

    expect('problems' in r && r.problems.map((p) => `${p.key} ${p.problem}`)).toEqual([
      'organizationId is required with deployment=hub',
      'organizationUnitIds is required with deployment=hub',
    ]);
  });

  it("reads a member: the hub topic and, optionally, its key; the hub's event bus defaults to the one beside the topic", () => {
    expect(readHubContext({ deployment: 'member', hubTopicArn: HUB_TOPIC })).toEqual({
      ok: {
        deployment: 'member',
        hubTopicArn: HUB_TOPIC,
        hubEventBusArn: `arn:aws:events:eu-west-1:111122223333:event-bus/${HUB_EVENT_BUS_NAME}`,
      },
    });
    expect(
      readHubContext({ deployment: 'member', hubTopicArn: 'arn:aws-cn:sns:cn-north-1:444455556666:AuroraBacktrackCheckerHub-Alerts-Ab12' }),
    ).toMatchObject({ ok: { hubEventBusArn: `arn:aws-cn:events:cn-north-1:444455556666:event-bus/${HUB_EVENT_BUS_NAME}` } });
  });

  it('refuses a member without a hub topic ARN or with a malformed key ARN, and an unknown deployment', () => {
    const member = readHubContext({ deployment: 'member', hubTopicKeyArn: 'alias/x' });
    const unknown = readHubContext({ deployment: 'org' });

    expect('problems' in member && member.problems.map((p) => `${p.key} ${p.problem}`)).toEqual([
      'hubTopicArn is required with deployment=member',
      'hubTopicKeyArn is not a KMS key ARN',
    ]);
    expect('problems' in unknown && unknown.problems.map((p) => `${p.key}: ${p.value} ${p.problem}; allowed: ${p.allowed}`)).toEqual([
      'deployment: "org" is not a deployment; allowed: one of account, hub, member (default account)',
    ]);
  });

  it("reads a member's hub event bus (the hub's HubEventBusArn output) and refuses one that is not an event bus ARN", () => {
    const bus = 'arn:aws:events:eu-west-1:111122223333:event-bus/aurora-backtrack-checker-hub';
    const bad = readHubContext({ deployment: 'member', hubTopicArn: HUB_TOPIC, hubEventBusArn: HUB_TOPIC });

    expect(readHubContext({ deployment: 'member', hubTopicArn: HUB_TOPIC, hubEventBusArn: bus })).toEqual({
      ok: { deployment: 'member', hubTopicArn: HUB_TOPIC, hubEventBusArn: bus },
    });
    expect('problems' in bad && bad.problems.map((p) => `${p.key}: ${p.value} ${p.problem}; allowed: ${p.allowed}`)).toEqual([
      `hubEventBusArn: "${HUB_TOPIC}" is not an EventBridge event bus ARN; allowed: the hub stack's HubEventBusArn output`,
    ]);
  });

  it('refuses a hub event bus outside member mode', () => {
    const r = readHubContext({ hubEventBusArn: 'arn:aws:events:eu-west-1:111122223333:event-bus/aurora-backtrack-checker-hub' });

    expect('problems' in r && r.problems.map((p) => `${p.key} ${p.problem}`)).toEqual([
      'hubEventBusArn is not used with deployment=account',
    ]);
  });

  it('refuses organization keys in a single-account deployment', () => {
    const r = readHubContext({ organizationId: 'o-a1b2c3d4e5' });

    expect('problems' in r && r.problems.map((p) => p.problem)).toEqual(['is not used with deployment=account']);
  });
});

describe('withoutHubKeys', () => {
  it("leaves the checker's own settings for the checker's reader", () => {
    expect(withoutHubKeys({ deployment: 'hub', organizationId: 'o-a1b2c3d4e5', minWindowHours: '24' })).toEqual({ minWindowHours: '24' });
  });
});

import { readHubContext, withoutHubKeys } from '../../../lib/hub/context';
const HUB_BUS = 'arn:aws:events:eu-west-1:111122223333:event-bus/aurora-backtrack-checker-hub';
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
      hubEventBusArn: HUB_BUS,
    });

    expect('problems' in r && r.problems.map((p) => `${p.key}: ${p.value} ${p.problem}`)).toEqual([
      `hubEventBusArn: "${HUB_BUS}" is not used with deployment=hub`,
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

  it("reads a member: the hub's event bus, nothing else", () => {
    expect(readHubContext({ deployment: 'member', hubEventBusArn: HUB_BUS })).toEqual({
      ok: { deployment: 'member', hubEventBusArn: HUB_BUS },
    });
  });

  it("requires a member's hub event bus and refuses one that is not an event bus ARN, and an unknown deployment", () => {
    const none = readHubContext({ deployment: 'member' });
    const bad = readHubContext({ deployment: 'member', hubEventBusArn: HUB_TOPIC });
    const unknown = readHubContext({ deployment: 'org' });

    expect('problems' in none && none.problems.map((p) => `${p.key} ${p.problem}`)).toEqual([
      "hubEventBusArn is required with deployment=member: the member's alerts, alarms and reports go to the hub's event bus",
    ]);
    expect('problems' in bad && bad.problems.map((p) => `${p.key}: ${p.value} ${p.problem}; allowed: ${p.allowed}`)).toEqual([
      `hubEventBusArn: "${HUB_TOPIC}" is not an EventBridge event bus ARN; allowed: the hub stack's HubEventBusArn output`,
    ]);
    expect('problems' in unknown && unknown.problems.map((p) => `${p.key}: ${p.value} ${p.problem}; allowed: ${p.allowed}`)).toEqual([
      'deployment: "org" is not a deployment; allowed: one of account, hub, member (default account)',
    ]);
  });

  it.each(['member', 'account', 'hub'])(
    'refuses the hub topic and key of earlier members with deployment=%s, naming each key and the fix',
    (deployment) => {
      const r = readHubContext({
        deployment,
        hubTopicArn: HUB_TOPIC,
        hubTopicKeyArn: 'arn:aws:kms:eu-west-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab',
        hubEventBusArn: HUB_BUS,
        organizationId: 'o-a1b2c3d4e5',
        organizationUnitIds: 'r-ab12',
      });
      const retired = 'problems' in r ? r.problems.filter((p) => p.key.startsWith('hubTopic')) : [];

      expect(retired.map((p) => `${p.key}: ${p.problem}; allowed: ${p.allowed}`)).toEqual(
        ['hubTopicArn', 'hubTopicKeyArn'].map(
          (key) =>
            `${key}: is no longer used: a member checker sends its alerts to the hub's event bus (EventBridge stamps its account) and may not publish to the hub's topic; allowed: leave ${key} out; give hubEventBusArn, the hub stack's HubEventBusArn output`,
        ),
      );
    },
  );

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

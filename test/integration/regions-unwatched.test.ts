/**
 * End to end through the bundled handler: a Region dropped from `regions` is retired once (its
 * findings ARCHIVED in Security Hub there, its state items removed, one alert line), and neither a
 * later scan nor a reminder names its clusters again.
 */
import { DynamoDBClient, ScanCommand, UpdateItemCommand } from '@aws-sdk/client-dynamodb';
import type { EmulatedAws } from '../../emulator';
import type { Deployment, ReceivedAlert } from '../../emulator/deployment';
import { V3, type SeedCluster } from '../../emulator/sample-account';
import { emailSections, expectValidChatbotCard, where } from './checks';
import { freshAccount, useEmulatedAws } from './emulated-account';
import { runHandler } from './shells';

jest.setTimeout(120_000);

const KEPT = 'eu-west-1';
const DROPPED = 'eu-central-1';
const failing = (region: string, id: string): SeedCluster => ({
  region,
  id,
  engine: 'aurora-mysql',
  engineVersion: V3,
  backtrackWindow: 0,
  expected: { scope: 'in-scope', status: 'FAILED', condition: 'disabled' },
});
const CLUSTERS: SeedCluster[] = [
  failing(KEPT, 'dublin-orders-off'),
  failing(DROPPED, 'frankfurt-billing-off'),
  failing(DROPPED, 'frankfurt-ledger-off'),
  {
    region: DROPPED,
    id: 'frankfurt-catalog-ok',
    engine: 'aurora-mysql',
    engineVersion: V3,
    backtrackWindow: 86_400,
    expected: { scope: 'in-scope', status: 'PASSED', condition: 'ok' },
  },
];
/** The function's environment once `regions` was narrowed to one Region and the stack redeployed. */
const NARROWED = { REGIONS: KEPT };

let aws: EmulatedAws;
useEmulatedAws((started) => (aws = started));

describe('a Region dropped from regions (bundled handler)', () => {
  let d: Deployment;
  let ddb: DynamoDBClient;

  const stateItems = async () => {
    const items = (await ddb.send(new ScanCommand({ TableName: d.tableName }))).Items ?? [];
    return items
      .filter((i) => i['pk']?.S?.startsWith('cluster#'))
      .map((i) => `${i['identifier']?.S} (${i['region']?.S})`)
      .sort();
  };
  const recordStates = async (region: string) =>
    (await d.findings(region)).map((f) => [f.Resources?.[0]?.Id?.split(':cluster:')[1], f.RecordState]).sort();

  beforeAll(async () => {
    d = await freshAccount(aws, CLUSTERS);
    ddb = new DynamoDBClient(aws.clientConfig(d.homeRegion));
    const first = await runHandler(d, 'scan');
    expect(first.json.ok).toBe(true);
    const [baseline] = await d.drainAlerts();
    expect(baseline?.subject).toBe(`Aurora Backtrack: 3 new failures (account ${aws.accountId})`);
    expect(await recordStates(DROPPED)).toEqual([
      ['frankfurt-billing-off', 'ACTIVE'],
      ['frankfurt-catalog-ok', 'ACTIVE'],
      ['frankfurt-ledger-off', 'ACTIVE'],
    ]);
  });

  it("a reminder before the next scan names the failing clusters of watched Regions only, not the dropped Region's", async () => {
    // Every failure was first seen ten days ago, past the reminder age.
    const items = (await ddb.send(new ScanCommand({ TableName: d.tableName }))).Items ?? [];
    for (const item of items.filter((i) => i['pk']?.S?.startsWith('cluster#'))) {
      await ddb.send(
        new UpdateItemCommand({
          TableName: d.tableName,
          Key: { pk: { S: item['pk']?.S ?? '' } },
          UpdateExpression: 'SET #since = :since',
          ExpressionAttributeNames: { '#since': 'since' },
          ExpressionAttributeValues: { ':since': { S: new Date(Date.now() - 10 * 86_400_000).toISOString() } },
        }),
      );
    }

    const r = await runHandler(d, 'reminder', NARROWED);

    expect({ code: r.code, ok: r.json.ok }).toEqual({ code: 0, ok: true });
    const [reminder, ...more] = await d.drainAlerts();
    expect(more).toEqual([]);
    expect(reminder?.subject).toBe(`Aurora Backtrack reminder: 1 still failing (account ${aws.accountId})`);
    expect(reminder?.email).toContain(`- ${where(failing(KEPT, 'dublin-orders-off'))}: Backtrack disabled for 10 days`);
    expect(reminder?.email).not.toContain(DROPPED);
  });

  describe('the first scan after narrowing', () => {
    let alerts: ReceivedAlert[];

    beforeAll(async () => {
      const r = await runHandler(d, 'scan', NARROWED);
      expect(r.json.ok).toBe(true);
      alerts = await d.drainAlerts();
    });

    it("imports the dropped Region's findings as ARCHIVED in that Region and leaves the watched Region's ACTIVE", async () => {
      expect(await recordStates(DROPPED)).toEqual([
        ['frankfurt-billing-off', 'ARCHIVED'],
        ['frankfurt-catalog-ok', 'ARCHIVED'],
        ['frankfurt-ledger-off', 'ARCHIVED'],
      ]);
      expect(await recordStates(KEPT)).toEqual([['dublin-orders-off', 'ACTIVE']]);
      const archived = await d.findings(DROPPED);
      expect(archived.map((f) => f.Title).sort()).toEqual([
        'Aurora cluster no longer checked: frankfurt-billing-off',
        'Aurora cluster no longer checked: frankfurt-catalog-ok',
        'Aurora cluster no longer checked: frankfurt-ledger-off',
      ]);
    });

    it('sends one alert with one informational line naming the Region and its clusters', () => {
      expect(alerts).toHaveLength(1);
      const alert = alerts[0] as ReceivedAlert;
      expect(alert.subject).toBe(`Aurora Backtrack: 1 Region no longer watched (account ${aws.accountId})`);
      expect(emailSections(alert.email)).toEqual(
        new Map([['REGIONS NO LONGER WATCHED', [`${DROPPED} is no longer watched: 3 clusters' findings archived (2 were failing)`]]]),
      );
      expect(alert.attributes['severity']?.Value).toBe('INFORMATIONAL');
      expect(alert.card.content.description).toContain(`• ${DROPPED} is no longer watched: 3 clusters' findings archived (2 were failing)`);
      expectValidChatbotCard(alert);
    });

    it("removes the dropped Region's state items and keeps the watched Region's", async () => {
      expect(await stateItems()).toEqual([where(failing(KEPT, 'dublin-orders-off'))]);
    });

    it('the scan after is silent and imports nothing into the dropped Region', async () => {
      aws.proxy.clearCalls();

      const r = await runHandler(d, 'scan', NARROWED);

      expect(r.json.ok).toBe(true);
      expect(await d.drainAlerts()).toEqual([]);
      expect(aws.proxy.calls.filter((c) => c.region === DROPPED)).toEqual([]);
      expect(await recordStates(DROPPED)).toEqual([
        ['frankfurt-billing-off', 'ARCHIVED'],
        ['frankfurt-catalog-ok', 'ARCHIVED'],
        ['frankfurt-ledger-off', 'ARCHIVED'],
      ]);
    });
  });
});

describe('a dropped Region whose Security Hub refuses every call (opted out of, bundled handler)', () => {
  it('says in the alert that its findings could not be archived, forgets its clusters, and does not call it again', async () => {
    const d = await freshAccount(aws, CLUSTERS);
    expect((await runHandler(d, 'scan')).json.ok).toBe(true);
    await d.drainAlerts();
    // What an opted-out Region's endpoint answers: the credentials are not valid there.
    aws.proxy.addFault({
      service: 'securityhub',
      region: DROPPED,
      kind: 'error',
      code: 'UnrecognizedClientException',
      status: 403,
      message: 'The security token included in the request is invalid.',
    });

    const r = await runHandler(d, 'scan', NARROWED);

    expect(r.json.ok).toBe(true);
    const [alert, ...more] = await d.drainAlerts();
    expect(more).toEqual([]);
    expect(alert?.subject).toBe(`Aurora Backtrack: 1 Region no longer watched (account ${aws.accountId})`);
    expect(alert?.attributes['severity']?.Value).toBe('LOW');
    const [line, ...others] = emailSections(alert?.email ?? '').get('REGIONS NO LONGER WATCHED') ?? [];
    expect(others).toEqual([]);
    expect(line).toMatch(
      new RegExp(
        `^${DROPPED} is no longer watched: 0 of 3 clusters' findings archived \\(2 were failing\\); 3 could not be \\(.*UnrecognizedClientException.*\\): ` +
          'those Security Hub holds there stay ACTIVE until archived by hand',
      ),
    );
    const items = (await new DynamoDBClient(aws.clientConfig(d.homeRegion)).send(new ScanCommand({ TableName: d.tableName }))).Items ?? [];
    expect(items.filter((i) => i['pk']?.S?.startsWith('cluster#')).map((i) => i['region']?.S)).toEqual([KEPT]);

    aws.proxy.clearCalls();
    expect((await runHandler(d, 'scan', NARROWED)).json.ok).toBe(true);
    expect(await d.drainAlerts()).toEqual([]);
    expect(aws.proxy.calls.filter((c) => c.region === DROPPED)).toEqual([]);
  });
});

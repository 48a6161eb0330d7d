/** runCheck when Regions leave the watch list: their clusters retired once, reminders without them. */
import 'aws-sdk-client-mock-jest';
import { BatchImportFindingsCommand } from '@aws-sdk/client-securityhub';
import { DescribeRegionsCommand } from '@aws-sdk/client-ec2';
import { PublishCommand } from '@aws-sdk/client-sns';
import type { ClusterState } from '../../lambda/core/state-types';
import { runCheck } from '../../lambda/run';
import { DAY_MS, NOW, POLICY } from './fixtures';
import { config, dbCluster, importedFindings, publishedMessages, world, type World } from './run-world';

const BOTH = ['eu-west-1', 'us-east-1'];

/** A world whose first scan (watching both Regions) remembers a failing cluster in each. */
async function scannedBoth(regions: 'all' | string[] = BOTH): Promise<World> {
  const w = world(BOTH);
  w.clusters('eu-west-1', [dbCluster('orders', { BacktrackWindow: 0 }, 'eu-west-1')]);
  w.clusters('us-east-1', [dbCluster('billing', { BacktrackWindow: 0 }, 'us-east-1'), dbCluster('catalog', {}, 'us-east-1')]);
  await runCheck(config({ regions }), w.deps);
  w.sns.resetHistory();
  w.region('us-east-1').sh.resetHistory();
  w.region('us-east-1').rds.resetHistory();
  return w;
}

const remembered = (w: World) =>
  w.store
    .snapshot()
    .filter((i): i is ClusterState => i.pk.startsWith('cluster#'))
    .map((s) => `${s.region}/${s.identifier}`)
    .sort();

describe('a scan after regions was narrowed', () => {
  it("imports the dropped Region's findings as ARCHIVED into that Region, says so in one line and forgets its clusters", async () => {
    const w = await scannedBoth();

    const summary = await runCheck(config({ regions: ['eu-west-1'] }), w.deps);

    const archived = importedFindings(w.region('us-east-1').sh);
    expect(archived.map((f) => [f.Resources?.[0]?.Id, f.RecordState]).sort()).toEqual([
      ['arn:aws:rds:us-east-1:111122223333:cluster:billing', 'ARCHIVED'],
      ['arn:aws:rds:us-east-1:111122223333:cluster:catalog', 'ARCHIVED'],
    ]);
    expect(w.region('us-east-1').rds).not.toHaveReceivedAnyCommand();
    const [message] = publishedMessages(w.sns);
    expect(message?.input.Subject).toBe('Aurora Backtrack: 1 Region no longer watched (account 111122223333)');
    expect(message?.body.email).toContain("- us-east-1 is no longer watched: 2 clusters' findings archived (1 was failing)\n");
    expect(remembered(w)).toEqual(['eu-west-1/orders']);
    expect(summary.degraded).toEqual([]);
  });

  it('is silent the scan after (nothing left to retire, nothing imported there)', async () => {
    const w = await scannedBoth();
    await runCheck(config({ regions: ['eu-west-1'] }), w.deps);
    w.sns.resetHistory();
    w.region('us-east-1').sh.resetHistory();

    await runCheck(config({ regions: ['eu-west-1'] }), w.deps);

    expect(w.sns).not.toHaveReceivedCommand(PublishCommand);
    expect(w.region('us-east-1').sh).not.toHaveReceivedCommand(BatchImportFindingsCommand);
  });

  it('keeps the clusters while the alert saying so is not delivered, and retires them with the next scan', async () => {
    const w = await scannedBoth();
    w.sns
      .on(PublishCommand)
      .rejectsOnce(Object.assign(new Error('topic gone'), { name: 'NotFoundException' }))
      .resolves({ MessageId: 'msg-after' });

    await runCheck(config({ regions: ['eu-west-1'] }), w.deps);
    expect(remembered(w)).toEqual(['eu-west-1/orders', 'us-east-1/billing', 'us-east-1/catalog']);

    await runCheck(config({ regions: ['eu-west-1'] }), w.deps);
    expect(remembered(w)).toEqual(['eu-west-1/orders']);
    expect(publishedMessages(w.sns).map((m) => m.input.Subject)).toEqual([
      'Aurora Backtrack: 1 Region no longer watched (account 111122223333)',
      'Aurora Backtrack: 1 Region no longer watched (account 111122223333)',
    ]);
  });

  it('says the findings could not be archived when the Region refuses the call, forgets the clusters, and does not try again', async () => {
    const w = await scannedBoth();
    const refused = Object.assign(new Error('The security token included in the request is invalid.'), {
      name: 'UnrecognizedClientException',
      $metadata: { httpStatusCode: 403 },
    });
    w.region('us-east-1').sh.on(BatchImportFindingsCommand).rejects(refused);

    await runCheck(config({ regions: ['eu-west-1'] }), w.deps);

    const [message] = publishedMessages(w.sns);
    expect(message?.body.email).toMatch(
      /- us-east-1 is no longer watched: 0 of 2 clusters' findings archived \(1 was failing\); 2 could not be \(.*The security token included in the request is invalid\..*\): those Security Hub holds there stay ACTIVE until archived by hand/,
    );
    expect(message?.input.MessageAttributes?.['severity']?.StringValue).toBe('LOW');
    expect(remembered(w)).toEqual(['eu-west-1/orders']);

    w.sns.resetHistory();
    w.region('us-east-1').sh.resetHistory();
    await runCheck(config({ regions: ['eu-west-1'] }), w.deps);
    expect(w.region('us-east-1').sh).not.toHaveReceivedCommand(BatchImportFindingsCommand);
    expect(w.sns).not.toHaveReceivedCommand(PublishCommand);
  });
});

describe('regions: all after the account opted out of a Region', () => {
  it('retires the clusters of the Region DescribeRegions no longer lists', async () => {
    const w = await scannedBoth('all');
    w.ec2.on(DescribeRegionsCommand).resolves({ Regions: [{ RegionName: 'eu-west-1' }] });

    await runCheck(config({ regions: 'all' }), w.deps);

    expect(importedFindings(w.region('us-east-1').sh).map((f) => f.RecordState)).toEqual(['ARCHIVED', 'ARCHIVED']);
    expect(remembered(w)).toEqual(['eu-west-1/orders']);
  });

  it('retires nothing when the enabled Regions cannot be listed', async () => {
    const w = await scannedBoth('all');
    w.ec2.on(DescribeRegionsCommand).rejects(Object.assign(new Error('endpoint down'), { name: 'ServiceUnavailable' }));

    const summary = await runCheck(config({ regions: 'all' }), w.deps);

    expect(w.region('us-east-1').sh).not.toHaveReceivedCommand(BatchImportFindingsCommand);
    expect(remembered(w)).toEqual(['eu-west-1/orders', 'us-east-1/billing', 'us-east-1/catalog']);
    const [message] = publishedMessages(w.sns);
    expect(message?.body.email).not.toContain('no longer watched');
    expect(summary.degraded.map((d) => d.key)).toEqual(['regions-not-listed']);
  });
});

describe('a reminder after a Region left the watch list, before any scan retired it', () => {
  const failingLong = async (w: World) => {
    const items = w.store.snapshot().filter((i): i is ClusterState => i.pk.startsWith('cluster#'));
    await w.store.write(
      items.map((s) => ({ ...s, since: new Date(NOW.getTime() - 10 * DAY_MS).toISOString() })),
      [],
    );
  };

  it('names only the failing clusters of watched Regions (regions list)', async () => {
    const w = await scannedBoth();
    await failingLong(w);

    await runCheck(config({ regions: ['eu-west-1'] }), w.deps, { mode: 'reminder' });

    const [message] = publishedMessages(w.sns);
    expect(message?.body.email).toContain('orders (eu-west-1)');
    expect(message?.body.email).not.toContain('billing');
  });

  it('names only the failing clusters of enabled Regions (regions: all)', async () => {
    const w = await scannedBoth('all');
    await failingLong(w);
    w.ec2.on(DescribeRegionsCommand).resolves({ Regions: [{ RegionName: 'us-east-1' }] });

    await runCheck(config({ regions: 'all', policy: POLICY }), w.deps, { mode: 'reminder' });

    const [message] = publishedMessages(w.sns);
    expect(message?.body.email).toContain('billing (us-east-1)');
    expect(message?.body.email).not.toContain('orders');
  });
});

import 'aws-sdk-client-mock-jest';
import { GetMetricDataCommand, type GetMetricDataCommandInput } from '@aws-sdk/client-cloudwatch';
import { DescribeRegionsCommand } from '@aws-sdk/client-ec2';
import { DescribeDBClustersCommand } from '@aws-sdk/client-rds';
import { BatchImportFindingsCommand, BatchUpdateFindingsCommand, InvalidAccessException } from '@aws-sdk/client-securityhub';
import { PublishCommand } from '@aws-sdk/client-sns';
import { MemoryStateStore } from '../../lambda/aws/state';
import { findingId } from '../../lambda/core/finding';
import { clusterKey, metaKey, type ClusterState, type RunMeta } from '../../lambda/core/state-types';
import { isDegraded, REMINDER_MIN_GAP_MS, runCheck, Semaphore } from '../../lambda/run';
import { ACCOUNT_ID, DAY_MS, NOW, POLICY, state } from './fixtures';
import { config, dbCluster, importedFindings, publishedMessages, TOPIC, world } from './run-world';

const HUB_BUS = 'arn:aws:events:eu-west-1:111122223333:event-bus/aurora-backtrack-checker-hub';

const LATER = new Date(NOW.getTime() + DAY_MS / 2);
const pk = (region: string, id: string) => clusterKey(ACCOUNT_ID, region, `cluster-${id.toUpperCase()}`);
const fid = (region: string, id: string) => findingId(ACCOUNT_ID, region, `cluster-${id.toUpperCase()}`);
const denied = () =>
  Object.assign(new Error('User: arn:aws:sts::111122223333:assumed-role/checker is not authorized to perform: rds:DescribeDBClusters'), {
    name: 'AccessDenied',
  });
const storedClusters = (store: MemoryStateStore) => store.snapshot().filter((i): i is ClusterState => i.pk.startsWith('cluster#'));

describe('runCheck: scan', () => {
  it('judges every Region the account has enabled, in parallel', async () => {
    const w = world(['eu-west-1', 'us-east-1', 'ap-southeast-2']);
    let inFlight = 0;
    let most = 0;
    for (const [name, m] of w.regions) {
      m.rds.on(DescribeDBClustersCommand).callsFake(async () => {
        inFlight += 1;
        most = Math.max(most, inFlight);
        await new Promise((resolve) => setTimeout(resolve, 20));
        inFlight -= 1;
        return { DBClusters: [dbCluster(`db-${name}`, { BacktrackWindow: 0 }, name)] };
      });
    }

    const summary = await runCheck(config({ regions: 'all' }), w.deps);

    expect(w.ec2).toHaveReceivedCommandWith(DescribeRegionsCommand, { AllRegions: false });
    expect(most).toBe(3);
    expect(summary.regions.map((r) => [r.region, r.scanned, r.byStatus.FAILED])).toEqual([
      ['ap-southeast-2', true, 1],
      ['eu-west-1', true, 1],
      ['us-east-1', true, 1],
    ]);
    expect(summary.totals).toMatchObject({ clusters: 3, inScope: 3, failed: 3, failedUnsuppressed: 3, notScannedRegions: 0 });
  });

  it("imports one finding per in-scope cluster into the cluster's own Region and counts out-of-scope clusters", async () => {
    const w = world();
    w.clusters('eu-west-1', [
      dbCluster('orders', { BacktrackWindow: 0 }),
      dbCluster('reports', { Engine: 'aurora-postgresql', EngineVersion: '16.4' }),
    ]);
    w.clusters('us-east-1', [dbCluster('billing', {}, 'us-east-1')]);

    const summary = await runCheck(config(), w.deps);

    const eu = importedFindings(w.region('eu-west-1').sh);
    const us = importedFindings(w.region('us-east-1').sh);
    expect(eu.map((f) => [f.Id, f.ProductArn, f.Compliance?.Status])).toEqual([
      [fid('eu-west-1', 'orders'), `arn:aws:securityhub:eu-west-1:${ACCOUNT_ID}:product/${ACCOUNT_ID}/default`, 'FAILED'],
    ]);
    expect(us.map((f) => [f.Id, f.ProductArn, f.Compliance?.Status])).toEqual([
      [fid('us-east-1', 'billing'), `arn:aws:securityhub:us-east-1:${ACCOUNT_ID}:product/${ACCOUNT_ID}/default`, 'PASSED'],
    ]);
    expect(summary.totals).toMatchObject({ clusters: 3, inScope: 2, outOfScope: 1, failed: 1, passed: 1 });
  });

  it('on the first run alerts every current failure in one message', async () => {
    const w = world();
    w.clusters('eu-west-1', [dbCluster('orders', { BacktrackWindow: 0 }), dbCluster('billing', { BacktrackWindow: 3_600 })]);

    const summary = await runCheck(config(), w.deps);

    expect(w.sns).toHaveReceivedCommandTimes(PublishCommand, 1);
    const [msg] = publishedMessages(w.sns);
    expect(msg?.input).toMatchObject({ TopicArn: TOPIC, MessageStructure: 'json' });
    expect(msg?.body.email).toContain('NEW FAILURES (2)');
    expect(summary.alert).toMatchObject({ published: true, messageId: 'msg-1' });
    expect(summary.events.map((e) => [e.kind, e.identifier])).toEqual([
      ['new-failure', 'orders'],
      ['new-failure', 'billing'],
    ]);
  });

  it('publishes nothing on a second run where nothing changed', async () => {
    const w = world();
    w.clusters('eu-west-1', [dbCluster('orders', { BacktrackWindow: 0 }), dbCluster('catalog')]);
    await runCheck(config(), w.deps);
    w.setNow(LATER);

    const second = await runCheck(config(), w.deps);

    expect(w.sns).toHaveReceivedCommandTimes(PublishCommand, 1);
    expect(second.alert).toBeUndefined();
    expect(second.events).toEqual([]);
    expect(importedFindings(w.region('eu-west-1').sh)).toHaveLength(4);
  });

  it('scans the other Regions when one denies DescribeDBClusters, and reports that Region as not scanned', async () => {
    const w = world();
    w.clusters('eu-west-1', [dbCluster('orders', { BacktrackWindow: 0 })]);
    w.region('us-east-1').rds.on(DescribeDBClustersCommand).rejects(denied());

    const summary = await runCheck(config(), w.deps);

    const us = summary.regions.find((r) => r.region === 'us-east-1');
    const eu = summary.regions.find((r) => r.region === 'eu-west-1');
    expect(us).toMatchObject({ scanned: false, clusters: 0 });
    expect(us?.error).toContain('AccessDenied');
    expect(eu).toMatchObject({ scanned: true, clusters: 1 });
    expect(summary.totals.notScannedRegions).toBe(1);
    expect(summary.degraded.map((d) => d.key)).toEqual(['region-not-scanned#us-east-1']);
    expect(isDegraded(summary)).toBe(true);
    const [msg] = publishedMessages(w.sns);
    expect(msg?.body.email).toContain('CHECKER DEGRADED (1)');
    expect(msg?.body.email).toContain('NEW FAILURES (1)');
    expect(msg?.input.MessageAttributes?.severity?.StringValue).toBe('HIGH');
  });

  it('declares nothing deleted in a Region that could not be scanned, and alerts the degradation only once', async () => {
    const store = new MemoryStateStore([state({ identifier: 'billing', region: 'us-east-1' })]);
    const w = world(['eu-west-1', 'us-east-1'], store);
    w.region('us-east-1').rds.on(DescribeDBClustersCommand).rejects(denied());

    const first = await runCheck(config(), w.deps);
    w.setNow(LATER);
    const second = await runCheck(config(), w.deps);

    expect(first.events).toEqual([]);
    expect(importedFindings(w.region('us-east-1').sh)).toEqual([]);
    expect(storedClusters(store).map((s) => s.pk)).toEqual([pk('us-east-1', 'billing')]);
    expect(w.sns).toHaveReceivedCommandTimes(PublishCommand, 1);
    expect(second.degraded.map((d) => d.key)).toEqual(['region-not-scanned#us-east-1']);
    expect(isDegraded(second)).toBe(true);
  });

  it('reports the findings of a Region without Security Hub as not published and imports the others', async () => {
    const w = world();
    w.clusters('eu-west-1', [dbCluster('orders', { BacktrackWindow: 0 })]);
    w.clusters('us-east-1', [dbCluster('billing', { BacktrackWindow: 0 }, 'us-east-1')]);
    w.region('eu-west-1')
      .sh.on(BatchImportFindingsCommand)
      .rejects(new InvalidAccessException({ message: 'Account 111122223333 is not subscribed to AWS Security Hub', $metadata: {} }));

    const summary = await runCheck(config(), w.deps);

    const eu = summary.regions.find((r) => r.region === 'eu-west-1');
    const us = summary.regions.find((r) => r.region === 'us-east-1');
    expect(eu?.findings).toMatchObject({ imported: 0, failed: 1 });
    expect(eu?.findings.notPublished).toContain('Security Hub is not enabled in eu-west-1');
    expect(us?.findings).toEqual({ imported: 1, failed: 0 });
    expect(summary.degraded.map((d) => d.key)).toEqual(['security-hub-not-enabled#eu-west-1']);
    expect(publishedMessages(w.sns)[0]?.body.email).toContain('eu-west-1: findings not published');
  });

  it('reports a failed alert as not published and sends the same alert again on the next run', async () => {
    const w = world();
    w.clusters('eu-west-1', [dbCluster('orders', { BacktrackWindow: 0 })]);
    w.sns
      .on(PublishCommand)
      .rejectsOnce(Object.assign(new Error('The KMS key of the topic is disabled'), { name: 'KMSDisabledException' }))
      .resolves({ MessageId: 'msg-retry' });

    const first = await runCheck(config(), w.deps);
    const second = await runCheck(config(), w.deps);

    expect(first.alert).toMatchObject({ published: false, error: 'KMSDisabledException: The KMS key of the topic is disabled' });
    expect(isDegraded(first)).toBe(true);
    expect(second.alert).toMatchObject({ published: true, messageId: 'msg-retry' });
    const [failed, resent] = publishedMessages(w.sns);
    expect(resent?.input.Subject).toBe(failed?.input.Subject);
    expect(resent?.input.Message).toBe(failed?.input.Message);
    expect(second.events.map((e) => e.kind)).toEqual(['new-failure']);
  });

  it('re-sends an undelivered regression alert still saying the cluster was passing', async () => {
    const w = world(['eu-west-1']);
    w.clusters('eu-west-1', [dbCluster('orders')]);
    await runCheck(config({ regions: ['eu-west-1'] }), w.deps);
    w.clusters('eu-west-1', [dbCluster('orders', { BacktrackWindow: 3_600 })]);
    w.sns
      .on(PublishCommand)
      .rejectsOnce(Object.assign(new Error('throttled'), { name: 'Throttled' }))
      .resolves({ MessageId: 'msg-retry' });
    w.setNow(LATER);

    const failed = await runCheck(config({ regions: ['eu-west-1'] }), w.deps);
    const resent = await runCheck(config({ regions: ['eu-west-1'] }), w.deps);
    const third = await runCheck(config({ regions: ['eu-west-1'] }), w.deps);

    expect(failed.alert?.published).toBe(false);
    expect(resent.alert?.published).toBe(true);
    const [attempt, retry] = publishedMessages(w.sns);
    expect(attempt?.body.email).toContain('orders (eu-west-1): window below policy (was passing)');
    expect(retry?.input.Message).toBe(attempt?.input.Message);
    expect(third.alert).toBeUndefined();
    expect(storedClusters(w.store)[0]).toMatchObject({
      status: 'FAILED',
      condition: 'below-policy',
      alerted: 'below-policy',
      since: LATER.toISOString(),
    });
  });

  it('imports findings 100 per call and reads metrics in batches, not per cluster', async () => {
    const w = world(['eu-west-1']);
    w.clusters(
      'eu-west-1',
      Array.from({ length: 250 }, (_, i) => dbCluster(`c${i}`)),
    );

    const summary = await runCheck(config({ regions: ['eu-west-1'] }), w.deps);

    const calls = w.region('eu-west-1').sh.commandCalls(BatchImportFindingsCommand);
    expect(calls.map((c) => c.args[0].input.Findings?.length)).toEqual([100, 100, 50]);
    expect(summary.regions[0]?.findings).toEqual({ imported: 250, failed: 0 });
    expect(w.region('eu-west-1').cw.commandCalls(GetMetricDataCommand).length).toBeLessThanOrEqual(4);
  });

  it('archives the finding of a deleted cluster, removes its state and reports the deletion', async () => {
    const w = world();
    w.clusters('eu-west-1', [dbCluster('orders', { BacktrackWindow: 0 }), dbCluster('catalog')]);
    await runCheck(config(), w.deps);
    w.clusters('eu-west-1', [dbCluster('catalog')]);
    w.region('eu-west-1').sh.resetHistory();
    w.setNow(LATER);

    const summary = await runCheck(config(), w.deps);

    const archived = importedFindings(w.region('eu-west-1').sh).filter((f) => f.RecordState === 'ARCHIVED');
    expect(archived.map((f) => f.Id)).toEqual([fid('eu-west-1', 'orders')]);
    expect(summary.regions[0]?.archived).toBe(1);
    expect(storedClusters(w.store).map((s) => s.identifier)).toEqual(['catalog']);
    expect(summary.events).toEqual([{ kind: 'deleted', region: 'eu-west-1', identifier: 'orders' }]);
    expect(publishedMessages(w.sns)[1]?.body.email).toContain('RESOLVED: CLUSTER DELETED (1)');
  });

  it('keeps the state of a deleted cluster while its archived finding cannot be published', async () => {
    const w = world();
    w.clusters('eu-west-1', [dbCluster('catalog')]);
    await runCheck(config(), w.deps);
    w.clusters('eu-west-1', []);
    w.region('eu-west-1')
      .sh.on(BatchImportFindingsCommand)
      .rejects(new InvalidAccessException({ message: 'not subscribed', $metadata: {} }));

    await runCheck(config(), w.deps);

    expect(storedClusters(w.store).map((s) => s.identifier)).toEqual(['catalog']);
  });

  it('keeps the state of a deleted cluster whose archived finding alone Security Hub rejected, so the next run archives it again', async () => {
    const w = world();
    w.clusters('eu-west-1', [dbCluster('catalog')]);
    await runCheck(config(), w.deps);
    w.clusters('eu-west-1', []);
    w.region('eu-west-1')
      .sh.on(BatchImportFindingsCommand)
      .resolves({
        SuccessCount: 0,
        FailedCount: 1,
        FailedFindings: [{ Id: fid('eu-west-1', 'catalog'), ErrorCode: 'InvalidInput', ErrorMessage: 'rejected' }],
      });

    const summary = await runCheck(config(), w.deps);

    expect(storedClusters(w.store).map((s) => s.identifier)).toEqual(['catalog']);
    expect(summary.degraded.map((d) => d.key)).toContain('findings-rejected#eu-west-1');
  });

  it('suppresses the finding of a failing cluster once it is exempted, and names the granted exemption in the alert', async () => {
    const w = world();
    w.clusters('eu-west-1', [dbCluster('orders', { BacktrackWindow: 0 })]);
    await runCheck(config(), w.deps);
    w.clusters('eu-west-1', [
      dbCluster('orders', {
        BacktrackWindow: 0,
        TagList: [
          { Key: 'backtrack-check:exempt', Value: 'true' },
          { Key: 'backtrack-check:exempt-reason', Value: 'retired in Q1' },
        ],
      }),
    ]);

    const summary = await runCheck(config(), w.deps);

    expect(w.sns).toHaveReceivedCommandTimes(PublishCommand, 2);
    expect(summary.events).toEqual([{ kind: 'tag-change', region: 'eu-west-1', identifier: 'orders' }]);
    expect(w.region('eu-west-1').sh).toHaveReceivedCommandWith(BatchUpdateFindingsCommand, {
      FindingIdentifiers: [
        { Id: fid('eu-west-1', 'orders'), ProductArn: `arn:aws:securityhub:eu-west-1:${ACCOUNT_ID}:product/${ACCOUNT_ID}/default` },
      ],
      Workflow: { Status: 'SUPPRESSED' },
      Note: {
        Text: 'Exempt from the Backtrack check until 2027-02-18T12:00:00Z (capped: the longest an exemption may last; the tag gives no expiry): retired in Q1',
        UpdatedBy: 'aurora-backtrack-checker',
      },
    });
    expect(summary.totals).toMatchObject({ failed: 1, failedUnsuppressed: 0, suppressed: 1 });
    expect(storedClusters(w.store)[0]).toMatchObject({ suppressed: true, workflow: 'SUPPRESSED', alerted: 'none' });
  });

  it('reads Backtrack metrics in one GetMetricData call per Region and warns when AWS saw the actual window short', async () => {
    const w = world(['eu-west-1']);
    w.clusters('eu-west-1', [dbCluster('orders'), dbCluster('catalog', { BacktrackWindow: 0 })]);
    w.region('eu-west-1')
      .cw.on(GetMetricDataCommand)
      .callsFake((input: GetMetricDataCommandInput) => ({
        MetricDataResults: (input.MetricDataQueries ?? [])
          .filter((q) => q.Id === 'q0_alert_c' || q.Id === 'q0_rate_c')
          .map((q) => ({ Id: q.Id, Values: [q.Id === 'q0_alert_c' ? 4 : 100], Timestamps: [NOW] })),
      }));

    const summary = await runCheck(config({ regions: ['eu-west-1'], keepEvaluations: true }), w.deps);

    expect(w.region('eu-west-1').cw).toHaveReceivedCommandTimes(GetMetricDataCommand, 1);
    const orders = summary.evaluations?.find((e) => e.cluster.identifier === 'orders');
    expect(orders).toMatchObject({ status: 'WARNING', condition: 'actual-short', changeRecordsPerHour: 1_200 });
    expect(summary.totals.warning).toBe(1);
  });

  it('reads no metrics and writes nothing to Security Hub when both are switched off', async () => {
    const w = world(['eu-west-1']);
    w.clusters('eu-west-1', [dbCluster('orders')]);

    await runCheck(config({ regions: ['eu-west-1'], actualWindow: false, publishFindings: false }), w.deps);

    expect(w.region('eu-west-1').cw).toHaveReceivedCommandTimes(GetMetricDataCommand, 0);
    expect(w.region('eu-west-1').sh).toHaveReceivedCommandTimes(BatchImportFindingsCommand, 0);
  });

  it('builds the alert but publishes nothing without a topic (read-only CLI run)', async () => {
    const w = world(['eu-west-1']);
    w.clusters('eu-west-1', [dbCluster('orders', { BacktrackWindow: 0 })]);

    const { alertTopicArn: _omit, ...noTopic } = config({ regions: ['eu-west-1'] });
    const summary = await runCheck(noTopic, w.deps);

    expect(w.sns).toHaveReceivedCommandTimes(PublishCommand, 0);
    expect(summary.alert).toMatchObject({ published: false });
    expect(summary.alert?.error).toBeUndefined();
    expect(isDegraded(summary)).toBe(false);
  });

  it('with a topic but no SNS client, reports the alert as not published with the reason (a degraded run), never quietly', async () => {
    const w = world(['eu-west-1']);
    w.clusters('eu-west-1', [dbCluster('orders', { BacktrackWindow: 0 })]);
    const { sns: _none, ...withoutSns } = w.deps;

    const summary = await runCheck(config({ regions: ['eu-west-1'] }), withoutSns);

    expect(summary.alert).toMatchObject({ published: false, error: expect.stringContaining('NoSnsClient') as unknown });
    expect(isDegraded(summary)).toBe(true);
  });

  it("member mode: sends the alert to the hub's bus (published = EventBridge accepted it), never to a topic", async () => {
    const w = world(['eu-west-1']);
    w.clusters('eu-west-1', [dbCluster('orders', { BacktrackWindow: 0 })]);
    const sent: { busArn: string; subject: string; account: string }[] = [];
    const alertHub = (busArn: string, m: { subject: string; attributes: { accountId: string } }) => {
      sent.push({ busArn, subject: m.subject, account: m.attributes.accountId });
      return Promise.resolve('event-1');
    };
    const { alertTopicArn: _none, ...member } = config({ regions: ['eu-west-1'] });

    const summary = await runCheck({ ...member, hubEventBusArn: HUB_BUS }, { ...w.deps, alertHub });

    expect(summary.alert).toMatchObject({ published: true, messageId: 'event-1' });
    expect(sent).toEqual([{ busArn: HUB_BUS, subject: summary.alert?.subject, account: summary.accountId }]);
    expect(w.sns).toHaveReceivedCommandTimes(PublishCommand, 0);
  });

  it('member mode: an alert the bus refuses is reported unpublished with the reason, and the next run sends it again', async () => {
    const store = new MemoryStateStore();
    const w = world(['eu-west-1'], store);
    w.clusters('eu-west-1', [dbCluster('orders', { BacktrackWindow: 0 })]);
    const refused = () =>
      Promise.reject(Object.assign(new Error('EventBridge refused the "Checker alert" event'), { name: 'EventNotSentError' }));
    const { alertTopicArn: _none, ...member } = { ...config({ regions: ['eu-west-1'] }), hubEventBusArn: HUB_BUS };

    const first = await runCheck(member, { ...w.deps, alertHub: refused });
    const again = await runCheck(member, { ...w.deps, alertHub: () => Promise.resolve('event-2') });

    expect(first.alert).toMatchObject({ published: false, error: 'EventNotSentError: EventBridge refused the "Checker alert" event' });
    expect(isDegraded(first)).toBe(true);
    expect(again.alert).toMatchObject({ published: true, subject: first.alert?.subject });
  });

  it('member mode without a sender for the hub reports the alert as not published, never quietly', async () => {
    const w = world(['eu-west-1']);
    w.clusters('eu-west-1', [dbCluster('orders', { BacktrackWindow: 0 })]);

    const summary = await runCheck({ ...config({ regions: ['eu-west-1'] }), hubEventBusArn: HUB_BUS }, w.deps);

    expect(summary.alert).toMatchObject({ published: false, error: `NoHubSender: no EventBridge client to send the alert to ${HUB_BUS}` });
    expect(w.sns).toHaveReceivedCommandTimes(PublishCommand, 0);
  });

  it('reports a cluster whose description is unusable and does not mistake a remembered one for deleted', async () => {
    const store = new MemoryStateStore([state({ identifier: 'orders' })]);
    const w = world(['eu-west-1'], store);
    w.clusters('eu-west-1', [{ ...dbCluster('orders'), DbClusterResourceId: undefined }]);

    const summary = await runCheck(config({ regions: ['eu-west-1'] }), w.deps);

    expect(summary.totals.rejectedClusters).toBe(1);
    expect(summary.events).toEqual([]);
    expect(storedClusters(store).map((s) => s.identifier)).toEqual(['orders']);
    expect(summary.degraded.map((d) => d.key)).toEqual(['clusters-unreadable#eu-west-1']);
  });

  it('lists tag problems in the run summary', async () => {
    const w = world(['eu-west-1']);
    w.clusters('eu-west-1', [dbCluster('orders', { TagList: [{ Key: 'backtrack-check:min-window-hours', Value: 'abc' }] })]);

    const summary = await runCheck(config({ regions: ['eu-west-1'] }), w.deps);

    expect(summary.tagProblems).toHaveLength(1);
    expect(summary.tagProblems[0]).toMatch(/^orders \(eu-west-1\): tag backtrack-check:min-window-hours/);
  });
});

describe('runCheck: re-check of one cluster', () => {
  const recheck = (identifier: string) => ({ mode: 'recheck' as const, region: 'eu-west-1', identifier, trigger: 'ModifyDBCluster' });

  it('judges only that cluster (db-cluster-id filter) and alerts only on its change', async () => {
    const w = world(['eu-west-1']);
    w.clusters('eu-west-1', [dbCluster('orders'), dbCluster('billing', { BacktrackWindow: 0 })]);
    await runCheck(config({ regions: ['eu-west-1'] }), w.deps);
    const eu = w.region('eu-west-1');
    eu.rds.reset();
    eu.sh.resetHistory();
    eu.rds
      .on(DescribeDBClustersCommand, { Filters: [{ Name: 'db-cluster-id', Values: ['orders'] }] })
      .resolves({ DBClusters: [dbCluster('orders', { BacktrackWindow: 3_600 })] });

    const summary = await runCheck(config({ regions: ['eu-west-1'] }), w.deps, recheck('orders'));

    expect(eu.rds).toHaveReceivedCommandTimes(DescribeDBClustersCommand, 1);
    expect(eu.rds).toHaveReceivedCommandWith(DescribeDBClustersCommand, { Filters: [{ Name: 'db-cluster-id', Values: ['orders'] }] });
    expect(importedFindings(eu.sh).map((f) => f.Id)).toEqual([fid('eu-west-1', 'orders')]);
    expect(summary.events).toEqual([{ kind: 'new-failure', region: 'eu-west-1', identifier: 'orders' }]);
    const email = publishedMessages(w.sns)[1]?.body.email ?? '';
    expect(email).toContain('orders (eu-west-1): window below policy (was passing)');
    expect(email).not.toContain('billing');
    expect(
      storedClusters(w.store)
        .map((s) => [s.identifier, s.condition])
        .sort(),
    ).toEqual([
      ['billing', 'disabled'],
      ['orders', 'below-policy'],
    ]);
  });

  it('publishes nothing when the re-checked cluster did not change', async () => {
    const w = world(['eu-west-1']);
    w.clusters('eu-west-1', [dbCluster('orders', { BacktrackWindow: 0 })]);
    await runCheck(config({ regions: ['eu-west-1'] }), w.deps);

    const summary = await runCheck(config({ regions: ['eu-west-1'] }), w.deps, recheck('orders'));

    expect(w.sns).toHaveReceivedCommandTimes(PublishCommand, 1);
    expect(summary.alert).toBeUndefined();
  });

  it('archives the finding of a re-checked cluster that no longer exists', async () => {
    const w = world(['eu-west-1']);
    w.clusters('eu-west-1', [dbCluster('orders', { BacktrackWindow: 0 }), dbCluster('catalog')]);
    await runCheck(config({ regions: ['eu-west-1'] }), w.deps);
    w.clusters('eu-west-1', []);
    w.region('eu-west-1').sh.resetHistory();

    const summary = await runCheck(config({ regions: ['eu-west-1'] }), w.deps, recheck('orders'));

    expect(importedFindings(w.region('eu-west-1').sh).map((f) => [f.Id, f.RecordState])).toEqual([
      [fid('eu-west-1', 'orders'), 'ARCHIVED'],
    ]);
    expect(summary.events).toEqual([{ kind: 'deleted', region: 'eu-west-1', identifier: 'orders' }]);
    expect(storedClusters(w.store).map((s) => s.identifier)).toEqual(['catalog']);
  });

  it('ignores a cluster in a Region the checker does not watch', async () => {
    const w = world(['eu-west-1']);

    const summary = await runCheck(config({ regions: ['us-east-1'] }), w.deps, recheck('orders'));

    expect(w.region('eu-west-1').rds).toHaveReceivedCommandTimes(DescribeDBClustersCommand, 0);
    expect(summary.regions).toEqual([]);
  });
});

describe('runCheck: reminder', () => {
  const old = new Date(NOW.getTime() - 10 * DAY_MS).toISOString();
  const recent = new Date(NOW.getTime() - 2 * DAY_MS).toISOString();

  it('sends one digest of clusters failing for more than N days and of exemptions, from the state table', async () => {
    const store = new MemoryStateStore([
      state({ identifier: 'stale', since: old }),
      state({ identifier: 'fresh', since: recent }),
      state({ identifier: 'forever', since: old, suppressed: true, alerted: 'none', exemptReason: 'legacy' }),
      state({ identifier: 'fine', status: 'PASSED', condition: 'ok', alerted: 'none', since: old }),
    ]);
    const w = world(['eu-west-1'], store);

    const summary = await runCheck(config(), w.deps, { mode: 'reminder' });

    expect(w.region('eu-west-1').rds).toHaveReceivedCommandTimes(DescribeDBClustersCommand, 0);
    expect(w.sns).toHaveReceivedCommandTimes(PublishCommand, 1);
    const [msg] = publishedMessages(w.sns);
    expect(msg?.input.Subject).toContain('reminder');
    expect(msg?.body.email).toContain('- stale (eu-west-1): Backtrack disabled for 10 days');
    expect(msg?.body.email).toContain('- forever (eu-west-1): exempt NO EXPIRY');
    expect(msg?.body.email).not.toContain('fresh');
    expect(msg?.body.email).not.toContain('fine');
    expect(summary).toMatchObject({ mode: 'reminder', alert: { published: true } });
    const meta = store.snapshot().find((i) => i.pk === metaKey(ACCOUNT_ID)) as RunMeta | undefined;
    expect(meta?.lastReminderAt).toBe(NOW.toISOString());
  });

  it('sends nothing when nothing is stale and nothing is exempt', async () => {
    const w = world(['eu-west-1'], new MemoryStateStore([state({ identifier: 'fresh', since: recent })]));

    const summary = await runCheck(config(), w.deps, { mode: 'reminder' });

    expect(w.sns).toHaveReceivedCommandTimes(PublishCommand, 0);
    expect(summary.alert).toBeUndefined();
  });

  it.each([
    ['11 h 59 min 59.999 s', REMINDER_MIN_GAP_MS - 1, 0],
    ['exactly 12 h', REMINDER_MIN_GAP_MS, 1],
  ])('after a reminder sent %s ago sends %i more', async (_label, agoMs, sent) => {
    const lastReminderAt = new Date(NOW.getTime() - agoMs).toISOString();
    const store = new MemoryStateStore([
      state({ identifier: 'stale', since: old }),
      { pk: metaKey(ACCOUNT_ID), accountId: ACCOUNT_ID, degraded: [], lastReminderAt },
    ]);
    const w = world(['eu-west-1'], store);

    const summary = await runCheck(config(), w.deps, { mode: 'reminder' });

    expect(w.sns).toHaveReceivedCommandTimes(PublishCommand, sent);
    expect(summary.skipped === undefined).toBe(sent === 1);
    expect(isDegraded(summary)).toBe(false);
  });
});

describe('isDegraded', () => {
  it('holds the degradations and the unpublished alert of a run', async () => {
    const w = world(['eu-west-1']);
    w.region('eu-west-1').rds.on(DescribeDBClustersCommand).rejects(denied());
    w.sns.on(PublishCommand).rejects(Object.assign(new Error('topic gone'), { name: 'NotFoundException' }));

    const summary = await runCheck(config({ regions: ['eu-west-1'] }), w.deps);

    expect(isDegraded(summary)).toBe(true);
    expect(summary.degraded.map((d) => d.message)).toEqual([expect.stringContaining('eu-west-1: Region not scanned (AccessDenied')]);
    expect(summary.alert?.error).toBe('NotFoundException: topic gone');
  });

  it('is true for an unpublished alert alone', async () => {
    const w = world(['eu-west-1']);
    w.clusters('eu-west-1', [dbCluster('orders', { BacktrackWindow: 0 })]);
    w.sns.on(PublishCommand).rejects(Object.assign(new Error('topic gone'), { name: 'NotFoundException' }));

    const summary = await runCheck(config({ regions: ['eu-west-1'] }), w.deps);

    expect(summary.degraded).toEqual([]);
    expect(isDegraded(summary)).toBe(true);
  });
});

describe('runCheck state writes', () => {
  it('writes the state of clusters with nothing to alert before the alert is published', async () => {
    const w = world(['eu-west-1']);
    w.clusters('eu-west-1', [dbCluster('passing')]);
    await runCheck(config({ regions: ['eu-west-1'] }), w.deps);
    w.sns.resetHistory();
    // Next run: the passing cluster's window grows (state changes, nothing to tell), a failing one appears.
    w.clusters('eu-west-1', [dbCluster('passing', { BacktrackWindow: 172_800 }), dbCluster('failing', { BacktrackWindow: 0 })]);
    const writtenBeforeAlert: string[][] = [];
    const write = w.store.write.bind(w.store);
    jest.spyOn(w.store, 'write').mockImplementation(async (put, remove) => {
      if (w.sns.commandCalls(PublishCommand).length === 0) writtenBeforeAlert.push(put.map((s) => s.identifier));
      return write(put, remove);
    });

    await runCheck(config({ regions: ['eu-west-1'] }), w.deps);

    expect(writtenBeforeAlert).toEqual([['passing']]);
    expect(
      storedClusters(w.store)
        .map((s) => [s.identifier, s.alerted, s.windowSeconds])
        .sort(),
    ).toEqual([
      ['failing', 'disabled', 0],
      ['passing', 'none', 172_800],
    ]);
  });

  it('reports a state table that cannot be written as a degradation, without losing the run', async () => {
    const w = world(['eu-west-1']);
    w.clusters('eu-west-1', [dbCluster('passing')]);
    jest
      .spyOn(w.store, 'write')
      .mockRejectedValue(Object.assign(new Error('throughput exceeded'), { name: 'ProvisionedThroughputExceededException' }));

    const summary = await runCheck(config({ regions: ['eu-west-1'] }), w.deps);

    expect(summary.totals.passed).toBe(1);
    expect(summary.degraded.map((d) => d.key)).toContain('state-not-saved');
    expect(isDegraded(summary)).toBe(true);
  });
});

const hang = () => new Promise<never>(() => undefined);
const exempt = [{ Key: 'backtrack-check:exempt', Value: 'true' }];
const workflowCalls = (w: ReturnType<typeof world>, region = 'eu-west-1') =>
  w
    .region(region)
    .sh.commandCalls(BatchUpdateFindingsCommand)
    .map((c) => ({ status: c.args[0].input.Workflow?.Status, ids: c.args[0].input.FindingIdentifiers?.length }));

describe('runCheck: deadline', () => {
  it('abandons a Region that has not answered by the deadline, names it as not scanned and still alerts and saves the others', async () => {
    const w = world();
    w.clusters('eu-west-1', [dbCluster('orders', { BacktrackWindow: 0 })]);
    w.region('us-east-1').rds.on(DescribeDBClustersCommand).callsFake(hang);
    const started = Date.now();

    // 2.5 s in all: a fifth (at least 2 s) is kept for the alert and the state, so Regions get 0.5 s.
    const summary = await runCheck(config(), w.deps, { mode: 'scan' }, { deadline: started + 2_500 });

    expect(Date.now() - started).toBeGreaterThanOrEqual(450);
    expect(Date.now() - started).toBeLessThan(1_500);
    const us = summary.regions.find((r) => r.region === 'us-east-1');
    expect(us).toMatchObject({ scanned: false, clusters: 0 });
    expect(us?.error).toMatch(/^DeadlineExceeded: the Region did not finish within the run's deadline \(0\.5 s\)/);
    expect(summary.degraded.map((d) => d.key)).toEqual(['region-not-scanned#us-east-1']);
    const [msg] = publishedMessages(w.sns);
    expect(msg?.body.email).toContain('us-east-1: Region not scanned (DeadlineExceeded');
    expect(msg?.body.email).toContain('NEW FAILURES (1)');
    expect(storedClusters(w.store).map((s) => [s.identifier, s.alerted])).toEqual([['orders', 'disabled']]);
  });

  it('gives up on an account lookup that never answers at the deadline, naming the call', async () => {
    const w = world(['eu-west-1']);
    const deps = { ...w.deps, account: () => new Promise<never>(() => undefined) };
    const started = Date.now();

    await expect(runCheck(config({ regions: ['eu-west-1'] }), deps, { mode: 'scan' }, { deadline: started + 2_500 })).rejects.toThrow(
      /finding out the account \(STS GetCallerIdentity\) did not finish within the run's deadline/,
    );
    expect(Date.now() - started).toBeLessThan(1_500);
  });

  it("aborts the abandoned Region's in-flight SDK call", async () => {
    const w = world(['eu-west-1']);
    w.region('eu-west-1').rds.on(DescribeDBClustersCommand).callsFake(hang);

    await runCheck(config({ regions: ['eu-west-1'] }), w.deps, { mode: 'scan' }, { deadline: Date.now() + 2_200 });

    const [call] = w.region('eu-west-1').rds.commandCalls(DescribeDBClustersCommand);
    const options = (call?.args as unknown[] | undefined)?.[1] as { abortSignal?: AbortSignal } | undefined;
    expect(options?.abortSignal?.aborted).toBe(true);
  });

  it('declares no remembered cluster of a Region abandoned mid-listing deleted, and keeps what it had judged', async () => {
    const store = new MemoryStateStore([
      state({ identifier: 'first', resourceId: 'cluster-FIRST', pk: pk('eu-west-1', 'first'), windowSeconds: 86_400, alerted: 'none' }),
      state({ identifier: 'second', resourceId: 'cluster-SECOND', pk: pk('eu-west-1', 'second'), alerted: 'disabled' }),
    ]);
    const w = world(['eu-west-1'], store);
    w.region('eu-west-1')
      .rds.on(DescribeDBClustersCommand)
      .resolvesOnce({ DBClusters: [dbCluster('first', { BacktrackWindow: 172_800 })], Marker: 'page-2' })
      .callsFake(hang);

    const summary = await runCheck(
      config({ regions: ['eu-west-1'], actualWindow: false }),
      w.deps,
      { mode: 'scan' },
      { deadline: Date.now() + 2_200 },
    );

    expect(summary.events).toEqual([]);
    expect(summary.regions[0]).toMatchObject({ scanned: false, archived: 0 });
    expect(importedFindings(w.region('eu-west-1').sh).filter((f) => f.RecordState === 'ARCHIVED')).toEqual([]);
    expect(
      storedClusters(store)
        .map((s) => [s.identifier, s.windowSeconds, s.alerted])
        .sort(),
    ).toEqual([
      ['first', 172_800, 'none'],
      ['second', undefined, 'disabled'],
    ]);
  });

  it('reports a re-check whose Region does not answer by the deadline as not re-checked, naming the deadline', async () => {
    const w = world(['eu-west-1']);
    let settled = false;
    // The mock ignores the abort signal: make the hung call end once the signal fires, as the SDK does.
    w.region('eu-west-1')
      .rds.on(DescribeDBClustersCommand)
      .callsFake(
        (_input: unknown) =>
          new Promise((_resolve, reject) =>
            setTimeout(() => {
              settled = true;
              reject(Object.assign(new Error('Request aborted'), { name: 'AbortError' }));
            }, 600),
          ),
      );

    const summary = await runCheck(
      config({ regions: ['eu-west-1'] }),
      w.deps,
      { mode: 'recheck', region: 'eu-west-1', identifier: 'orders', trigger: 'ModifyDBCluster' },
      { deadline: Date.now() + 2_500 },
    );

    expect(settled).toBe(true);
    expect(summary.degraded.map((d) => d.message)).toEqual([
      expect.stringMatching(/^eu-west-1: cluster orders could not be re-checked \(DeadlineExceeded: the re-check did not finish within/),
    ]);
  });

  it('reports the enabled Regions as not listed when EC2 does not answer by the deadline', async () => {
    const w = world(['eu-west-1']);
    w.ec2.on(DescribeRegionsCommand).callsFake(hang);

    const summary = await runCheck(config({ regions: 'all' }), w.deps, { mode: 'scan' }, { deadline: Date.now() + 2_500 });

    expect(summary.degraded.map((d) => d.message)).toEqual([
      expect.stringMatching(
        /^the account's enabled Regions could not be listed \(DeadlineExceeded: listing the enabled Regions did not finish/,
      ),
    ]);
  });

  it('holds cluster alerts back, once reported, when the state table does not answer by the deadline', async () => {
    const w = world(['eu-west-1']);
    w.clusters('eu-west-1', [dbCluster('orders', { BacktrackWindow: 0 })]);
    let failLate: (e: Error) => void = () => undefined;
    jest.spyOn(w.store, 'load').mockImplementation(() => new Promise((_resolve, reject) => (failLate = reject)));

    const summary = await runCheck(config({ regions: ['eu-west-1'] }), w.deps, { mode: 'scan' }, { deadline: Date.now() + 2_500 });
    failLate(new Error('too late'));
    await new Promise((resolve) => setImmediate(resolve));

    expect(summary.degraded.filter((d) => d.key === 'state-unavailable').map((d) => d.message)).toEqual([
      "state table did not answer before the run's deadline; alerts for cluster changes are held back this run",
    ]);
    expect(summary.events).toEqual([]);
    expect(w.sns.commandCalls(PublishCommand).map((c) => c.args[0].input.Subject)).not.toContainEqual(
      expect.stringContaining('new failure'),
    );
  });

  it('runs without a deadline as before when none is given', async () => {
    const w = world(['eu-west-1']);
    w.clusters('eu-west-1', [dbCluster('orders')]);

    const summary = await runCheck(config({ regions: ['eu-west-1'] }), w.deps);

    expect(summary.regions[0]).toMatchObject({ scanned: true, clusters: 1 });
  });
});

describe('runCheck: run lease', () => {
  it('runs a scan that overlaps another after it, so the change is alerted exactly once', async () => {
    const w = world(['eu-west-1']);
    w.clusters('eu-west-1', [dbCluster('orders', { BacktrackWindow: 0 })]);
    const deadline = Date.now() + 30_000;

    const [a, b] = await Promise.all([
      runCheck(config({ regions: ['eu-west-1'] }), w.deps, { mode: 'scan' }, { deadline }),
      runCheck(config({ regions: ['eu-west-1'] }), w.deps, { mode: 'scan' }, { deadline }),
    ]);

    expect(w.sns).toHaveReceivedCommandTimes(PublishCommand, 1);
    expect([a.skipped, b.skipped]).toEqual([undefined, undefined]);
    expect([a.events.length, b.events.length].sort()).toEqual([0, 1]);
    expect(w.log.info).toHaveBeenCalledWith('another run holds the run lease; waiting for it', expect.anything());
  });

  it('skips a scan whose lease another run holds for the whole wait: no alert, no state, reported as degraded', async () => {
    const w = world(['eu-west-1']);
    w.clusters('eu-west-1', [dbCluster('orders', { BacktrackWindow: 0 })]);
    const other = {
      pk: `lease#${ACCOUNT_ID}`,
      accountId: ACCOUNT_ID,
      owner: 'other',
      mode: 'scan',
      acquiredAt: '2026-11-20T11:59:00.000Z',
    };
    await w.store.acquireLease({ ...other, expiresAt: Date.now() + 60_000 }, Date.now());

    const summary = await runCheck(config({ regions: ['eu-west-1'] }), w.deps, { mode: 'scan' }, { deadline: Date.now() + 3_000 });

    expect(summary.skipped?.reason).toMatch(
      /^a scan run started 2026-11-20T11:59:00.000Z \(lease until .*\) held the state table's run lease/,
    );
    expect(summary.degraded.map((d) => d.key)).toEqual(['run-skipped']);
    expect(isDegraded(summary)).toBe(true);
    expect(w.region('eu-west-1').rds).toHaveReceivedCommandTimes(DescribeDBClustersCommand, 0);
    expect(w.sns).toHaveReceivedCommandTimes(PublishCommand, 0);
    expect(storedClusters(w.store)).toEqual([]);
    expect(w.log.error).toHaveBeenCalledWith(expect.stringMatching(/^scan skipped: /));
  });

  it('queues a re-check while a scan holds the lease, without running it or calling it degraded', async () => {
    const w = world(['eu-west-1']);
    const other = { pk: `lease#${ACCOUNT_ID}`, accountId: ACCOUNT_ID, owner: 'scan', mode: 'scan', acquiredAt: 'now' };
    await w.store.acquireLease({ ...other, expiresAt: Date.now() + 60_000 }, Date.now());

    const summary = await runCheck(
      config(),
      w.deps,
      { mode: 'recheck', region: 'eu-west-1', identifier: 'orders', trigger: 'ModifyDBCluster' },
      { deadline: Date.now() + 3_000 },
    );

    expect(summary.skipped).toBeDefined();
    expect(isDegraded(summary)).toBe(false);
    expect(w.region('eu-west-1').rds).toHaveReceivedCommandTimes(DescribeDBClustersCommand, 0);
  });

  it('frees the lease at the end of the run, so the next run does not wait', async () => {
    const w = world(['eu-west-1']);
    await runCheck(config({ regions: ['eu-west-1'] }), w.deps);
    const next = { pk: `lease#${ACCOUNT_ID}`, accountId: ACCOUNT_ID, owner: 'next', mode: 'scan', acquiredAt: 'now' };

    expect(await w.store.acquireLease({ ...next, expiresAt: Date.now() + 60_000 }, Date.now())).toEqual({ acquired: true });
  });

  it('takes no lease without a state table (nothing to race on)', async () => {
    const w = world(['eu-west-1']);
    const acquire = jest.spyOn(w.store, 'acquireLease');

    await runCheck(config({ regions: ['eu-west-1'] }), { ...w.deps, persistentState: false });

    expect(acquire).not.toHaveBeenCalled();
  });
});

describe('runCheck: clusters the state does not remember (new or emptied table)', () => {
  it('sets the workflow of every cluster seen for the first time: SUPPRESSED when exempt, NEW when not, 100 per call', async () => {
    const w = world(['eu-west-1']);
    const plain = Array.from({ length: 150 }, (_, i) => dbCluster(`db-${i}`, i % 2 ? {} : { BacktrackWindow: 0 }));
    w.clusters('eu-west-1', [...plain, dbCluster('legacy', { BacktrackWindow: 0, TagList: exempt })]);

    await runCheck(config({ regions: ['eu-west-1'] }), w.deps);

    expect(workflowCalls(w)).toEqual([
      { status: 'NEW', ids: 100 },
      { status: 'NEW', ids: 50 },
      { status: 'SUPPRESSED', ids: 1 },
    ]);
    const stored = storedClusters(w.store);
    expect(stored.filter((s) => s.workflow === 'NEW')).toHaveLength(150);
    expect(stored.find((s) => s.identifier === 'legacy')).toMatchObject({ workflow: 'SUPPRESSED' });
  });

  it('sets no workflow again on the next run when nothing changed', async () => {
    const w = world(['eu-west-1']);
    w.clusters('eu-west-1', [dbCluster('orders', { BacktrackWindow: 0 }), dbCluster('legacy', { BacktrackWindow: 0, TagList: exempt })]);
    await runCheck(config({ regions: ['eu-west-1'] }), w.deps);
    w.region('eu-west-1').sh.resetHistory();

    await runCheck(config({ regions: ['eu-west-1'] }), w.deps);

    expect(workflowCalls(w)).toEqual([]);
  });

  it('without a state table changes no workflow, exempt or not: it imports findings only', async () => {
    const w = world(['eu-west-1']);
    w.clusters('eu-west-1', [dbCluster('orders', { BacktrackWindow: 0 }), dbCluster('legacy', { BacktrackWindow: 0, TagList: exempt })]);

    const summary = await runCheck(config({ regions: ['eu-west-1'] }), { ...w.deps, persistentState: false });

    expect(w.region('eu-west-1').sh).toHaveReceivedCommandTimes(BatchUpdateFindingsCommand, 0);
    expect(importedFindings(w.region('eu-west-1').sh)).toHaveLength(2);
    expect(isDegraded(summary)).toBe(false);
  });
});

describe('Semaphore', () => {
  it('runs at most its limit of tasks at once, and every task to the end', async () => {
    const gate = new Semaphore(3);
    let inFlight = 0;
    let most = 0;
    const task = async (i: number) => {
      inFlight += 1;
      most = Math.max(most, inFlight);
      await new Promise((r) => setTimeout(r, 2));
      inFlight -= 1;
      return i;
    };

    const results = await Promise.all(Array.from({ length: 10 }, (_, i) => gate.run(() => task(i))));

    expect(results).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    expect(most).toBe(3);
  });

  it('frees its place when a task fails', async () => {
    const gate = new Semaphore(1);

    await expect(gate.run(() => Promise.reject(new Error('boom')))).rejects.toThrow('boom');
    await expect(gate.run(() => Promise.resolve('next'))).resolves.toBe('next');
  });
});

describe('runCheck: a state table written by another policy', () => {
  it('warns before the alert when the last scan used another policy, and records the policy of this one', async () => {
    const w = world(['eu-west-1']);
    w.clusters('eu-west-1', [dbCluster('orders', { BacktrackWindow: 0 })]);
    await runCheck(config({ regions: ['eu-west-1'] }), w.deps);
    expect(w.log.warn).not.toHaveBeenCalled();

    await runCheck(config({ regions: ['eu-west-1'], policy: { ...POLICY, minWindowHours: 48 } }), w.deps);

    const warning = w.log.warn.mock.calls.map((c) => String(c[0])).find((m) => m.includes('another policy'));
    expect(warning).toContain('(minimum 24 h,');
    expect(warning).toContain('this run uses minimum 48 h,');
    const { meta } = await w.store.load(ACCOUNT_ID);
    expect(meta?.policy).toMatch(/^minimum 48 h, /);
  });
});

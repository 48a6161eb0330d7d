import 'aws-sdk-client-mock-jest';
import { GetMetricDataCommand, type GetMetricDataCommandInput } from '@aws-sdk/client-cloudwatch';
import { DescribeRegionsCommand } from '@aws-sdk/client-ec2';
import { DescribeDBClustersCommand } from '@aws-sdk/client-rds';
import { BatchImportFindingsCommand, BatchUpdateFindingsCommand, InvalidAccessException } from '@aws-sdk/client-securityhub';
import { PublishCommand } from '@aws-sdk/client-sns';
import { MemoryStateStore } from '../../lambda/aws/state';
import { findingId } from '../../lambda/core/finding';
import { clusterKey, metaKey, type ClusterState, type RunMeta } from '../../lambda/core/state-types';
import { CheckDegradedError, isDegraded, runCheck, Semaphore } from '../../lambda/run';
import { ACCOUNT_ID, DAY_MS, NOW, state } from './fixtures';
import { config, dbCluster, importedFindings, publishedMessages, TOPIC, world } from './run-world';

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
});

describe('CheckDegradedError', () => {
  it('names every degradation and the unpublished alert', async () => {
    const w = world(['eu-west-1']);
    w.region('eu-west-1').rds.on(DescribeDBClustersCommand).rejects(denied());
    w.sns.on(PublishCommand).rejects(Object.assign(new Error('topic gone'), { name: 'NotFoundException' }));

    const summary = await runCheck(config({ regions: ['eu-west-1'] }), w.deps);
    const err = new CheckDegradedError(summary);

    expect(err.message).toContain('eu-west-1: Region not scanned (AccessDenied');
    expect(err.message).toContain('alert not published: NotFoundException: topic gone');
  });
});

describe('runCheck state writes', () => {
  it('writes the state of clusters with nothing to alert before the alert is published', async () => {
    const w = world(['eu-west-1']);
    w.clusters('eu-west-1', [dbCluster('passing'), dbCluster('failing', { BacktrackWindow: 0 })]);
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
        .map((s) => [s.identifier, s.alerted])
        .sort(),
    ).toEqual([
      ['failing', 'disabled'],
      ['passing', 'none'],
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

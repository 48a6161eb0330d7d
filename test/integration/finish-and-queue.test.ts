/**
 * End to end through the bundled handler: the finish phase (alert, state save, lease release) keeps
 * to the function's remaining time when SNS never answers, and a re-check that finds the run lease
 * held is queued on it and run by the holder, which alerts the change once.
 */
import { ModifyDBClusterCommand } from '@aws-sdk/client-rds';
import type { EmulatedAws } from '../../emulator';
import type { Deployment, ReceivedAlert } from '../../emulator/deployment';
import { REGIONS_OF, SAMPLE_ACCOUNT } from '../../emulator/sample-account';
import { expectFindingsExactlyRight, failingUnsuppressed, namedIn, where } from './checks';
import { freshAccount, useEmulatedAws } from './emulated-account';
import { fixtureNamed } from './fixtures';
import { runHandler, startHandler, type SummaryJson } from './shells';

jest.setTimeout(240_000);

const REGIONS = REGIONS_OF(SAMPLE_ACCOUNT);
const FAILING = failingUnsuppressed(SAMPLE_ACCOUNT).map(where).sort();

let aws: EmulatedAws;
useEmulatedAws((started) => (aws = started));

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** The EventBridge event of a CloudTrail-recorded ModifyDBCluster, as the stack's rule delivers it. */
const modifyEvent = (region: string, identifier: string, backtrackWindow: number) => ({
  version: '0',
  'detail-type': 'AWS API Call via CloudTrail',
  source: 'aws.rds',
  account: aws.accountId,
  region,
  detail: {
    eventSource: 'rds.amazonaws.com',
    eventName: 'ModifyDBCluster',
    awsRegion: region,
    requestParameters: { dBClusterIdentifier: identifier, backtrackWindow, applyImmediately: true },
  },
});

/** The embedded-metric lines the handler printed. */
const metricLines = (stdout: string) =>
  stdout
    .split('\n')
    .filter((l) => l.startsWith('{') && l.includes('"_aws"'))
    .map((l) => JSON.parse(l) as Record<string, unknown>);

describe('the bundled handler with 60 s left and an SNS endpoint that never answers', () => {
  let d: Deployment;

  beforeEach(async () => {
    d = await freshAccount(aws, SAMPLE_ACCOUNT);
  });

  it('returns within the 60 s with every finding imported, the alert reported unpublished and the state saved so the next run repeats it', async () => {
    const stalled = aws.proxy.addFault({ service: 'sns', operation: 'Publish', kind: 'hang' });
    const started = Date.now();
    const run = await runHandler(d, 'scan', {}, 60);
    const elapsed = Date.now() - started;
    aws.proxy.removeFault(stalled);

    expect({ code: run.code, ok: run.json.ok }).toEqual({ code: 0, ok: true });
    // invoke-local's own start (node, loading the bundle) counts against the 60 s too.
    expect(elapsed).toBeLessThan(60_000);
    await expectFindingsExactlyRight(d, SAMPLE_ACCOUNT, REGIONS);
    const summary = run.json.result as unknown as SummaryJson;
    expect(summary.alert).toMatchObject({ published: false, error: expect.stringMatching(/^DeadlineExceeded: SNS Publish/) as string });
    expect(metricLines(run.stdout).find((m) => 'Degradations' in m)).toMatchObject({ Degradations: 1, AlertsPublished: 0 });
    expect(aws.proxy.callsFor({ service: 'dynamodb', operation: 'BatchWriteItem' }).map((c) => c.status)).toContain(200);
    expect(await d.drainAlerts()).toEqual([]);

    const next = await runHandler(d, 'scan', {}, 60);
    const alerts = await d.drainAlerts();

    expect((next.json.result as unknown as SummaryJson).alert).toMatchObject({ published: true });
    expect(alerts).toHaveLength(1);
    expect(namedIn((alerts[0] as ReceivedAlert).email, 'NEW FAILURES')).toEqual(FAILING);
    process.stdout.write(`SNS never answering, handler with 60 s: returned after ${elapsed} ms\n`);
  });
});

describe('a re-check whose CloudTrail event arrives while a scan holds the run lease', () => {
  it('is queued on the lease, and the scan re-checks that cluster before releasing and alerts its change once', async () => {
    const d = await freshAccount(aws, SAMPLE_ACCOUNT);
    expect((await runHandler(d, 'scan')).json.ok).toBe(true);
    await d.drainAlerts();
    const modified = fixtureNamed(SAMPLE_ACCOUNT)('reports-v3-ok');
    // Slow imports keep the next scan, and its lease, busy after it has described the cluster.
    const slow = aws.proxy.addFault({ service: 'securityhub', operation: 'BatchImportFindings', kind: 'latency', latencyMs: 4_000 });
    aws.proxy.clearCalls();

    const scan = startHandler(d, {}, 120);
    for (const until = Date.now() + 60_000; ; await sleep(50)) {
      if (aws.proxy.callsFor({ service: 'securityhub', region: modified.region, operation: 'BatchImportFindings' }).length > 0) break;
      if (Date.now() > until) throw new Error('the scan never imported findings');
    }
    await d
      .rds(modified.region)
      .send(new ModifyDBClusterCommand({ DBClusterIdentifier: modified.id, BacktrackWindow: 3_600, ApplyImmediately: true }));
    const recheck = await runHandler(d, modifyEvent(modified.region, modified.id, 3_600), {}, 60);
    aws.proxy.removeFault(slow);
    const holder = await scan.result;
    const alerts = await d.drainAlerts();

    const queued = recheck.json.result as unknown as SummaryJson & { skipped?: { reason: string } };
    expect(queued.skipped?.reason).toMatch(/^queued for a scan run started /);
    expect(queued.degraded).toEqual([]);
    expect(metricLines(recheck.stdout).filter((m) => 'Degradations' in m)).toEqual([]);
    const scanned = (holder.json as { result: SummaryJson & { queuedRechecks?: SummaryJson[] } }).result;
    expect(scanned.events).toEqual([]);
    expect(scanned.queuedRechecks?.map((r) => r.events)).toEqual([
      [{ kind: 'new-failure', region: modified.region, identifier: modified.id }],
    ]);
    expect(alerts).toHaveLength(1);
    expect(namedIn((alerts[0] as ReceivedAlert).email, 'NEW FAILURES')).toEqual([where(modified)]);
    const finding = (await d.findings(modified.region)).find((f) => f.Resources?.[0]?.Id?.endsWith(`:cluster:${modified.id}`));
    expect(finding?.Compliance?.Status).toBe('FAILED');
  });
});

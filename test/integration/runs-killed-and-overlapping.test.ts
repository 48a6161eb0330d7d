/**
 * End to end: the run lease and state loss, on the emulator. A run killed mid-way loses nothing and
 * repeats at most one alert; runs started together send one alert; a wiped state table does not
 * leave Security Hub's workflow out of step with the exemption tags. (The run deadline:
 * stalled-region.test.ts.)
 */
import { BatchWriteItemCommand, DynamoDBClient, ScanCommand } from '@aws-sdk/client-dynamodb';
import { AddTagsToResourceCommand, RemoveTagsFromResourceCommand, type DBCluster } from '@aws-sdk/client-rds';
import type { EmulatedAws } from '../../emulator';
import { describeAll, expectFindingsExactlyRight, failingUnsuppressed, namedIn, where } from './checks';
import type { Deployment, ReceivedAlert } from '../../emulator/deployment';
import { freshAccount, useEmulatedAws } from './emulated-account';
import { REGIONS_OF, SAMPLE_ACCOUNT, type SeedCluster } from '../../emulator/sample-account';
import { fixtureNamed } from './fixtures';
import { CLI_SHELL, runCli, SHELLS, startCli, startHandler, type RunningShell, type SummaryJson } from './shells';

jest.setTimeout(180_000);

const REGIONS = REGIONS_OF(SAMPLE_ACCOUNT);
const FAILING = failingUnsuppressed(SAMPLE_ACCOUNT).map(where).sort();
const named = fixtureNamed(SAMPLE_ACCOUNT);

let aws: EmulatedAws;
useEmulatedAws((started) => (aws = started));

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Waits until the proxy has seen a call matching `pred` (or fails after `ms`). */
async function callSeen(pred: (c: EmulatedAws['proxy']['calls'][number]) => boolean, ms = 60_000): Promise<void> {
  const until = Date.now() + ms;
  while (!aws.proxy.calls.some(pred)) {
    if (Date.now() > until) throw new Error(`no matching call within ${ms} ms: ${JSON.stringify(aws.proxy.calls.slice(-5))}`);
    await sleep(50);
  }
}

const kill = async (running: RunningShell) => {
  running.child.kill('SIGKILL');
  return (await running.result).code;
};

describe('a CLI run killed mid-way, then run again', () => {
  let d: Deployment;

  beforeEach(async () => {
    d = await freshAccount(aws, SAMPLE_ACCOUNT);
  });

  it('killed while importing findings: the next run publishes every finding and sends the one alert', async () => {
    const slow = aws.proxy.addFault({ service: 'securityhub', operation: 'BatchImportFindings', kind: 'latency', latencyMs: 3_000 });
    const killed = startCli(d, ['--timeout', '10']);
    await callSeen((c) => c.operation === 'BatchImportFindings' && c.status === undefined);
    expect(await kill(killed)).toBe(128);
    aws.proxy.removeFault(slow);
    const before = await d.drainAlerts();

    const rerun = await runCli(d);
    const after = await d.drainAlerts();

    expect(before).toEqual([]);
    expect(rerun.code).toBe(CLI_SHELL.exit.failing);
    await expectFindingsExactlyRight(d, SAMPLE_ACCOUNT, REGIONS);
    expect(after).toHaveLength(1);
    expect(namedIn((after[0] as ReceivedAlert).email, 'NEW FAILURES')).toEqual(FAILING);
  });

  it('killed after publishing the alert, before its state was saved: the alert is repeated once, then never again', async () => {
    // The state write never reaches the table: the process dies between Publish and the save.
    const stuck = aws.proxy.addFault({ service: 'dynamodb', operation: 'BatchWriteItem', kind: 'hang' });
    const killed = startCli(d, ['--timeout', '10']);
    await callSeen((c) => c.operation === 'BatchWriteItem');
    expect(aws.proxy.callsFor({ service: 'sns', operation: 'Publish' }).map((c) => c.status)).toEqual([200]);
    expect(await kill(killed)).toBe(128);
    aws.proxy.removeFault(stuck);
    const fromKilled = await d.drainAlerts();

    await runCli(d);
    const repeated = await d.drainAlerts();
    await runCli(d);
    const third = await d.drainAlerts();

    expect(fromKilled).toHaveLength(1);
    expect(repeated).toHaveLength(1);
    expect(namedIn((repeated[0] as ReceivedAlert).email, 'NEW FAILURES')).toEqual(FAILING);
    expect(namedIn((fromKilled[0] as ReceivedAlert).email, 'NEW FAILURES')).toEqual(FAILING);
    expect(third).toEqual([]);
    await expectFindingsExactlyRight(d, SAMPLE_ACCOUNT, REGIONS);
  });
});

describe('two runs started together against the same state table', () => {
  it('the CLI and the bundled handler send exactly one alert: the second waits for the first run lease', async () => {
    const d = await freshAccount(aws, SAMPLE_ACCOUNT);
    aws.proxy.addFault({ service: 'securityhub', operation: 'BatchImportFindings', kind: 'latency', latencyMs: 1_500 });

    const runs = [startCli(d), startHandler(d, {}, 60)];
    const [cli, handler] = await Promise.all(runs.map((r) => r.result));
    const alerts = await d.drainAlerts();

    expect(alerts).toHaveLength(1);
    expect(namedIn((alerts[0] as ReceivedAlert).email, 'NEW FAILURES')).toEqual(FAILING);
    expect(cli?.code).toBe(CLI_SHELL.exit.failing);
    expect(handler?.code).toBe(0);
    const leaseRefusals = aws.proxy.callsFor({ service: 'dynamodb', operation: 'PutItem' }).filter((c) => c.status === 400);
    expect(leaseRefusals.length).toBeGreaterThan(0);
    const summaries = [cli?.json as SummaryJson, (handler?.json as { result: SummaryJson }).result];
    expect(summaries.map((s) => (s as { skipped?: unknown }).skipped)).toEqual([undefined, undefined]);
    expect(summaries.map((s) => s.events.length).sort((a, b) => a - b)).toEqual([0, FAILING.length]);
    process.stdout.write(`overlapping runs: ${alerts.length} alert(s), ${leaseRefusals.length} lease refusal(s)\n`);
  });
});

describe.each(SHELLS)('$name after the state table was emptied', (shell) => {
  const NEWLY_EXEMPT = named('shop-v3-off');
  const NO_LONGER_EXEMPT = named('sandbox-exempt');
  let d: Deployment;
  let clusters: Map<string, DBCluster>;
  let updatesBefore: number;
  const arnOf = (c: SeedCluster) => clusters.get(`${c.region}/${c.id}`)?.DBClusterArn ?? `missing ${c.id}`;
  const findingFor = async (c: SeedCluster) => (await d.findings(c.region)).find((f) => f.Resources?.[0]?.Id === arnOf(c));

  beforeAll(async () => {
    d = await freshAccount(aws, SAMPLE_ACCOUNT);
    clusters = await describeAll(d, REGIONS);
    await shell.scan(d);
    await d.drainAlerts();
    // The table is lost (a redeploy, a restore into a new table) while the exemptions change.
    const ddb = new DynamoDBClient(aws.clientConfig(d.homeRegion));
    const items = (await ddb.send(new ScanCommand({ TableName: d.tableName }))).Items ?? [];
    for (let i = 0; i < items.length; i += 25) {
      await ddb.send(
        new BatchWriteItemCommand({
          RequestItems: { [d.tableName]: items.slice(i, i + 25).map((it) => ({ DeleteRequest: { Key: { pk: it.pk! } } })) },
        }),
      );
    }
    expect((await ddb.send(new ScanCommand({ TableName: d.tableName }))).Count).toBe(0);
    await d
      .rds(NEWLY_EXEMPT.region)
      .send(new AddTagsToResourceCommand({ ResourceName: arnOf(NEWLY_EXEMPT), Tags: [{ Key: 'backtrack-check:exempt', Value: 'true' }] }));
    await d
      .rds(NO_LONGER_EXEMPT.region)
      .send(new RemoveTagsFromResourceCommand({ ResourceName: arnOf(NO_LONGER_EXEMPT), TagKeys: ['backtrack-check:exempt'] }));
    expect((await findingFor(NEWLY_EXEMPT))?.Workflow?.Status).toBe('NEW');
    expect((await findingFor(NO_LONGER_EXEMPT))?.Workflow?.Status).toBe('SUPPRESSED');
    updatesBefore = aws.proxy.workflowUpdates.length;
    await shell.scan(d);
  });

  it('suppresses the finding of a cluster exempted meanwhile', async () => {
    expect((await findingFor(NEWLY_EXEMPT))?.Workflow?.Status).toBe('SUPPRESSED');
  });

  it('reopens the finding of a failing cluster whose exemption was removed meanwhile', async () => {
    const f = await findingFor(NO_LONGER_EXEMPT);
    expect({ status: f?.Compliance?.Status, workflow: f?.Workflow?.Status }).toEqual({ status: 'FAILED', workflow: 'NEW' });
  });

  it('sets the workflow of every cluster it no longer remembers with one call per Region for the non-exempt ones', () => {
    const updates = aws.proxy.workflowUpdates.slice(updatesBefore).filter((u) => u.workflowStatus === 'NEW');
    const inScope = SAMPLE_ACCOUNT.filter((c) => c.expected.scope === 'in-scope' && c.id !== NEWLY_EXEMPT.id);
    const notExempt = inScope.filter((c) => !('suppressed' in c.expected && c.expected.suppressed) || c.id === NO_LONGER_EXEMPT.id);
    expect(updates.reduce((n, u) => n + u.findings.length, 0)).toBe(notExempt.length);
    for (const u of updates) expect(u.findings.length).toBeLessThanOrEqual(100);
    const perRegion = new Map<string, number>();
    for (const u of updates) perRegion.set(u.region, (perRegion.get(u.region) ?? 0) + 1);
    // Each Region's first-seen clusters that are not exempt share one note: one call per Region.
    expect([...perRegion.values()]).toEqual(REGIONS.map(() => 1));
  });
});

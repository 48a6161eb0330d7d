/**
 * End to end: the run deadline, on the emulator. A Region whose endpoint accepts requests and never
 * answers cannot silence the others, in either shell. (The run lease and state loss:
 * runs-killed-and-overlapping.test.ts; apart, so that the two files' waits overlap.)
 */
import type { EmulatedAws } from '../../emulator';
import { expectFindingsExactlyRight, failingUnsuppressed, namedIn, where } from './checks';
import type { Deployment, ReceivedAlert } from '../../emulator/deployment';
import { freshAccount, useEmulatedAws } from './emulated-account';
import { REGIONS_OF, SAMPLE_ACCOUNT } from '../../emulator/sample-account';
import { CLI_SHELL, runCli, runHandler, type SummaryJson } from './shells';

jest.setTimeout(180_000);

const REGIONS = REGIONS_OF(SAMPLE_ACCOUNT);
const STALLED = 'eu-west-1';
const OTHERS = REGIONS.filter((r) => r !== STALLED);
const inRegions = (regions: string[]) => SAMPLE_ACCOUNT.filter((c) => regions.includes(c.region));

let aws: EmulatedAws;
useEmulatedAws((started) => (aws = started));

const expectStalledRegionReported = (summary: SummaryJson | undefined, alerts: ReceivedAlert[]) => {
  const stalled = summary?.regions.find((r) => r.region === STALLED);
  expect(stalled).toMatchObject({ scanned: false, clusters: 0 });
  expect(stalled?.error).toMatch(/^DeadlineExceeded: /);
  expect(summary?.degraded.map((x) => x.key)).toEqual([`region-not-scanned#${STALLED}`]);
  expect(alerts).toHaveLength(1);
  const alert = alerts[0] as ReceivedAlert;
  expect(namedIn(alert.email, 'CHECKER DEGRADED')).toEqual([STALLED]);
  expect(alert.email).toContain(`${STALLED}: Region not scanned (DeadlineExceeded`);
  expect(namedIn(alert.email, 'NEW FAILURES')).toEqual(failingUnsuppressed(inRegions(OTHERS)).map(where).sort());
};

describe('a Region whose RDS endpoint accepts requests and never answers', () => {
  let d: Deployment;

  beforeEach(async () => {
    d = await freshAccount(aws, SAMPLE_ACCOUNT);
    aws.proxy.addFault({ service: 'rds', region: STALLED, operation: 'DescribeDBClusters', kind: 'hang' });
  });

  it('CLI with --timeout 10: the other Regions are judged, published and alerted, the stalled one named, exit 3, within the timeout', async () => {
    const started = Date.now();
    const run = await runCli(d, ['--timeout', '10']);
    const elapsed = Date.now() - started;

    expect(run.code).toBe(CLI_SHELL.exit.degraded);
    expect(elapsed).toBeLessThan(12_000);
    expect(aws.proxy.callsFor({ service: 'rds', region: STALLED }).map((c) => c.fault)).toContain('hang');
    await expectFindingsExactlyRight(d, inRegions(OTHERS), OTHERS);
    expect(await d.findings(STALLED)).toEqual([]);
    expectStalledRegionReported(run.json as SummaryJson, await d.drainAlerts());
    process.stdout.write(`stalled Region, CLI --timeout 10: ${elapsed} ms\n`);
  });

  it('bundled handler with 15 s left: returns the degraded summary (no throw), the rest published and alerted', async () => {
    const started = Date.now();
    const run = await runHandler(d, 'scan', {}, 15);
    const elapsed = Date.now() - started;

    expect({ code: run.code, ok: run.json.ok }).toEqual({ code: 0, ok: true });
    expect(elapsed).toBeLessThan(15_000);
    await expectFindingsExactlyRight(d, inRegions(OTHERS), OTHERS);
    expectStalledRegionReported(run.json.result as unknown as SummaryJson, await d.drainAlerts());
    process.stdout.write(`stalled Region, handler with 15 s: ${elapsed} ms\n`);
  });

  it('CLI with its defaults: the rest is judged and alerted within two minutes', async () => {
    const started = Date.now();
    const run = await runCli(d);
    const elapsed = Date.now() - started;

    expect(run.code).toBe(CLI_SHELL.exit.degraded);
    expect(elapsed).toBeLessThan(120_000);
    expectStalledRegionReported(run.json as SummaryJson, await d.drainAlerts());
    process.stdout.write(`stalled Region, CLI defaults: ${elapsed} ms\n`);
  });
});

import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { totalsByOperation } from '../../bench/checks';
import { startFakeAws, type FakeAws } from '../../bench/fake-aws';
import { BENCH_MIN_WINDOW_HOURS, expectationsOf, generateFleet } from '../../bench/fleet';
import { handlerEnv } from '../../bench/invoke';
import { minimumCalls } from '../../bench/minimum-calls';
import { buildSdkFloorChild, runSdkFloor } from '../../bench/sdk-floor';
import { buildSdkFloorPlans } from '../../bench/sdk-floor-plan';

// Each test runs the SDK floor child as a process (its own limit is 60 s); on a loaded machine that
// takes more than Jest's default 5 s. The test counts calls, not time.
jest.setTimeout(60_000);

const TOPIC = 'arn:aws:sns:us-east-1:123456789012:alerts';
const fleet = generateFleet({ clusters: 450, regions: 2 });
const expectation = expectationsOf(fleet);
const plans = buildSdkFloorPlans(fleet, {
  policy: {
    minWindowHours: BENCH_MIN_WINDOW_HOURS,
    tagPrefix: 'backtrack-check:',
    exemptTagKey: 'backtrack-check:exempt',
    maxExemptionDays: 90,
    backtrackRegions: [],
  },
  now: new Date(),
  homeRegion: 'us-east-1',
  tableName: 'state',
  topicArn: TOPIC,
  clientSettings: { maxAttempts: 8, retryMode: 'adaptive' },
  importLimit: { rate: 10, burst: 30 },
});

let dir: string;
let childPath: string;
let fake: FakeAws;

beforeAll(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'bench-sdk-floor-test-'));
  childPath = buildSdkFloorChild(dir);
  fake = await startFakeAws({ fleet, latencyMs: 2, tables: ['state'], topics: [TOPIC] });
});

afterAll(async () => {
  await fake.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

const run = (plan: (typeof plans)['first']) =>
  runSdkFloor({
    childPath,
    plan,
    planPath: path.join(dir, 'plan.json'),
    env: handlerEnv({ endpoint: fake.url, regions: fleet.regions, minWindowHours: 24, topicArn: TOPIC, tableName: 'state' }),
    logFile: path.join(dir, `${plan.run}.log`),
    timeoutMs: 60_000,
  });

/** Calls per operation the checker's schedule makes: the minimum, with one GetMetricData per 83 clusters. */
function expectedCalls(kind: 'first' | 'steady', stateBytes: number): Record<string, number> {
  const min = minimumCalls({ expectation, run: kind, discoverRegions: false, stateBytes }).total;
  const metrics = expectation.regions.reduce((a, r) => a + Math.ceil(r.needsMetrics / 83), 0);
  // Every minimal call, the run lease's two PutItems and the first run's workflow updates included.
  const made = Object.fromEntries(Object.entries(min).filter(([, n]) => n > 0));
  return { ...made, 'monitoring:GetMetricData': metrics };
}

describe('the SDK floor child', () => {
  it('makes the minimal calls of a first run: the lease, pages, metrics, imports, workflow updates, the Scan, one Publish and the state writes', async () => {
    fake.reset();
    const stateBytes = fake.dynamo.table('us-east-1', 'state').bytes();

    const report = await run(plans.first);

    expect(report).toMatchObject({ ok: true, imported: expectation.inScope, importFailed: 0 });
    expect(totalsByOperation(fake.stats()).calls).toEqual(expectedCalls('first', stateBytes));
    expect(fake.published).toHaveLength(1);
    expect(fake.errors()).toEqual([]);
    expect(report.phases.listedMs).toBeLessThanOrEqual(report.phases.importedMs);
    expect(report.phases.publishedMs).toBeLessThanOrEqual(report.wallMs);
  });

  it('reads the state it wrote and re-imports every finding on a steady run', async () => {
    fake.reset();
    const stateBytes = fake.dynamo.table('us-east-1', 'state').bytes();

    const report = await run(plans.steady);

    expect(report).toMatchObject({ ok: true, imported: expectation.inScope });
    expect(totalsByOperation(fake.stats()).calls).toEqual(expectedCalls('steady', stateBytes));
    expect(stateBytes).toBeGreaterThan(0);
  });

  it('paces imports to the Region’s rate limit, so none is throttled', async () => {
    const limit = { rate: 20, burst: 2 };
    const tight = await startFakeAws({
      fleet,
      latencyMs: 2,
      tables: ['state'],
      topics: [TOPIC],
      rateLimits: { BatchImportFindings: limit },
    });
    try {
      const report = await runSdkFloor({
        childPath,
        plan: { ...plans.steady, importLimit: limit },
        planPath: path.join(dir, 'plan-tight.json'),
        env: handlerEnv({ endpoint: tight.url, regions: fleet.regions, minWindowHours: 24, topicArn: TOPIC, tableName: 'state' }),
        logFile: path.join(dir, 'tight.log'),
        timeoutMs: 60_000,
      });

      expect(report).toMatchObject({ ok: true, imported: expectation.inScope });
      expect(totalsByOperation(tight.stats()).throttled['securityhub:BatchImportFindings']).toBe(0);
    } finally {
      await tight.close();
    }
  });

  it('reports a failure when AWS cannot be reached', async () => {
    const report = await runSdkFloor({
      childPath,
      plan: { ...plans.steady, clientSettings: { maxAttempts: 1, retryMode: 'standard' } },
      planPath: path.join(dir, 'plan-down.json'),
      env: handlerEnv({ endpoint: 'http://127.0.0.1:1', regions: fleet.regions, minWindowHours: 24, topicArn: TOPIC, tableName: 'state' }),
      logFile: path.join(dir, 'down.log'),
      timeoutMs: 60_000,
    });

    expect(report.ok).toBe(false);
    expect(report.error?.message).toBeTruthy();
  });
});

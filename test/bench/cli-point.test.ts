import * as fs from 'node:fs';
import { cliWorkDir, measureCliScan, measureProcess } from '../../bench/cli-point';
import { BENCH_MIN_WINDOW_HOURS } from '../../bench/fleet';
import { buildSdkFloorChild } from '../../bench/sdk-floor';
import { buildSdkFloorPlans } from '../../bench/sdk-floor-plan';
import { SECURITY_HUB_RATES } from '../../emulator/aws-limits';
import { CLIENT_SETTINGS } from '../../lambda/default-deps';

jest.setTimeout(60_000);

describe('the CLI point of the benchmark', () => {
  const dir = cliWorkDir();
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

  it("reads a process's own peak RSS and exit status", async () => {
    const r = await measureProcess(['-e', 'process.stdout.write("hi"); process.exitCode = 3'], { PATH: process.env.PATH }, dir);
    expect(r).toMatchObject({ code: 3, stdout: 'hi' });
    expect(r.maxRssKb).toBeGreaterThan(10_000);
  });

  it('scans a small fleet through the built CLI and checks that every cluster was judged', async () => {
    const r = await measureCliScan({ clusters: 20, regions: 2 }, { latencyMs: 0, seed: 1, bareStartMs: 0, workDir: dir });
    expect(r.error).toBeUndefined();
    expect(r.ok).toBe(true);
    expect(r.floorMs).toBeGreaterThanOrEqual(0);
  });

  it('measures the SDK floor in a fresh process and compares the scan with the larger floor', async () => {
    const childPath = buildSdkFloorChild(dir);
    const r = await measureCliScan(
      { clusters: 20, regions: 2 },
      {
        latencyMs: 0,
        seed: 1,
        bareStartMs: 0,
        workDir: dir,
        sdkFloor: {
          childPath,
          plan: (fleet) =>
            buildSdkFloorPlans(fleet, {
              policy: {
                minWindowHours: BENCH_MIN_WINDOW_HOURS,
                tagPrefix: 'backtrack-check:',
                exemptTagKey: 'backtrack-check:exempt',
                maxExemptionDays: 90,
                backtrackRegions: [],
              },
              now: new Date(),
              homeRegion: 'us-east-1',
              tableName: 'aurora-backtrack-checker-state',
              topicArn: 'arn:aws:sns:us-east-1:123456789012:aurora-backtrack-checker-alerts',
              clientSettings: CLIENT_SETTINGS,
              importLimit: SECURITY_HUB_RATES.BatchImportFindings,
            }).first,
        },
      },
    );
    expect(r.ok).toBe(true);
    // A fresh process loads the SDK before its first call: more than the model's zero-latency floor.
    expect(r.sdkFloorMs).toBeGreaterThan(r.modelFloorMs);
    expect(r.floorMs).toBe(Math.max(r.modelFloorMs, r.sdkFloorMs ?? 0));
    expect(r.ratio).toBeCloseTo(r.wallMs / r.floorMs, 6);
  });
});

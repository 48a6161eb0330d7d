import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { expectationsOf } from '../../bench/fleet';
import { organizationMinimumCalls } from '../../bench/minimum-calls';
import { measureOrgSdkFloor, organizationFleets, orgSdkFloorPlan, runOrgSdkFloor, startOrganization } from '../../bench/org-point';
import { buildOrgSdkFloorChild } from '../../bench/sdk-floor';

jest.setTimeout(60_000);

/** 3 accounts × 2 Regions × 20 clusters: with this seed two accounts have exempt clusters (SUPPRESSED workflow updates). */
const fleets = organizationFleets({ accounts: 3, regions: 2, clustersPerAccount: 20 }, 1);
const minimum = organizationMinimumCalls(fleets.map(expectationsOf));

let dir: string;
let childPath: string;

beforeAll(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'bench-sdk-floor-org-test-'));
  childPath = buildOrgSdkFloorChild(dir);
});

afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

const measure = (plan = orgSdkFloorPlan(fleets, 8)) =>
  measureOrgSdkFloor(fleets, plan, { childPath, latencyMs: 2, workDir: dir, timeoutMs: 60_000 });

describe("the organization's SDK floor child", () => {
  it('makes exactly the minimal calls of the audit (no workflow set or checked) and imports every in-scope finding into each account’s own Security Hub', async () => {
    expect(minimum.total['securityhub:BatchUpdateFindings']).toBe(0);
    expect(minimum.total['securityhub:GetFindings']).toBe(0);

    const r = await measure();

    expect(r.failures).toEqual([]);
    expect(r.notes).toEqual([]);
    expect(r.ok).toBe(true);
    const made = Object.fromEntries(Object.entries(r.operations).map(([op, c]) => [op, c.calls]));
    expect(made).toEqual(minimum.total);
    expect(Object.values(r.operations).every((c) => c.throttled === 0)).toBe(true);
    expect(r.wallMs).toBeGreaterThan(0);
    expect(r.planMs).toBeGreaterThan(0);
    expect(r.wallMs).toBeLessThan(r.processMs);
    expect(r.cpuMs).toBeGreaterThan(0);
  });

  it.each([
    [1, 'after'],
    [3, 'before'],
  ])(
    'keeps at most --account-concurrency accounts in flight: with %i, the third account starts %s the second one’s last answer',
    async (concurrency, when) => {
      const fake = await startOrganization(fleets, 2);
      try {
        const r = await runOrgSdkFloor(fake, fleets, orgSdkFloorPlan(fleets, concurrency), { childPath, workDir: dir, timeoutMs: 60_000 });

        expect(r.ok).toBe(true);
        const [, second, third] = fleets.map((f) => fake.trace().filter((t) => t.account === f.accountId));
        const secondEnd = Math.max(...(second ?? []).map((t) => t.endMs));
        const thirdStart = Math.min(...(third ?? []).map((t) => t.startMs));
        if (when === 'after') expect(thirdStart).toBeGreaterThanOrEqual(secondEnd);
        else expect(thirdStart).toBeLessThan(secondEnd);
      } finally {
        await fake.close();
      }
    },
  );

  it('pages ListAccounts within Organizations’ rate limit, so no page is throttled', async () => {
    // One account a page: 8 pages in a row, more than Organizations' burst of 5.
    const many = organizationFleets({ accounts: 8, regions: 1, clustersPerAccount: 2 }, 1);
    const plan = { ...orgSdkFloorPlan(many, 8), accountsPerPage: 1 };
    expect(plan.listLimit.burst).toBeLessThan(8);

    const r = await measureOrgSdkFloor(many, plan, { childPath, latencyMs: 2, workDir: dir, timeoutMs: 60_000 });

    expect(r.operations['organizations:ListAccounts']).toMatchObject({ calls: 8, throttled: 0 });
    expect(r.operations['sts:AssumeRole']?.calls).toBe(8);
  });

  it('reports the failure when the audit role cannot be assumed in an account', async () => {
    const plan = { ...orgSdkFloorPlan(fleets, 8), roleName: 'no-such-role' };

    const r = await measure(plan);

    expect(r.ok).toBe(false);
    expect(r.failures[0]).toMatch(/not authorized to perform: sts:AssumeRole/);
  });
});

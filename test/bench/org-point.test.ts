import * as fs from 'node:fs';
import { cliWorkDir } from '../../bench/cli-point';
import { startFakeAws } from '../../bench/fake-aws';
import { expectationsOf } from '../../bench/fleet';
import { organizationMinimumCalls } from '../../bench/minimum-calls';
import { buildOrgSdkFloorChild } from '../../bench/sdk-floor';
import { AUDIT_ROLE, checkAudit, measureOrgScan, organizationFleets, parseOrgPoint } from '../../bench/org-point';

jest.setTimeout(60_000);

describe('the organization point of the benchmark', () => {
  const dir = cliWorkDir();
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('reads <accounts>x<regions>x<clusters per account> and names the form of a bad one', () => {
    expect(parseOrgPoint('200x4x25')).toEqual({ accounts: 200, regions: 4, clustersPerAccount: 25 });
    expect(() => parseOrgPoint('200x4')).toThrow(/use <accounts>x<regions>x<clusters per account>/);
    expect(() => parseOrgPoint('0x4x25')).toThrow(/1–10,000 accounts/);
  });

  it('gives every account its own fleet: the management account first, its own seed per account', () => {
    const fleets = organizationFleets({ accounts: 3, regions: 2, clustersPerAccount: 5 }, 1);

    expect(fleets.map((f) => f.accountId)).toEqual(['123456789012', '200000000001', '200000000002']);
    expect(new Set(fleets.map((f) => f.seed)).size).toBe(3);
    expect(fleets[1]?.clusters[0]?.arn).toContain(':200000000001:');
  });

  it('audits a small organization through the built CLI: every cluster of every account judged and imported there, against both floors', async () => {
    const r = await measureOrgScan(
      { accounts: 3, regions: 2, clustersPerAccount: 5 },
      { latencyMs: 0, seed: 1, concurrency: 8, bareStartMs: 0, workDir: dir, sdkFloor: { childPath: buildOrgSdkFloorChild(dir) } },
    );

    expect(r.failures).toEqual([]);
    expect(r.sdkFloor).toMatchObject({ ok: true, totalCalls: r.totalMinimum });
    expect(r.ratioToFloors).toBeCloseTo(r.wallMs / Math.max(r.floorMs, r.sdkFloor?.wallMs ?? 0), 6);
    expect(r.ok).toBe(true);
    expect(r.operations['sts:AssumeRole']).toMatchObject({ calls: 3, minimum: 3 });
    expect(r.operations['organizations:ListAccounts']?.calls).toBe(1);
    expect(r.cpuMs).toBeGreaterThan(0);
  });

  it('fails the point when the CLI leaves an account out or judges fewer clusters than it has', async () => {
    const fleets = organizationFleets({ accounts: 2, regions: 1, clustersPerAccount: 4 }, 1);
    const [management, member] = fleets as [(typeof fleets)[number], (typeof fleets)[number]];
    const fake = await startFakeAws({ fleet: management, organization: { members: [member], roleName: AUDIT_ROLE }, latencyMs: 0 });
    try {
      const stdout = JSON.stringify({ accounts: [{ accountId: management.accountId, audited: true, totals: { clusters: 3 } }] });

      const { failures } = checkAudit(fleets, fake, stdout, organizationMinimumCalls(fleets.map(expectationsOf)));

      expect(failures).toEqual(
        expect.arrayContaining([
          `account ${management.accountId}: judged 3 of 4 clusters`,
          `account ${member.accountId} is missing from the CLI's output`,
        ]),
      );
    } finally {
      await fake.close();
    }
  });
});

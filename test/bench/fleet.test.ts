import { BENCH_MIN_WINDOW_HOURS, categoryCounts, expectationsOf, generateFleet } from '../../bench/fleet';
import { clusterFactsOf } from '../../bench/sdk-floor-plan';
import { evaluate } from '../../lambda/core/evaluate';
import type { Policy } from '../../lambda/core/types';

const NOW = new Date('2026-11-25T12:00:00Z');

const POLICY: Policy = {
  minWindowHours: BENCH_MIN_WINDOW_HOURS,
  tagPrefix: 'backtrack-check:',
  exemptTagKey: 'backtrack-check:exempt',
  maxExemptionDays: 90,
  backtrackRegions: [],
};

describe('generateFleet', () => {
  it('gives the same clusters for the same seed', () => {
    const a = generateFleet({ clusters: 300, regions: 4, now: NOW });
    const b = generateFleet({ clusters: 300, regions: 4, now: NOW });

    expect(b.clusters).toEqual(a.clusters);
  });

  it('gives different clusters for another seed', () => {
    const a = generateFleet({ clusters: 300, regions: 4, now: NOW, seed: 1 });
    const b = generateFleet({ clusters: 300, regions: 4, now: NOW, seed: 2 });

    expect(b.clusters.map((c) => c.category)).not.toEqual(a.clusters.map((c) => c.category));
  });

  it('has the documented mix in exact counts', () => {
    expect(categoryCounts(1000)).toEqual({
      'backtrack-on': 600,
      'backtrack-off': 150,
      'below-minimum': 100,
      'serverless-v1': 50,
      'global-member': 30,
      'out-of-scope': 70,
    });
    expect(Object.values(categoryCounts(7)).reduce((a, b) => a + b, 0)).toBe(7);
  });

  it('spreads clusters evenly over the Regions', () => {
    const fleet = generateFleet({ clusters: 1000, regions: 17, now: NOW });
    const sizes = [...fleet.byRegion.values()].map((l) => l.length);

    expect(fleet.regions).toHaveLength(17);
    expect(Math.max(...sizes) - Math.min(...sizes)).toBeLessThanOrEqual(1);
    expect(new Set(fleet.clusters.map((c) => c.resourceId)).size).toBe(1000);
  });

  it('expects for every cluster the verdict the checker’s own rules give', () => {
    const fleet = generateFleet({ clusters: 2000, regions: 3, now: NOW });
    const disagreements = fleet.clusters
      .map((c) => ({ c, e: evaluate(clusterFactsOf(c), POLICY, NOW) }))
      .filter(
        ({ c, e }) =>
          e.scope !== c.expected.scope ||
          (e.scope === 'in-scope' && e.status !== c.expected.status) ||
          e.exemption.active !== c.expected.exempt,
      )
      .map(({ c, e }) => `${c.identifier} ${c.category}: expected ${c.expected.status}, rules say ${e.status}`);

    expect(disagreements).toEqual([]);
  });

  it('puts tags and exemptions on some clusters', () => {
    const fleet = generateFleet({ clusters: 1000, regions: 1, now: NOW });

    expect(fleet.clusters.filter((c) => c.expected.exempt).length).toBeGreaterThan(0);
    expect(fleet.clusters.filter((c) => c.tags.some((t) => t.Key === 'backtrack-check:min-window-hours')).length).toBeGreaterThan(0);
  });
});

describe('expectationsOf', () => {
  it('counts in-scope clusters per Region and in total', () => {
    const fleet = generateFleet({ clusters: 1000, regions: 4, now: NOW });

    const e = expectationsOf(fleet);

    expect(e.inScope).toBe(930);
    expect(e.regions.map((r) => r.clusters)).toEqual([250, 250, 250, 250]);
    expect(e.regions.reduce((a, r) => a + r.inScope, 0)).toBe(930);
    expect(e.byStatus).toEqual({ PASSED: 600, FAILED: 250, NOT_AVAILABLE: 80 });
    expect(e.regions.reduce((a, r) => a + r.needsMetrics, 0)).toBe(600);
  });

  it('alerts on every failure that is not exempt', () => {
    const fleet = generateFleet({ clusters: 1000, regions: 4, now: NOW });
    const exempt = fleet.clusters.filter((c) => c.expected.exempt).length;

    expect(expectationsOf(fleet).alertable).toBe(250 - exempt);
  });
});

describe('the fleet in Regions without Backtrack', () => {
  it('expects every Aurora MySQL cluster in sa-east-1 and eu-north-1 to be NOT_AVAILABLE, reading no metrics, and none elsewhere', () => {
    const fleet = generateFleet({ clusters: 1700, regions: 17, now: new Date('2026-11-25T12:00:00Z') });
    const inScope = (region: string) => (fleet.byRegion.get(region) ?? []).filter((c) => c.expected.scope === 'in-scope');

    for (const region of ['sa-east-1', 'eu-north-1']) {
      expect(inScope(region).length).toBeGreaterThan(0);
      expect(inScope(region).every((c) => c.expected.status === 'NOT_AVAILABLE' && !c.expected.needsMetrics)).toBe(true);
    }
    expect(inScope('us-east-1').some((c) => c.expected.status === 'PASSED' && c.expected.needsMetrics)).toBe(true);
  });
});

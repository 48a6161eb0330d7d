/**
 * Deployments that share one emulator at the same time without touching each other: each watches
 * its own Regions and keeps its table and topic in its own home Region, so a fault scoped to those
 * Regions reaches it alone. Fault scenarios that wait out the SDK's back-off can then overlap.
 */
import { CreateDBClusterCommand } from '@aws-sdk/client-rds';
import type { EmulatedAws, ProxyCall } from '../../emulator';
import { serviceError } from '../../emulator/aws-errors';
import { describeAll, emailSections, FIELD } from './checks';
import { deploy, type Deployment, type ReceivedAlert } from '../../emulator/deployment';
import { seedClusters, type SeedCluster } from '../../emulator/sample-account';
import { runCli, runHandler, type ScanRun, type Shell, type SummaryJson } from './shells';

const V3 = '8.0.mysql_aurora.3.05.2';
export const DAY = 86_400;
const ago = (now: Date, seconds: number) => new Date(now.getTime() - seconds * 1000).toISOString();

/** Backtrack off: FAILED, the cluster people must be told about. */
export const failing = (region: string, name = 'off'): SeedCluster => ({
  region,
  id: `${name}-${region}`,
  engine: 'aurora-mysql',
  engineVersion: V3,
  expected: { scope: 'in-scope', status: 'FAILED', condition: 'disabled' },
});

/** A full 24 h window on a 30-day-old cluster: PASSED, and judged with CloudWatch metrics. */
export const passing = (region: string): SeedCluster => ({
  region,
  id: `ok-${region}`,
  engine: 'aurora-mysql',
  engineVersion: V3,
  backtrackWindow: DAY,
  overrides: (now) => ({ ClusterCreateTime: ago(now, 30 * DAY), EarliestBacktrackTime: ago(now, DAY) }),
  expected: { scope: 'in-scope', status: 'PASSED', condition: 'ok' },
});

export type WireFault = '5xx' | 'drop';

/** What a run reports for a call that failed on every attempt with this fault: the service's own words, or the lost socket. */
export function wireReason(service: string, kind: WireFault): string {
  return kind === 'drop' ? 'socket hang up' : serviceError({ service, operation: '', region: '', protocol: 'json' }, '5xx').message;
}

/** The lines of one alert section (`CHECKER DEGRADED`, `NEW FAILURES`...), as written. */
export const entries = (alert: ReceivedAlert | undefined, heading: string): string[] =>
  emailSections(alert?.email ?? '').get(heading) ?? [];
export const headings = (alert: ReceivedAlert | undefined): string[] => [...emailSections(alert?.email ?? '').keys()];

/** One run through a shell and what it left behind. */
export interface Step {
  run: ScanRun;
  alerts: ReceivedAlert[];
  /** Per watched Region, one line per finding: `id status condition workflow recordState`. */
  findings: Record<string, string[]>;
  /** The calls this deployment made during the run. */
  calls: ProxyCall[];
}

export interface World {
  d: Deployment;
  home: string;
  regions: string[];
  clusters: SeedCluster[];
  add(c: SeedCluster): Promise<void>;
  arnOf(c: SeedCluster): string;
  step(scan: (d: Deployment) => Promise<ScanRun>): Promise<Step>;
  /** The findings now in Security Hub, in the same form as Step.findings. */
  findings(): Promise<Record<string, string[]>>;
  /** The findings each fixture cluster should have, in the same form as Step.findings. */
  expected(clusters?: SeedCluster[], suppressed?: ReadonlySet<string>): Record<string, string[]>;
}

const findingLine = (id: string, status: string, condition: string, workflow: string, recordState: string) =>
  `${id} ${status} ${condition} ${workflow} ${recordState}`;

/** Deploys the stack's resources in `home`, enables Security Hub in `regions` and seeds the clusters. */
export async function openWorld(aws: EmulatedAws, opts: { home: string; regions: string[]; clusters: SeedCluster[] }): Promise<World> {
  const d = await deploy(aws, { regions: opts.regions, homeRegion: opts.home });
  const clusters = [...opts.clusters];
  await seedClusters(
    (r) => d.rds(r),
    clusters,
    (r, id, o) => aws.proxy.setClusterOverrides(r, id, o),
  );
  const arns = new Map<string, string>();
  const learn = async () => {
    for (const [key, c] of await describeAll(d, opts.regions)) if (c.DBClusterArn) arns.set(c.DBClusterArn, key.split('/')[1] ?? key);
  };
  await learn();
  const mine = new Set([opts.home, ...opts.regions]);
  const alertsSeen = { published: 0 };

  const drain = async (): Promise<ReceivedAlert[]> => {
    const alerts = await d.drainAlerts();
    // The e-mail body comes from the Publish request: take this topic's own, not every deployment's.
    const bodies = aws.proxy.published.filter((p) => p.accepted && p.topicArn === d.topicArn).slice(alertsSeen.published);
    alertsSeen.published += bodies.length;
    alerts.forEach((a, i) => (a.email = bodies[i]?.bodies?.email ?? ''));
    return alerts;
  };

  const findings = async (): Promise<Record<string, string[]>> => {
    const out: Record<string, string[]> = {};
    for (const region of opts.regions) {
      out[region] = (await d.findings(region))
        .map((f) =>
          findingLine(
            arns.get(f.Resources?.[0]?.Id ?? '') ?? `unknown:${f.Resources?.[0]?.Id}`,
            String(f.Compliance?.Status),
            String(f.ProductFields?.[FIELD('condition')]),
            String(f.Workflow?.Status),
            String(f.RecordState),
          ),
        )
        .sort();
    }
    return out;
  };

  return {
    d,
    home: opts.home,
    regions: opts.regions,
    clusters,
    add: async (c) => {
      await d.rds(c.region).send(
        new CreateDBClusterCommand({
          DBClusterIdentifier: c.id,
          Engine: c.engine,
          EngineVersion: c.engineVersion,
          MasterUsername: 'admin',
          MasterUserPassword: 'not-a-secret-1',
        }),
      );
      clusters.push(c);
      await learn();
    },
    findings,
    arnOf: (c) => [...arns].find(([, id]) => id === c.id)?.[0] ?? `no ARN for ${c.id}`,
    step: async (scan) => {
      const after = aws.proxy.calls.at(-1)?.seq ?? 0;
      const run = await scan(d);
      const calls = aws.proxy.calls.filter((c) => c.seq > after && mine.has(c.region));
      return { run, calls, alerts: await drain(), findings: await findings() };
    },
    expected: (list = clusters, suppressed = new Set()) => {
      const out: Record<string, string[]> = {};
      for (const region of opts.regions) {
        out[region] = list
          .filter((c) => c.region === region && c.expected.scope === 'in-scope')
          .map((c) => {
            const e = c.expected as Extract<SeedCluster['expected'], { scope: 'in-scope' }>;
            const workflow = e.suppressed || suppressed.has(c.id) ? 'SUPPRESSED' : 'NEW';
            return findingLine(c.id, e.status, e.condition, workflow, 'ACTIVE');
          })
          .sort();
      }
      return out;
    },
  };
}

/** A scan of every Region the account has enabled (EC2 DescribeRegions), through either shell. */
export async function scanAllRegions(shell: Shell, d: Deployment): Promise<ScanRun> {
  if (shell.kind === 'handler') {
    const r = await runHandler(d, 'scan', { REGIONS: 'all' });
    return {
      ...r,
      ...(r.json.ok ? { summary: r.json.result as unknown as SummaryJson } : {}),
      ...(r.json.error ? { error: r.json.error } : {}),
    };
  }
  const r = await runCli(d, ['--regions', 'all']);
  const summary = r.json as SummaryJson | undefined;
  return { ...r, ...(summary && Array.isArray(summary.regions) ? { summary } : {}) };
}

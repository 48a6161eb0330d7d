import 'aws-sdk-client-mock-jest';
import { CloudWatchClient, GetMetricDataCommand } from '@aws-sdk/client-cloudwatch';
import { DescribeDBClustersCommand, RDSClient } from '@aws-sdk/client-rds';
import { GetCallerIdentityCommand, STSClient } from '@aws-sdk/client-sts';
import { mockClient } from 'aws-sdk-client-mock';
import { EXIT, main, type Io } from '../../../bin/cli';
import { parseStatuses } from '../../../bin/output/status-filter';
import { dbCluster } from '../../lambda/run-world';

const rds = mockClient(RDSClient);
const sts = mockClient(STSClient);
const cw = mockClient(CloudWatchClient);

async function scan(...flags: string[]) {
  const out: string[] = [];
  const err: string[] = [];
  const io: Io = { out: (s) => out.push(s), err: (s) => err.push(s), env: { AWS_REGION: 'eu-west-1' } };
  const code = await main(['scan', '--regions', 'eu-west-1', ...flags], io);
  return { code, out: out.join('\n'), err: err.join('\n') };
}

beforeEach(() => {
  for (const m of [rds, sts, cw]) m.reset();
  sts.on(GetCallerIdentityCommand).resolves({ Account: '111122223333', Arn: 'arn:aws:iam::111122223333:user/auditor' });
  cw.on(GetMetricDataCommand).resolves({ MetricDataResults: [] });
  // One FAILED (Backtrack off), two PASSED, one out of scope (PostgreSQL).
  rds.on(DescribeDBClustersCommand).resolves({
    DBClusters: [
      dbCluster('orders', { BacktrackWindow: 0 }),
      dbCluster('catalog'),
      dbCluster('billing'),
      dbCluster('reports', { Engine: 'aurora-postgresql', EngineVersion: '15.4', BacktrackWindow: undefined }),
    ],
  });
});

describe('--status: only these verdicts, in every format; the totals count every cluster', () => {
  it('table: the FAILED cluster only, the totals whole, and a line saying what is shown', async () => {
    const r = await scan('--status', 'failed');

    expect(r.code).toBe(EXIT.FAILED);
    expect(r.out).toMatch(/orders\s+FAILED/);
    expect(r.out).not.toContain('catalog');
    expect(r.out).toContain('1 FAILED, 0 WARNING, 2 PASSED, 0 NOT_AVAILABLE');
    expect(r.out).toContain('Shown: 1 cluster(s) with verdict FAILED (--status); the totals count every cluster.');
  });

  it('json: only the FAILED cluster in `clusters`, `statusFilter` says which filter applied, totals whole', async () => {
    const doc = JSON.parse((await scan('--status', 'FAILED', '--format', 'json')).out) as {
      clusters: { identifier: string }[];
      statusFilter: string[];
      totals: { passed: number; failed: number; outOfScope: number };
    };

    expect(doc.clusters.map((c) => c.identifier)).toEqual(['orders']);
    expect(doc.statusFilter).toEqual(['FAILED']);
    expect(doc.totals).toMatchObject({ failed: 1, passed: 2, outOfScope: 1 });
  });

  it('json without --status has no statusFilter and every cluster', async () => {
    const doc = JSON.parse((await scan('--format', 'json')).out) as { clusters: unknown[]; statusFilter?: unknown };

    expect(doc.clusters).toHaveLength(4);
    expect(doc.statusFilter).toBeUndefined();
  });

  it('csv: the header and the PASSED rows only (no out-of-scope row)', async () => {
    const rows = (await scan('--status', 'Passed', '--format', 'csv')).out.trim().split('\r\n');

    expect(rows).toHaveLength(3);
    expect(rows.slice(1).map((r) => r.split(',')[2])).toEqual(['billing', 'catalog']);
  });

  it('markdown: no FAILED row under --status PASSED, and the summary line still counts it', async () => {
    const md = (await scan('--status', 'PASSED', '--format', 'markdown')).out;

    expect(md).not.toContain('orders');
    expect(md).toContain('**1 FAILED**');
  });

  it('sarif: no result under --status WARNING while a cluster FAILED', async () => {
    const log = JSON.parse((await scan('--status', 'WARNING', '--format', 'sarif')).out) as { runs: { results: unknown[] }[] };

    expect(log.runs[0]?.results).toEqual([]);
  });

  it('asff: the findings of the chosen verdicts only', async () => {
    const findings = JSON.parse((await scan('--status', 'PASSED', '--format', 'asff')).out) as { Compliance: { Status: string } }[];

    expect(findings.map((f) => f.Compliance.Status)).toEqual(['PASSED', 'PASSED']);
  });

  it('the exit status still follows every cluster (a FAILED one hidden by --status PASSED still exits 1)', async () => {
    expect((await scan('--status', 'PASSED')).code).toBe(EXIT.FAILED);
  });

  it('a value that is no verdict exits 2 naming it, before any AWS call', async () => {
    const r = await scan('--status', 'FAILED,broken');

    expect(r.code).toBe(EXIT.USAGE);
    expect(r.err).toContain(
      '--status: "FAILED,broken" — "broken" is not a verdict; use a comma list of FAILED, WARNING, PASSED, NOT_AVAILABLE',
    );
    expect(sts).toHaveReceivedCommandTimes(GetCallerIdentityCommand, 0);
  });
});

describe('parseStatuses', () => {
  it('takes any case and spaces, each verdict once', () => {
    expect(parseStatuses(' failed, Warning ,FAILED')).toEqual({ ok: ['FAILED', 'WARNING'] });
  });

  it('refuses an empty value', () => {
    expect(parseStatuses('')).toHaveProperty('problem');
  });
});

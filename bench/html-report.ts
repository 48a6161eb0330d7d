/// <reference lib="dom" />
// The measurement in the page (page.evaluate) runs on the browser's DOM types.
/**
 * How `--format html` holds up at fleet scale: a page of N clusters (default 10,000 over 17
 * Regions, every verdict, a tenth exempt) rendered by the CLI's own renderer, then loaded by the
 * headless Chromium of bench/browser.ts. Prints the page's size (and gzipped), the time to render
 * it, the browser's time to load and first paint it, and the time one filter takes.
 *
 * Run: `npx tsx bench/html-report.ts [--clusters 10000] [--accounts 1]`. It asserts nothing.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { gzipSync } from 'node:zlib';
import { parseArgs } from 'node:util';
import type { AccountsSummary } from '../lambda/accounts';
import { evaluate } from '../lambda/core/evaluate';
import type { ClusterFacts, Evaluation, Policy } from '../lambda/core/types';
import type { RunSummary } from '../lambda/run';
import { renderAccountsHtml, renderHtml } from '../bin/output/html';
import { launchBrowser } from './browser';

const REGIONS = ['us-east-1', 'us-east-2', 'us-west-1', 'us-west-2', 'ca-central-1', 'eu-west-1', 'eu-west-2', 'eu-west-3'].concat(
  ['eu-central-1', 'eu-north-1', 'ap-south-1', 'ap-northeast-1', 'ap-northeast-2', 'ap-northeast-3', 'ap-southeast-1'],
  ['ap-southeast-2', 'sa-east-1'],
);
const NOW = new Date();
const POLICY: Policy = {
  minWindowHours: 24,
  tagPrefix: 'backtrack-check:',
  exemptTagKey: 'backtrack-check:exempt',
  maxExemptionDays: 90,
  backtrackRegions: [],
};
const WINDOWS = [0, 3_600, 86_400, 172_800, 259_200];

/** Cluster `i` of account `accountId`: windows from off to 72 h, some with an exemption tag. */
function facts(accountId: string, i: number): ClusterFacts {
  const region = REGIONS[i % REGIONS.length] ?? 'us-east-1';
  const identifier = `cluster-${String(i).padStart(5, '0')}`;
  const exempt = i % 10 === 3;
  return {
    region,
    identifier,
    arn: `arn:aws:rds:${region}:${accountId}:cluster:${identifier}`,
    resourceId: `cluster-${i}`,
    engine: 'aurora-mysql',
    engineVersion: '8.0.mysql_aurora.3.05.2',
    engineMode: i % 50 === 7 ? 'serverless' : 'provisioned',
    backtrackWindowSeconds: WINDOWS[i % WINDOWS.length],
    earliestBacktrackTime: new Date(NOW.getTime() - (i % 3 === 0 ? 20 : 80) * 3_600_000),
    createdAt: new Date(NOW.getTime() - 90 * 86_400_000),
    readReplicaIdentifiers: [],
    serverlessV2: false,
    tags: exempt
      ? {
          'backtrack-check:exempt': 'true',
          'backtrack-check:exempt-reason': 'migration planned',
          'backtrack-check:exempt-until': '2099-01-01',
        }
      : {},
  };
}

function summaryOf(accountId: string, from: number, count: number): RunSummary {
  const evaluations: Evaluation[] = [];
  for (let i = from; i < from + count; i++) evaluations.push(evaluate(facts(accountId, i), POLICY, NOW));
  const n = (f: (e: Evaluation) => boolean) => evaluations.filter(f).length;
  const regions = REGIONS.map((region) => {
    const here = evaluations.filter((e) => e.cluster.region === region);
    const by = (s: string) => here.filter((e) => e.status === s).length;
    return {
      region,
      scanned: true,
      clusters: here.length,
      outOfScope: 0,
      byStatus: { FAILED: by('FAILED'), WARNING: by('WARNING'), PASSED: by('PASSED'), NOT_AVAILABLE: by('NOT_AVAILABLE') },
      suppressed: here.filter((e) => e.exemption.active).length,
      failedUnsuppressed: here.filter((e) => e.status === 'FAILED' && !e.exemption.active).length,
      rejected: [],
      findings: { imported: 0, failed: 0 },
      archived: 0,
    };
  });
  return {
    mode: 'scan',
    accountId,
    partition: 'aws',
    startedAt: NOW.toISOString(),
    finishedAt: new Date(NOW.getTime() + 7_000).toISOString(),
    regions,
    totals: {
      clusters: count,
      inScope: count,
      outOfScope: 0,
      failed: n((e) => e.status === 'FAILED'),
      failedUnsuppressed: n((e) => e.status === 'FAILED' && !e.exemption.active),
      warning: n((e) => e.status === 'WARNING'),
      passed: n((e) => e.status === 'PASSED'),
      notAvailable: n((e) => e.status === 'NOT_AVAILABLE'),
      suppressed: n((e) => e.exemption.active),
      notScannedRegions: 0,
      rejectedClusters: 0,
    },
    events: [],
    degraded: [],
    tagProblems: [],
    evaluations,
  };
}

/** The page, and the time its rendering took (the clusters judged beforehand). */
function page(clusters: number, accounts: number): { html: string; renderMs: number } {
  const timed = (render: () => string) => {
    const start = performance.now();
    const html = render();
    return { html, renderMs: performance.now() - start };
  };
  if (accounts === 1) {
    const s = summaryOf('111122223333', 0, clusters);
    return timed(() => renderHtml(s));
  }
  const per = Math.ceil(clusters / accounts);
  const outcomes = Array.from({ length: accounts }, (_, a) => {
    const accountId = String(100_000_000_000 + a);
    return { accountId, summary: summaryOf(accountId, a * per, Math.min(per, clusters - a * per)) };
  });
  const totals = outcomes.map((o) => o.summary.totals);
  const sum = (k: keyof RunSummary['totals']) => totals.reduce((x, t) => x + t[k], 0);
  const s: AccountsSummary = {
    callerAccountId: '111122223333',
    partition: 'aws',
    startedAt: NOW.toISOString(),
    finishedAt: NOW.toISOString(),
    accounts: outcomes,
    totals: {
      ...(Object.fromEntries(Object.keys(totals[0] ?? {}).map((k) => [k, sum(k as keyof RunSummary['totals'])])) as RunSummary['totals']),
      accounts,
      accountsAudited: accounts,
      accountsNotAudited: 0,
    },
  };
  return timed(() => renderAccountsHtml(s));
}

async function main(): Promise<void> {
  const { values } = parseArgs({ options: { clusters: { type: 'string', default: '10000' }, accounts: { type: 'string', default: '1' } } });
  const clusters = Number(values.clusters);
  const accounts = Number(values.accounts);
  const { html, renderMs } = page(clusters, accounts);
  const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'html-bench-')), 'report.html');
  fs.writeFileSync(file, html);
  const browser = await launchBrowser();
  try {
    const tab = await browser.newPage();
    await tab.setViewport({ width: 1280, height: 900 });
    await tab.goto(`file://${file}`, { waitUntil: 'load', timeout: 120_000 });
    const timing = await tab.evaluate(() => {
      const nav = performance.getEntriesByType('navigation')[0] as PerformanceNavigationTiming;
      const paint = performance.getEntriesByName('first-contentful-paint')[0];
      return { load: nav.loadEventEnd, paint: paint?.startTime ?? NaN };
    });
    const filterMs = await tab.evaluate(() => {
      const select = document.querySelector<HTMLSelectElement>('#filters select[name=verdict]');
      if (!select) return NaN;
      const start = performance.now();
      select.value = 'FAILED';
      select.dispatchEvent(new Event('change', { bubbles: true }));
      document.body.getBoundingClientRect(); // the layout the change causes
      return performance.now() - start;
    });
    const rows = await tab.$$eval('#clusters tbody tr', (r) => r.length);
    const mib = (bytes: number) => (bytes / 1_048_576).toFixed(2);
    console.log(
      `${clusters} clusters, ${accounts} account(s), ${rows} rows: ${mib(Buffer.byteLength(html))} MiB (${mib(gzipSync(html).length)} MiB gzipped); ` +
        `rendered in ${renderMs.toFixed(0)} ms; browser: first paint ${timing.paint.toFixed(0)} ms, load ${timing.load.toFixed(0)} ms; ` +
        `verdict filter ${filterMs.toFixed(0)} ms`,
    );
  } finally {
    await browser.close();
    fs.rmSync(path.dirname(file), { recursive: true, force: true });
  }
}

void main();

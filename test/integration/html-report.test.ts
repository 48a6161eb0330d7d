/// <reference lib="dom" />
// The callbacks given to the browser (page.$$eval) run there, on its DOM types.
/**
 * `--format html` in a real browser: the built CLI (bin/aurora-backtrack-check.js → dist/cli/)
 * scans the emulated account (clusters of every verdict, and tags written to attack the page),
 * writes the page with `--output`, and headless Chromium (bench/browser.ts) loads the file: it
 * counts the rows, applies the filters, checks that the hostile tag values are text and that no
 * script ran from them, and reads the page again with JavaScript off. Then the same for an audit
 * of an organization (`scan --accounts`). One browser for the whole file.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { Browser, Page } from 'puppeteer-core';
import type { EmulatedAws } from '../../emulator';
import type { Deployment } from '../../emulator/deployment';
import { createOrganization } from '../../emulator/organization';
import { SAMPLE_ACCOUNT, V3, type SeedCluster } from '../../emulator/sample-account';
import { launchBrowser } from '../../bench/browser';
import { freshAccount, useEmulatedAws } from './emulated-account';
import { runCli, runCliArgs } from './shells';

jest.setTimeout(180_000);

/** Markup, a script break-out and an attribute break-out, as a tag value. */
const HOSTILE = `<img src=x onerror=alert(1)></script><script>alert(2);document.title='owned'</script>" onmouseover="alert(3)`;

const HOSTILE_CLUSTERS: SeedCluster[] = [
  {
    region: 'eu-west-1',
    id: 'hostile-exempt-reason',
    engine: 'aurora-mysql',
    engineVersion: V3,
    tags: { 'backtrack-check:exempt': 'true', 'backtrack-check:exempt-reason': HOSTILE, 'backtrack-check:exempt-until': '2099-12-31' },
    expected: { scope: 'in-scope', status: 'FAILED', condition: 'disabled', suppressed: true },
  },
  {
    region: 'eu-west-1',
    id: 'hostile-exempt-value',
    engine: 'aurora-mysql',
    engineVersion: V3,
    tags: { 'backtrack-check:exempt': HOSTILE },
    expected: { scope: 'in-scope', status: 'FAILED', condition: 'disabled' },
  },
];

const ACCOUNT = [...SAMPLE_ACCOUNT, ...HOSTILE_CLUSTERS];
const IN_SCOPE = ACCOUNT.filter((c) => c.expected.scope === 'in-scope');
const idsWhere = (match: (c: SeedCluster) => boolean) =>
  IN_SCOPE.filter(match)
    .map((c) => c.id)
    .sort();
const statusOf = (c: SeedCluster) => (c.expected.scope === 'in-scope' ? c.expected.status : undefined);

let aws: EmulatedAws;
let browser: Browser;
const outDir = fs.mkdtempSync(path.join(os.tmpdir(), 'html-report-'));
useEmulatedAws((started) => (aws = started));

beforeAll(async () => {
  browser = await launchBrowser();
}, 120_000);

afterAll(async () => {
  await browser?.close();
  fs.rmSync(outDir, { recursive: true, force: true });
});

/** A page of the browser with the file loaded; every dialog a script opens is recorded (and dismissed). */
async function open(file: string, javaScript = true): Promise<{ page: Page; dialogs: string[]; console: string[] }> {
  const page = await browser.newPage();
  const dialogs: string[] = [];
  const console: string[] = [];
  page.on('dialog', (d) => {
    dialogs.push(d.message());
    void d.dismiss();
  });
  page.on('console', (m) => console.push(`${m.type()}: ${m.text()}`));
  await page.setJavaScriptEnabled(javaScript);
  await page.goto(`file://${file}`, { waitUntil: 'load' });
  return { page, dialogs, console };
}

/** The identifiers of the clusters' table rows that the browser lays out (a hidden row has no box). */
const shownIds = (page: Page) =>
  page.$$eval('#clusters tbody tr', (rows) =>
    rows
      .filter((r) => r.getClientRects().length > 0)
      .map((r) => r.cells[1]?.querySelector('a')?.textContent ?? '')
      .sort(),
  );

/** Chooses a filter value (as a person would: the select changes and tells the page). */
async function filter(page: Page, name: 'verdict' | 'account' | 'region', value: string): Promise<void> {
  await page.select(`#filters select[name=${name}]`, value);
}

describe('aurora-backtrack-check scan --format html, in headless Chromium', () => {
  let d: Deployment;
  let file: string;
  let code: number;

  beforeAll(async () => {
    d = await freshAccount(aws, ACCOUNT);
    file = path.join(outDir, 'scan.html');
    const r = await runCli(d, ['--format', 'html', '--output', file, '--quiet']);
    code = r.code;
    if (!fs.existsSync(file)) throw new Error(`the CLI wrote no page (exit ${r.code})\n${r.stderr}`);
  });

  it('writes one page whose table has a row per Aurora MySQL cluster, and exits 1 for the FAILED ones', async () => {
    const { page, console } = await open(file);
    expect(code).toBe(1);
    expect(await shownIds(page)).toEqual(idsWhere(() => true));
    expect(await page.$eval('#shown', (e) => e.textContent)).toBe(`${IN_SCOPE.length} of ${IN_SCOPE.length} clusters shown`);
    // The page's own script ran under its Content-Security-Policy (it showed the filters), and nothing was refused.
    expect(await page.$eval('#filters', (e) => e.hasAttribute('hidden'))).toBe(false);
    expect(console.filter((m) => /Content Security Policy|Refused/i.test(m))).toEqual([]);
    await page.close();
  });

  it('filters the table by verdict, by Region and by both, and by exemption', async () => {
    const { page } = await open(file);
    await filter(page, 'verdict', 'FAILED');
    expect(await shownIds(page)).toEqual(idsWhere((c) => statusOf(c) === 'FAILED'));
    await filter(page, 'region', 'us-east-1');
    expect(await shownIds(page)).toEqual(idsWhere((c) => statusOf(c) === 'FAILED' && c.region === 'us-east-1'));
    await filter(page, 'verdict', '');
    expect(await shownIds(page)).toEqual(idsWhere((c) => c.region === 'us-east-1'));
    await filter(page, 'region', '');
    await filter(page, 'verdict', 'WARNING');
    expect(await shownIds(page)).toEqual(idsWhere((c) => statusOf(c) === 'WARNING'));
    expect((await shownIds(page)).length).toBeGreaterThan(0);
    await filter(page, 'verdict', 'exempt');
    expect(await shownIds(page)).toEqual(idsWhere((c) => c.expected.scope === 'in-scope' && c.expected.suppressed === true));
    expect(await page.$eval('#shown', (e) => e.textContent)).toMatch(new RegExp(`^\\d+ of ${IN_SCOPE.length} clusters shown$`));
    await page.close();
  });

  it('shows a hostile tag value as text: no element is made from it and no script runs', async () => {
    const { page, dialogs } = await open(file);
    const reason = await page.$$eval('#exemption-list tbody tr', (rows) =>
      rows.filter((r) => r.cells[0]?.textContent === 'hostile-exempt-reason').map((r) => r.cells[7]?.textContent),
    );
    expect(reason).toEqual([HOSTILE]);
    expect(await page.$eval('#problems', (e) => e.textContent)).toContain(`tag backtrack-check:exempt is "${HOSTILE}"`);
    expect(await page.$$eval('img', (imgs) => imgs.length)).toBe(0);
    expect(await page.$$eval('script', (scripts) => scripts.length)).toBe(1);
    expect(await page.$$eval('[onmouseover], [onerror]', (els) => els.length)).toBe(0);
    await page.hover('#exemption-list tbody tr td:nth-child(8)');
    expect(await page.title()).toMatch(/^Aurora Backtrack check — account \d{12}$/);
    expect(dialogs).toEqual([]);
    await page.close();
  });

  it('reads without JavaScript: every identifier, the window pictures and the charts are in the markup', async () => {
    const { page } = await open(file, false);
    expect(await shownIds(page)).toEqual(idsWhere(() => true));
    expect(await page.$$eval('#clusters tbody svg.bar line.min', (lines) => lines.length)).toBe(IN_SCOPE.length);
    expect(await page.$$eval('svg.chart', (charts) => charts.map((c) => c.getAttribute('aria-label')))).toEqual(['Verdicts by Region']);
    expect(await page.$$eval('svg.chart rect', (bars) => bars.length)).toBeGreaterThanOrEqual(3);
    // The filters need the script: without it they stay out of the way.
    expect(await page.$eval('#filters', (e) => e.hasAttribute('hidden'))).toBe(true);
    const text = await page.$eval('body', (b) => b.innerText);
    expect(text).toContain('How the scan ran');
    expect(text).toMatch(/Tool\s+aurora-backtrack-checker \d+\.\d+\.\d+/);
    expect(text).toMatch(/Required minimum\s+24 h/);
    await page.close();
  });
});

describe('aurora-backtrack-check scan --accounts --format html, in headless Chromium', () => {
  const REGION = 'eu-west-1';
  const ROLE = 'BacktrackAudit';
  const cluster = (id: string, backtrackWindow: number, tags?: Record<string, string>): SeedCluster => ({
    region: REGION,
    id,
    engine: 'aurora-mysql',
    engineVersion: V3,
    backtrackWindow,
    ...(tags ? { tags } : {}),
    expected: backtrackWindow
      ? { scope: 'in-scope', status: 'PASSED', condition: 'ok' }
      : { scope: 'in-scope', status: 'FAILED', condition: 'disabled' },
  });
  let file: string;
  let management: string;
  let memberA: string;
  let noRole: string;

  beforeAll(async () => {
    await aws.reset();
    const org = await createOrganization(aws, {
      roleName: ROLE,
      management: { clusters: [cluster('mgmt-ok', 86_400)] },
      members: [
        { name: 'member-a', clusters: [cluster('a-off', 0), cluster('a-hostile', 0, { 'backtrack-check:exempt': HOSTILE })] },
        { name: 'member-without-role', clusters: [cluster('hidden-off', 0)], auditRole: false },
      ],
    });
    management = org.managementAccountId;
    memberA = org.members.get('member-a') as string;
    noRole = org.members.get('member-without-role') as string;
    file = path.join(outDir, 'accounts.html');
    const args = ['scan', '--accounts', 'all', '--role-name', ROLE, '--regions', REGION, '--no-actual-window'];
    const r = await runCliArgs([...args, '--format', 'html', '--output', file, '--quiet'], aws.env('us-east-1'));
    expect(r.code).toBe(3);
  });

  it("has every audited account's clusters, filters them by account, and names the account not audited", async () => {
    const { page, dialogs } = await open(file);
    expect(await shownIds(page)).toEqual(['a-hostile', 'a-off', 'mgmt-ok']);
    await filter(page, 'account', memberA);
    expect(await shownIds(page)).toEqual(['a-hostile', 'a-off']);
    await filter(page, 'verdict', 'PASSED');
    expect(await shownIds(page)).toEqual([]);
    await filter(page, 'account', management);
    expect(await shownIds(page)).toEqual(['mgmt-ok']);
    expect(await page.$$eval('svg.chart', (charts) => charts.map((c) => c.getAttribute('aria-label')))).toEqual([
      'Verdicts by account',
      'Verdicts by Region',
    ]);
    expect(await page.$$eval('svg.chart[aria-label="Verdicts by account"] text', (t) => t.map((x) => x.textContent))).toContain(
      'NOT AUDITED',
    );
    const problems = await page.$eval('#problems', (e) => e.textContent ?? '');
    expect(problems).toContain(`account ${noRole} NOT AUDITED: `);
    expect(problems).toContain(`arn:aws:iam::${noRole}:role/${ROLE}`);
    expect(problems).toContain(`tag backtrack-check:exempt is "${HOSTILE}"`);
    expect(await page.$$eval('img', (imgs) => imgs.length)).toBe(0);
    expect(dialogs).toEqual([]);
    await page.close();
  });

  it('reads without JavaScript, with the account of every row', async () => {
    const { page } = await open(file, false);
    const rows = await page.$$eval('#clusters tbody tr', (trs) =>
      trs.map((r) => `${r.cells[2]?.textContent} ${r.cells[1]?.querySelector('a')?.textContent}`),
    );
    expect(rows.sort()).toEqual([`${management} mgmt-ok`, `${memberA} a-hostile`, `${memberA} a-off`].sort());
    expect(await page.$$eval('#clusters svg.bar', (bars) => bars.length)).toBe(3);
    await page.close();
  });
});

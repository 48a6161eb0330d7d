/**
 * Every `--format` of the real CLI (bin/aurora-backtrack-check.js → dist/cli/) against the
 * emulated account, read back as a pipeline would: CSV parsed, SARIF validated against the 2.1.0
 * schema, ASFF compared with what Security Hub holds, Markdown and JSON checked.
 */
import '@microsoft/jest-sarif';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { parse } from 'csv-parse/sync';
import type { Log } from 'sarif';
import type { EmulatedAws } from '../../emulator';
import type { Deployment } from '../../emulator/deployment';
import { freshAccount, useEmulatedAws } from './emulated-account';
import { SAMPLE_ACCOUNT } from '../../emulator/sample-account';
import { runCli } from './shells';

jest.setTimeout(120_000);

const ACCOUNT = SAMPLE_ACCOUNT.filter((c) => c.region === 'eu-west-1');
const AURORA_MYSQL = ACCOUNT.filter((c) => c.engine === 'aurora-mysql' || c.engine === 'aurora');

let aws: EmulatedAws;
let d: Deployment;
useEmulatedAws((started) => (aws = started));

beforeAll(async () => {
  d = await freshAccount(aws, ACCOUNT);
});

describe('aurora-backtrack-check scan --format', () => {
  it('csv: one parsable row per cluster, Aurora MySQL or not', async () => {
    const r = await runCli(d, ['--format', 'csv']);
    const rows = parse<Record<string, string>>(r.stdout, { columns: true });
    expect(rows.map((x) => x.cluster).sort()).toEqual(ACCOUNT.map((c) => c.id).sort());
    expect(rows.find((x) => x.cluster === 'shop-v3-off')).toMatchObject({ status: 'FAILED', condition: 'disabled', region: 'eu-west-1' });
    expect(rows.find((x) => x.cluster === 'multi-az-mysql')).toMatchObject({ scope: 'out-of-scope' });
  });

  it('sarif: a valid SARIF 2.1.0 log with one result per FAILED or WARNING cluster', async () => {
    const r = await runCli(d, ['--format', 'sarif']);
    const log = JSON.parse(r.stdout) as Log;
    expect(log).toBeValidSarifLog();
    const named = (log.runs[0]?.results ?? []).map((x) => x.locations?.[0]?.logicalLocations?.[0]?.name).sort();
    const json = JSON.parse((await runCli(d, ['--format', 'json'])).stdout) as { clusters: { identifier: string; status: string }[] };
    expect(named).toEqual(
      json.clusters
        .filter((c) => c.status === 'FAILED' || c.status === 'WARNING')
        .map((c) => c.identifier)
        .sort(),
    );
    expect(named.length).toBeGreaterThan(0);
  });

  it('asff: the findings exactly as they are imported into Security Hub', async () => {
    const r = await runCli(d, ['--format', 'asff', '--publish-findings']);
    const printed = JSON.parse(r.stdout) as { Id: string; Compliance: { Status: string }; Title: string }[];
    const imported = await d.findings('eu-west-1');
    expect(printed.map((f) => f.Id).sort()).toEqual(imported.map((f) => f.Id).sort());
    for (const f of printed) {
      const twin = imported.find((i) => i.Id === f.Id);
      expect({ status: twin?.Compliance?.Status, title: twin?.Title }).toEqual({ status: f.Compliance.Status, title: f.Title });
    }
    expect(printed.length).toBeLessThanOrEqual(AURORA_MYSQL.length);
  });

  it('markdown: a ticket-ready report naming the failing clusters', async () => {
    const r = await runCli(d, ['--format', 'markdown']);
    expect(r.stdout).toMatch(/^## Aurora Backtrack check — account \d{12}/);
    expect(r.stdout).toContain('| FAILED | shop-v3-off | eu-west-1 |');
  });

  it('json with --output: the document goes to the file, stdout stays empty', async () => {
    const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'cli-json-')), 'out.json');
    const r = await runCli(d, ['--format', 'json', '--output', file, '--quiet']);
    expect(r.stdout).toBe('');
    expect(JSON.parse(fs.readFileSync(file, 'utf8'))).toMatchObject({ schemaVersion: '1.0', totals: { clusters: ACCOUNT.length } });
  });
});

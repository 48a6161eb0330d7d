/**
 * The real CLI (bin/aurora-backtrack-check.js → dist/cli/) against the emulated account, as a new
 * user meets it: `--status`, a `--cluster` that matches nothing, a Region code with a typo.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { EmulatedAws } from '../../emulator';
import type { Deployment } from '../../emulator/deployment';
import { SAMPLE_ACCOUNT } from '../../emulator/sample-account';
import { freshAccount, useEmulatedAws } from './emulated-account';
import { runCliArgs } from './shells';

jest.setTimeout(120_000);

const ACCOUNT = SAMPLE_ACCOUNT.filter((c) => c.region === 'eu-west-1');
const ATTENTION = ACCOUNT.filter((c) => c.expected.scope === 'in-scope' && ['FAILED', 'WARNING'].includes(c.expected.status ?? ''));

let aws: EmulatedAws;
let d: Deployment;
useEmulatedAws((started) => (aws = started));

beforeAll(async () => {
  d = await freshAccount(aws, ACCOUNT);
});

const scan = (...args: string[]) => runCliArgs(['scan', '--regions', 'eu-west-1', ...args], d.emulatorEnv());

describe('aurora-backtrack-check scan, the first hour', () => {
  it('--status failed,WARNING: only those clusters in the JSON, statusFilter set, totals over every cluster', async () => {
    const r = await scan('--status', 'failed,WARNING', '--format', 'JSON');
    const doc = JSON.parse(r.stdout) as { clusters: { identifier: string }[]; statusFilter: string[]; totals: { clusters: number } };

    expect(doc.statusFilter).toEqual(['FAILED', 'WARNING']);
    expect(doc.clusters.map((c) => c.identifier).sort()).toEqual(ATTENTION.map((c) => c.id).sort());
    expect(doc.totals.clusters).toBe(ACCOUNT.length);
  });

  it('--status PASSED in the table: no FAILED row, no reasons header, the totals still count the failures', async () => {
    const r = await scan('--status', 'PASSED', '--output', path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'status-')), 'out.txt'));
    expect(r.code).toBe(1);
    const file = r.stderr.match(/wrote (\S+)/)?.[1] ?? '';
    const table = fs.readFileSync(file, 'utf8');

    expect(table).not.toMatch(/\sFAILED\s+(disabled|below-policy)/);
    expect(table).not.toContain('Reasons and fixes');
    expect(table).toMatch(/Totals: .* — [1-9]\d* FAILED, \d+ WARNING, \d+ PASSED, \d+ NOT_AVAILABLE; \d+ exempt; /);
  });

  it("--cluster 'nomatch-*' exits 2 naming the pattern, the Region and how many clusters it holds", async () => {
    const r = await scan('--cluster', 'nomatch-*');

    expect(r.code).toBe(2);
    expect(r.stderr).toContain(`--cluster: "nomatch-*" matched none of the ${ACCOUNT.length} cluster(s) in eu-west-1`);
  });

  it('--regions eu-west-99 exits 2 with "did you mean", and no call reaches the emulator', async () => {
    aws.proxy.clearCalls();
    const r = await runCliArgs(['scan', '--regions', 'eu-west-99'], d.emulatorEnv());

    expect(r.code).toBe(2);
    expect(r.stderr).toContain('did you mean eu-west-1');
    expect(r.stderr).toContain('--allow-new-regions');
    expect(aws.proxy.calls).toEqual([]);
  });
});

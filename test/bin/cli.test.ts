import 'aws-sdk-client-mock-jest';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { CloudWatchClient, GetMetricDataCommand } from '@aws-sdk/client-cloudwatch';
import { DescribeDBClustersCommand, RDSClient } from '@aws-sdk/client-rds';
import { BatchImportFindingsCommand, SecurityHubClient } from '@aws-sdk/client-securityhub';
import { PublishCommand, SNSClient } from '@aws-sdk/client-sns';
import { GetCallerIdentityCommand, STSClient } from '@aws-sdk/client-sts';
import { mockClient } from 'aws-sdk-client-mock';
import { buildProgram, EXIT, exitCodeFor, hintFor, main, type Io } from '../../bin/cli';
import type { RunSummary } from '../../lambda/run';
import { dbCluster } from '../lambda/run-world';

const rds = mockClient(RDSClient);
const sts = mockClient(STSClient);
const cw = mockClient(CloudWatchClient);
const sh = mockClient(SecurityHubClient);
const sns = mockClient(SNSClient);

interface Captured {
  io: Io;
  out: () => string;
  err: () => string;
}

function capture(env: NodeJS.ProcessEnv = { AWS_REGION: 'eu-west-1' }): Captured {
  const out: string[] = [];
  const err: string[] = [];
  return { io: { out: (s) => out.push(s), err: (s) => err.push(s), env }, out: () => out.join('\n'), err: () => err.join('\n') };
}

beforeEach(() => {
  for (const m of [rds, sts, cw, sh, sns]) m.reset();
  sts.on(GetCallerIdentityCommand).resolves({ Account: '111122223333', Arn: 'arn:aws:iam::111122223333:user/auditor' });
  cw.on(GetMetricDataCommand).resolves({ MetricDataResults: [] });
});

describe('main: usage', () => {
  it('--help exits 0 and documents every flag of the scan command and the exit statuses', async () => {
    const c = capture();
    const scan = buildProgram(c.io, () => undefined).commands.find((cmd) => cmd.name() === 'scan');
    const flags = scan?.options.map((o) => o.long) ?? [];

    const code = await main(['--help'], c.io);

    expect(code).toBe(EXIT.OK);
    expect(flags).toEqual(
      expect.arrayContaining([
        '--regions',
        '--min-window-hours',
        '--exempt-tag-key',
        '--format',
        '--publish-findings',
        '--alert-topic-arn',
        '--state-table',
      ]),
    );
    for (const flag of flags) expect(c.out()).toContain(flag);
    expect(c.out()).toContain(
      [
        'Exit status:',
        '  0  no cluster FAILED (with --fail-on warning: nor WARNING)',
        '  1  at least one cluster FAILED; exempt clusters do not count',
        '  2  usage or configuration error',
        '  3  a Region not scanned or a publish step failed (takes precedence over 1)',
      ].join('\n'),
    );
    // No line of the help is wrapped mid-sentence by the terminal width.
    expect(
      c
        .out()
        .split('\n')
        .filter((l) => l.length > 80),
    ).toEqual([]);
  });

  it('scan --help exits 0', async () => {
    const c = capture();

    expect(await main(['scan', '--help'], c.io)).toBe(EXIT.OK);
    expect(c.out()).toContain('--min-window-hours <hours>');
  });

  it('prints the help and exits 2 when run without a command', async () => {
    const c = capture();

    expect(await main([], c.io)).toBe(EXIT.USAGE);
    expect(c.out()).toContain('Usage: aurora-backtrack-check');
  });

  it.each([
    ['--min-window-hours', 'abc'],
    ['--min-window-hours', '73'],
    ['--regions', 'mars-1'],
    ['--page-size', '5'],
    ['--alert-topic-arn', 'not-an-arn'],
    ['--tag-prefix', 'aws:reserved'],
    ['--exempt-tag-key', 'aws:exempt'],
    ['--state-table', 'x'],
  ])('a bad value for %s (%j) exits 2 naming the flag, without a stack trace or any AWS call', async (flag, value) => {
    const c = capture();

    const code = await main(['scan', flag, value], c.io);

    expect(code).toBe(EXIT.USAGE);
    expect(c.err()).toMatch(new RegExp(`${flag}: "?${value}`));
    expect(c.err()).not.toMatch(/\n\s+at /);
    expect(sts).toHaveReceivedCommandTimes(GetCallerIdentityCommand, 0);
  });

  it('names every bad flag at once', async () => {
    const c = capture();

    const code = await main(['scan', '--regions', 'mars-1', '--min-window-hours', 'abc', '--page-size', '500'], c.io);

    expect(code).toBe(EXIT.USAGE);
    expect(c.err()).toMatch(/--regions[\s\S]*--min-window-hours[\s\S]*--page-size/);
  });

  it('a --format that is not table or json exits 2 naming the flag', async () => {
    const c = capture();

    expect(await main(['scan', '--format', 'xml'], c.io)).toBe(EXIT.USAGE);
    expect(c.err()).toContain('--format');
  });

  it.each([
    ['an unknown option', ['scan', '--bogus']],
    ['an unknown command', ['audit']],
    ['a missing option value', ['scan', '--regions']],
  ])('%s exits 2', async (_name, argv) => {
    const c = capture();

    expect(await main(argv, c.io)).toBe(EXIT.USAGE);
    expect(c.err()).toContain('error:');
  });

  it('--regions "" exits 2 naming the flag instead of scanning every Region', async () => {
    const c = capture();

    const code = await main(['scan', '--regions', ''], c.io);

    expect(code).toBe(EXIT.USAGE);
    expect(c.err()).toContain('--regions: "" — empty; give a comma list of Region codes');
    expect(sts).toHaveReceivedCommandTimes(GetCallerIdentityCommand, 0);
  });

  it.each([
    ['9', 'out of range 10–3600'],
    ['3601', 'out of range 10–3600'],
    ['0', 'out of range 10–3600'],
    ['1.5', 'use a whole number of seconds from 10 to 3600'],
    ['abc', 'use a whole number of seconds from 10 to 3600'],
  ])('--timeout %s exits 2: %s', async (value, message) => {
    const c = capture();

    expect(await main(['scan', '--regions', 'eu-west-1', '--timeout', value], c.io)).toBe(EXIT.USAGE);
    expect(c.err()).toContain(`--timeout: "${value}" — ${message}`);
    expect(sts).toHaveReceivedCommandTimes(GetCallerIdentityCommand, 0);
  });

  it('names a bad --timeout together with the other bad flags', async () => {
    const c = capture();

    expect(await main(['scan', '--regions', 'mars-1', '--timeout', '5'], c.io)).toBe(EXIT.USAGE);
    expect(c.err()).toMatch(/--regions: [\s\S]*--timeout: "5"/);
  });

  it('exits 2 when no Region is known for STS and the state table', async () => {
    const c = capture({});

    expect(await main(['scan'], c.io)).toBe(EXIT.USAGE);
    expect(c.err()).toContain('no AWS Region');
  });
});

describe('main: scan', () => {
  it('exits 1 and prints the table when a cluster FAILED, reading only (no findings, no alert)', async () => {
    rds.on(DescribeDBClustersCommand).resolves({ DBClusters: [dbCluster('orders', { BacktrackWindow: 0 }), dbCluster('catalog')] });
    const c = capture();

    const code = await main(['scan', '--regions', 'eu-west-1'], c.io);

    expect(code).toBe(EXIT.FAILED);
    expect(c.out()).toMatch(/eu-west-1\s+orders\s+FAILED\s+disabled/);
    expect(c.out()).toMatch(/eu-west-1\s+catalog\s+PASSED/);
    expect(sh).toHaveReceivedCommandTimes(BatchImportFindingsCommand, 0);
    expect(sns).toHaveReceivedCommandTimes(PublishCommand, 0);
  });

  it('exits 0 and prints JSON when nothing FAILED', async () => {
    rds.on(DescribeDBClustersCommand).resolves({ DBClusters: [dbCluster('catalog')] });
    const c = capture();

    const code = await main(['scan', '--regions', 'eu-west-1', '--format', 'json', '--min-window-hours', '1.5'], c.io);

    expect(code).toBe(EXIT.OK);
    const out = JSON.parse(c.out()) as { clusters: { identifier: string; status: string; requiredWindowSeconds: number }[] };
    expect(out.clusters).toEqual([expect.objectContaining({ identifier: 'catalog', status: 'PASSED', requiredWindowSeconds: 5_400 })]);
  });

  it('exits 3 when a Region could not be scanned, even with a FAILED cluster elsewhere', async () => {
    rds.on(DescribeDBClustersCommand).callsFake(async (_input: unknown, getClient: () => RDSClient) => {
      if ((await getClient().config.region()) === 'us-east-1') throw Object.assign(new Error('not authorized'), { name: 'AccessDenied' });
      return { DBClusters: [dbCluster('orders', { BacktrackWindow: 0 })] };
    });
    const c = capture();

    const code = await main(['scan', '--regions', 'eu-west-1,us-east-1'], c.io);

    expect(code).toBe(EXIT.DEGRADED);
    expect(c.out()).toContain('us-east-1 (NOT SCANNED)');
  });

  it.each(['10', '3600'])('accepts --timeout %s', async (value) => {
    rds.on(DescribeDBClustersCommand).resolves({ DBClusters: [dbCluster('catalog')] });
    const c = capture();

    expect(await main(['scan', '--regions', 'eu-west-1', '--timeout', value], c.io)).toBe(EXIT.OK);
  });

  it('exits 3 within --timeout when a Region never answers, naming it and judging the others', async () => {
    rds.on(DescribeDBClustersCommand).callsFake(async (_input: unknown, getClient: () => RDSClient) => {
      if ((await getClient().config.region()) === 'us-east-1') return new Promise(() => undefined);
      return { DBClusters: [dbCluster('orders', { BacktrackWindow: 0 })] };
    });
    const c = capture();
    const started = Date.now();

    const code = await main(['scan', '--regions', 'eu-west-1,us-east-1', '--timeout', '10', '--format', 'json'], c.io);

    expect(Date.now() - started).toBeLessThan(10_000);
    expect(code).toBe(EXIT.DEGRADED);
    const out = JSON.parse(c.out()) as { degraded: { message: string }[]; clusters: { identifier: string }[] };
    expect(out.degraded.map((d) => d.message)).toEqual([expect.stringMatching(/^us-east-1: Region not scanned \(DeadlineExceeded: /)]);
    expect(out.clusters.map((x) => x.identifier)).toEqual(['orders']);
  }, 15_000);

  it('exits 2 with a hint when the credentials are refused, without a stack trace', async () => {
    sts
      .on(GetCallerIdentityCommand)
      .rejects(Object.assign(new Error('The security token included in the request is invalid.'), { name: 'InvalidClientTokenId' }));
    const c = capture();

    const code = await main(['scan', '--regions', 'eu-west-1'], c.io);

    expect(code).toBe(EXIT.USAGE);
    expect(c.err()).toContain('Check your AWS credentials');
    expect(c.err()).not.toMatch(/\n\s+at /);
  });
});

describe('exitCodeFor', () => {
  const summary = (overrides: Partial<RunSummary['totals']> = {}, rest: Partial<RunSummary> = {}): RunSummary => ({
    mode: 'scan',
    accountId: '111122223333',
    partition: 'aws',
    startedAt: '',
    finishedAt: '',
    regions: [],
    totals: {
      clusters: 2,
      inScope: 2,
      outOfScope: 0,
      failed: 0,
      failedUnsuppressed: 0,
      warning: 0,
      passed: 2,
      notAvailable: 0,
      suppressed: 0,
      notScannedRegions: 0,
      rejectedClusters: 0,
      ...overrides,
    },
    events: [],
    degraded: [],
    tagProblems: [],
    ...rest,
  });

  it('is 0 when no cluster FAILED (warnings do not count)', () => {
    expect(exitCodeFor(summary({ warning: 1 }))).toBe(0);
  });

  it('is 0 when every FAILED cluster is exempt', () => {
    expect(exitCodeFor(summary({ failed: 1, suppressed: 1, failedUnsuppressed: 0 }))).toBe(0);
  });

  it('is 1 when a cluster FAILED', () => {
    expect(exitCodeFor(summary({ failed: 1, failedUnsuppressed: 1 }))).toBe(1);
  });

  it('is 3 when the run was degraded, over 1', () => {
    const degraded = { degraded: [{ key: 'region-not-scanned#us-east-1', message: 'us-east-1: Region not scanned' }] };

    expect(exitCodeFor(summary({ failed: 1, failedUnsuppressed: 1 }, degraded))).toBe(3);
  });

  it('is 3 when the alert could not be published', () => {
    expect(exitCodeFor(summary({}, { alert: { subject: 's', published: false, error: 'AuthorizationError: denied' } }))).toBe(3);
  });
});

describe('main: output, gates and filters', () => {
  const clusters = () =>
    rds.on(DescribeDBClustersCommand).resolves({
      DBClusters: [dbCluster('orders-prod', { BacktrackWindow: 0 }), dbCluster('orders-dev', { BacktrackWindow: 0 }), dbCluster('catalog')],
    });

  it('--version prints the package version and exits 0', async () => {
    const c = capture();

    expect(await main(['--version'], c.io)).toBe(EXIT.OK);
    expect(c.out()).toMatch(/^\d+\.\d+\.\d+$/);
  });

  it.each(['csv', 'sarif', 'asff', 'markdown', 'html'])('--format %s writes that document on stdout', async (format) => {
    clusters();
    const c = capture();

    expect(await main(['scan', '--regions', 'eu-west-1', '--format', format], c.io)).toBe(EXIT.FAILED);
    const first = c.out().split('\n')[0];
    expect(first).toMatch(
      {
        csv: /^account_id,region,cluster,/,
        sarif: /^\{$/,
        asff: /^\[$/,
        markdown: /^## Aurora Backtrack check/,
        html: /^<!DOCTYPE html>$/,
      }[format] as RegExp,
    );
  });

  it('--format json carries the schema version and the tool version', async () => {
    clusters();
    const c = capture();

    await main(['scan', '--regions', 'eu-west-1', '--format', 'json'], c.io);

    expect(JSON.parse(c.out())).toMatchObject({
      schemaVersion: '1.0',
      tool: { name: 'aurora-backtrack-checker', version: expect.any(String) },
    });
  });

  it('with --format json a run that cannot start still writes a JSON document naming the error', async () => {
    const c = capture();

    expect(await main(['scan', '--regions', 'mars-1', '--format', 'json'], c.io)).toBe(EXIT.USAGE);
    const doc = JSON.parse(c.out()) as { error: { code: string; exitCode: number; problems: string[] } };
    expect(doc.error).toMatchObject({ code: 'ConfigError', exitCode: 2 });
    expect(doc.error.problems[0]).toContain('--regions');
  });

  it('names a bad --format, --fail-on and --home-region together with the other bad flags', async () => {
    const c = capture();

    const code = await main(['scan', '--regions', 'mars-1', '--format', 'xml', '--fail-on', 'never', '--home-region', 'EU-WEST-1'], c.io);

    expect(code).toBe(EXIT.USAGE);
    expect(c.err()).toMatch(/--regions: [\s\S]*--format: "xml" — use one of table, json, csv, sarif, asff, markdown/);
    expect(c.err()).toContain('--fail-on: "never"');
    expect(c.err()).toContain('--home-region: "EU-WEST-1" — not a Region code (Region codes are lower-case: did you mean eu-west-1?)');
  });

  it('--cluster judges only the clusters that match, globs included', async () => {
    clusters();
    const c = capture();

    await main(['scan', '--regions', 'eu-west-1', '--format', 'json', '--cluster', 'orders-*', '--cluster', 'nothing'], c.io);

    const out = JSON.parse(c.out()) as { clusters: { identifier: string }[] };
    expect(out.clusters.map((x) => x.identifier).sort()).toEqual(['orders-dev', 'orders-prod']);
  });

  it('--cluster with --state-table is refused: the other clusters would be taken for deleted', async () => {
    const c = capture();

    expect(await main(['scan', '--regions', 'eu-west-1', '--cluster', 'x', '--state-table', 'state'], c.io)).toBe(EXIT.USAGE);
    expect(c.err()).toContain('--cluster with --state-table');
  });

  it('--fail-on warning makes an unexempt WARNING exit 1; the default does not', () => {
    const summary = (status: 'WARNING' | 'PASSED') =>
      ({
        degraded: [],
        totals: { failedUnsuppressed: 0 },
        evaluations: [{ scope: 'in-scope', status, exemption: { active: false } }],
      }) as unknown as RunSummary;

    expect(exitCodeFor(summary('WARNING'))).toBe(EXIT.OK);
    expect(exitCodeFor(summary('WARNING'), 'warning')).toBe(EXIT.FAILED);
    expect(exitCodeFor(summary('PASSED'), 'warning')).toBe(EXIT.OK);
  });

  it('--output writes the result to the file and nothing to stdout; --quiet keeps stderr empty', async () => {
    clusters();
    const c = capture();
    const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'cli-out-')), 'report.csv');

    expect(await main(['scan', '--regions', 'eu-west-1', '--format', 'csv', '--output', file, '--quiet'], c.io)).toBe(EXIT.FAILED);
    expect(c.out()).toBe('');
    expect(c.err()).toBe('');
    expect(fs.readFileSync(file, 'utf8').split('\r\n')[0]).toMatch(/^account_id,region,cluster/);
  });

  it('colours the verdicts of the table on a terminal, and not with NO_COLOR or --no-color', async () => {
    clusters();
    const tty = (env: NodeJS.ProcessEnv) => {
      const c = capture({ AWS_REGION: 'eu-west-1', ...env });
      c.io.isTTY = true;
      return c;
    };
    const colored = tty({});
    await main(['scan', '--regions', 'eu-west-1'], colored.io);
    expect(colored.out()).toContain('\u001b[31m');
    const noColorEnv = tty({ NO_COLOR: '1' });
    await main(['scan', '--regions', 'eu-west-1'], noColorEnv.io);
    expect(noColorEnv.out()).not.toContain('\u001b[');
    const noColorFlag = tty({});
    await main(['scan', '--regions', 'eu-west-1', '--no-color'], noColorFlag.io);
    expect(noColorFlag.out()).not.toContain('\u001b[');
  });
});

describe('main: --no-actual-window', () => {
  it('says the actual window was not measured rather than leaving it blank', async () => {
    rds.on(DescribeDBClustersCommand).resolves({ DBClusters: [dbCluster('catalog', { EarliestBacktrackTime: undefined })] });
    const off = capture();
    const on = capture();

    await main(['scan', '--regions', 'eu-west-1', '--no-actual-window'], off.io);
    await main(['scan', '--regions', 'eu-west-1'], on.io);

    expect(off.out()).toMatch(/catalog\s+PASSED\s+ok\s+24 h\s+24 h account\s+not measured/);
    expect(on.out()).not.toContain('not measured');
    expect(cw).toHaveReceivedCommandTimes(GetMetricDataCommand, 1);
  });
});

describe('main: a call that fails before AWS answers', () => {
  it('names the call and Region, then hints at the network, proxy and endpoint — never a bare connect error', async () => {
    sts.on(GetCallerIdentityCommand).rejects(Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:9'), { code: 'ECONNREFUSED' }));
    const c = capture({ AWS_REGION: 'eu-west-1', AWS_ENDPOINT_URL: 'http://127.0.0.1:9' });

    expect(await main(['scan', '--regions', 'eu-west-1'], c.io)).toBe(EXIT.DEGRADED);
    expect(c.err()).toContain('STS GetCallerIdentity in eu-west-1 failed: connect ECONNREFUSED 127.0.0.1:9');
    expect(c.err()).toContain('AWS_ENDPOINT_URL is set to http://127.0.0.1:9: is something listening there?');
    expect(c.err()).not.toMatch(/^error: Error:/m);
  });

  it('with --format json, writes the error on stdout named by its system code (ECONNREFUSED), not a bare "Error"', async () => {
    const refused = Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:9'), { code: 'ECONNREFUSED' });
    sts.on(GetCallerIdentityCommand).rejects(refused);
    const c = capture({ AWS_REGION: 'eu-west-1', AWS_ENDPOINT_URL: 'http://127.0.0.1:9' });

    expect(await main(['scan', '--regions', 'eu-west-1', '--format', 'json'], c.io)).toBe(EXIT.DEGRADED);
    const doc = JSON.parse(c.out()) as { error: { code: string; message: string; exitCode: number } };
    expect(doc.error).toEqual({
      code: 'ECONNREFUSED',
      message: expect.stringContaining('STS GetCallerIdentity in eu-west-1 failed') as unknown,
      exitCode: EXIT.DEGRADED,
    });
  });

  it.each([
    ['ExpiredToken', 'The security token included in the request is expired', /credentials and Region/],
    ['TimeoutError', 'socket hang up', /could not be reached/],
    ['ENOTFOUND', 'getaddrinfo ENOTFOUND sts.us-east-1.amazonaws.com', /could not be reached/],
    ['AccessDenied', 'not authorized to perform rds:DescribeDBClusters', undefined],
  ])('hints for %s: %s', (name, message, hint) => {
    const text = hintFor(name, message, {});
    if (hint) expect(text).toMatch(hint);
    else expect(text).toBeUndefined();
  });
});

describe('main: progress', () => {
  it('shows Regions done and clusters judged on a terminal stderr, and clears the line at the end', async () => {
    rds.on(DescribeDBClustersCommand).resolves({ DBClusters: [dbCluster('orders', { BacktrackWindow: 0 }), dbCluster('catalog')] });
    const c = capture();
    const shown: string[] = [];
    c.io.progress = (s) => shown.push(s);

    await main(['scan', '--regions', 'eu-west-1,us-east-1'], c.io);

    expect(shown).toContain('\r\u001b[K2/2 Regions done, 4 clusters judged');
    expect(shown.at(-1)).toBe('\r\u001b[K');
    expect(c.out()).not.toContain('Regions done');
  });

  it('shows no progress with --quiet', async () => {
    rds.on(DescribeDBClustersCommand).resolves({ DBClusters: [dbCluster('catalog')] });
    const c = capture();
    const shown: string[] = [];
    c.io.progress = (s) => shown.push(s);

    await main(['scan', '--regions', 'eu-west-1', '--quiet'], c.io);

    expect(shown.filter((s) => s.includes('Regions done'))).toEqual([]);
  });
});

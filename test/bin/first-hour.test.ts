/**
 * The CLI as a new user meets it: typos are refused before any AWS call, in plain words, with
 * what to do; a filter that matches nothing is an error; the table says only what is true.
 */
import 'aws-sdk-client-mock-jest';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { CloudWatchClient, GetMetricDataCommand } from '@aws-sdk/client-cloudwatch';
import { DescribeDBClustersCommand, RDSClient } from '@aws-sdk/client-rds';
import { GetCallerIdentityCommand, STSClient } from '@aws-sdk/client-sts';
import { mockClient } from 'aws-sdk-client-mock';
import { EXIT, main, type Io } from '../../bin/cli';
import { dbCluster } from '../lambda/run-world';

const rds = mockClient(RDSClient);
const sts = mockClient(STSClient);
const cw = mockClient(CloudWatchClient);

function capture(env: NodeJS.ProcessEnv = { AWS_REGION: 'eu-west-1' }) {
  const out: string[] = [];
  const err: string[] = [];
  const io: Io = { out: (s) => out.push(s), err: (s) => err.push(s), env };
  return { io, out: () => out.join('\n'), err: () => err.join('\n') };
}

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'first-hour-'));
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

beforeEach(() => {
  for (const m of [rds, sts, cw]) m.reset();
  sts.on(GetCallerIdentityCommand).resolves({ Account: '111122223333', Arn: 'arn:aws:iam::111122223333:user/auditor' });
  cw.on(GetMetricDataCommand).resolves({ MetricDataResults: [] });
});

describe('--regions: a code the built-in list does not know', () => {
  it('exits 2 before any AWS call, suggesting the nearest codes and naming --allow-new-regions', async () => {
    const c = capture();

    expect(await main(['scan', '--regions', 'us-east-99'], c.io)).toBe(EXIT.USAGE);

    expect(c.err()).toContain('--regions: "us-east-99" — names a Region code not in the checker\'s list of AWS Regions');
    expect(c.err()).toContain('did you mean us-east-1 or us-east-2?');
    expect(c.err()).toContain('--allow-new-regions');
    expect(sts).toHaveReceivedCommandTimes(GetCallerIdentityCommand, 0);
    expect(rds).toHaveReceivedCommandTimes(DescribeDBClustersCommand, 0);
  });

  it('--home-region with a typo exits 2 the same way, before any AWS call', async () => {
    const c = capture();

    expect(await main(['scan', '--regions', 'eu-west-1', '--home-region', 'eu-west-9'], c.io)).toBe(EXIT.USAGE);
    expect(c.err()).toContain('--home-region: "eu-west-9" — names a Region code not in the checker\'s list of AWS Regions');
    expect(sts).toHaveReceivedCommandTimes(GetCallerIdentityCommand, 0);
  });

  it('scans a Region the list does not know yet with --allow-new-regions', async () => {
    rds.on(DescribeDBClustersCommand).resolves({ DBClusters: [dbCluster('orders', {}, 'xx-newplace-1')] });
    const c = capture();

    expect(await main(['scan', '--regions', 'xx-newplace-1', '--allow-new-regions'], c.io)).toBe(EXIT.OK);
    expect(c.out()).toContain('xx-newplace-1');
  });
});

describe('--cluster: a filter that matches nothing', () => {
  it('exits 2 naming the patterns, the Regions scanned and how many clusters there were', async () => {
    rds.on(DescribeDBClustersCommand).resolves({ DBClusters: [dbCluster('orders'), dbCluster('catalog')] });
    const c = capture();

    const code = await main(['scan', '--regions', 'eu-west-1,us-east-1', '--cluster', 'nomatch-*', '--cluster', 'other'], c.io);

    expect(code).toBe(EXIT.USAGE);
    expect(c.err()).toContain('--cluster: "nomatch-*", "other" matched none of the 4 cluster(s) in eu-west-1, us-east-1');
    expect(c.out()).not.toContain('No Aurora MySQL clusters');
  });

  it('still exits 0 when the pattern matches a passing cluster', async () => {
    rds.on(DescribeDBClustersCommand).resolves({ DBClusters: [dbCluster('orders'), dbCluster('catalog')] });
    const c = capture();

    expect(await main(['scan', '--regions', 'eu-west-1', '--cluster', 'ord*'], c.io)).toBe(EXIT.OK);
  });
});

describe('--output: checked before any AWS call', () => {
  it('into a folder that does not exist: exit 2 in plain words, no scan, no raw ENOENT', async () => {
    const c = capture();
    const file = path.join(tmp, 'missing', 'report.json');

    expect(await main(['scan', '--regions', 'eu-west-1', '--output', file], c.io)).toBe(EXIT.USAGE);

    expect(c.err()).toContain(`--output: "${file}" — the folder ${path.join(tmp, 'missing')} does not exist`);
    expect(c.err()).not.toContain('ENOENT');
    expect(sts).toHaveReceivedCommandTimes(GetCallerIdentityCommand, 0);
  });

  it('that is a folder: exit 2, asking for a file name', async () => {
    const c = capture();

    expect(await main(['scan', '--regions', 'eu-west-1', '--output', tmp], c.io)).toBe(EXIT.USAGE);
    expect(c.err()).toContain(`--output: "${tmp}" — is a folder; give a file name`);
    expect(sts).toHaveReceivedCommandTimes(GetCallerIdentityCommand, 0);
  });
});

describe('--profile: a profile that does not exist', () => {
  const config = path.join(tmp, 'config');
  const credentials = path.join(tmp, 'credentials');
  beforeAll(() => {
    fs.writeFileSync(config, '[default]\nregion = eu-west-1\n[profile audit]\nregion = eu-west-1\n');
    fs.writeFileSync(credentials, '[ci]\naws_access_key_id = x\n');
  });

  it('exits 2 saying so and where profiles are read from, before any AWS call', async () => {
    const c = capture({ AWS_REGION: 'eu-west-1', AWS_CONFIG_FILE: config, AWS_SHARED_CREDENTIALS_FILE: credentials });

    expect(await main(['scan', '--regions', 'eu-west-1', '--profile', 'nope'], c.io)).toBe(EXIT.USAGE);

    expect(c.err()).toContain(`--profile: "nope" — no such profile in ${config} or ${credentials}`);
    expect(c.err()).toContain('AWS_CONFIG_FILE and AWS_SHARED_CREDENTIALS_FILE, by default ~/.aws/config and ~/.aws/credentials');
    expect(c.err()).not.toContain('Could not load credentials');
    expect(sts).toHaveReceivedCommandTimes(GetCallerIdentityCommand, 0);
  });

  it.each(['audit', 'ci', 'default'])('accepts profile %s, named in the config or the credentials file', async (profile) => {
    const c = capture({ AWS_REGION: 'eu-west-1', AWS_CONFIG_FILE: config, AWS_SHARED_CREDENTIALS_FILE: credentials });
    rds.on(DescribeDBClustersCommand).resolves({ DBClusters: [dbCluster('orders')] });
    const before = process.env.AWS_PROFILE;
    try {
      expect(await main(['scan', '--regions', 'eu-west-1', '--profile', profile], c.io)).toBe(EXIT.OK);
    } finally {
      if (before === undefined) delete process.env.AWS_PROFILE;
      else process.env.AWS_PROFILE = before;
    }
  });
});

describe('the table a new user reads', () => {
  it('prints no "Reasons and fixes:" header when every cluster passes', async () => {
    rds.on(DescribeDBClustersCommand).resolves({ DBClusters: [dbCluster('orders'), dbCluster('catalog')] });
    const c = capture();

    expect(await main(['scan', '--regions', 'eu-west-1'], c.io)).toBe(EXIT.OK);
    expect(c.out()).toContain('orders');
    expect(c.out()).not.toContain('Reasons and fixes');
  });

  it('counts the Regions of a scan of many instead of listing them all', async () => {
    const regions = ['eu-west-1', 'eu-west-2', 'eu-west-3', 'eu-central-1', 'us-east-1', 'us-east-2', 'us-west-2', 'ap-south-1'];
    rds.on(DescribeDBClustersCommand).resolves({ DBClusters: [] });
    const c = capture();

    expect(await main(['scan', '--regions', regions.join(',')], c.io)).toBe(EXIT.OK);
    const line = c
      .out()
      .split('\n')
      .find((l) => l.startsWith('Regions:'));
    expect(line).toBe('Regions: 8 Regions');
  });

  it('--format is case-insensitive (--format JSON)', async () => {
    rds.on(DescribeDBClustersCommand).resolves({ DBClusters: [dbCluster('orders')] });
    const c = capture();

    expect(await main(['scan', '--regions', 'eu-west-1', '--format', 'JSON'], c.io)).toBe(EXIT.OK);
    expect((JSON.parse(c.out()) as { clusters: unknown[] }).clusters).toHaveLength(1);
  });
});

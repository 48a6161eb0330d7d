/**
 * End to end, both shells: a custom tag prefix and an exemption tag key outside it, on a cluster
 * with more tags than a finding carries (60; ASFF keeps 50). The finding read back from Security
 * Hub keeps the checker's own tags, and the exemption and policy tags read under the custom keys
 * hold.
 */
import { DescribeDBClustersCommand } from '@aws-sdk/client-rds';
import type { AwsSecurityFinding } from '@aws-sdk/client-securityhub';
import type { EmulatedAws } from '../../emulator';
import { FIELD, findingOf } from './checks';
import type { SeedCluster } from '../../emulator/sample-account';
import { freshAccount, useEmulatedAws } from './emulated-account';
import { runCli, runHandler } from './shells';

jest.setTimeout(120_000);

const PREFIX = 'acme:backtrack/';
const EXEMPT = 'acme:waiver';
const OWN = {
  [EXEMPT]: 'true',
  [`${PREFIX}exempt-reason`]: 'vendor-managed schema',
  [`${PREFIX}min-window-hours`]: '12',
};
/** 57 tags of the cluster's own, then the checker's three: 60 in all. */
const TAGS: Record<string, string> = {
  ...Object.fromEntries(Array.from({ length: 57 }, (_, i) => [`team:tag-${String(i).padStart(2, '0')}`, String(i)])),
  ...OWN,
};
const CLUSTER: SeedCluster = {
  region: 'eu-west-1',
  id: 'orders-many-tags',
  engine: 'aurora-mysql',
  engineVersion: '8.0.mysql_aurora.3.05.2',
  backtrackWindow: 3600,
  tags: TAGS,
  expected: { scope: 'in-scope', status: 'FAILED', condition: 'below-policy', suppressed: true },
};

let aws: EmulatedAws;
useEmulatedAws((started) => (aws = started));

const SHELLS = [
  {
    name: 'the bundled handler',
    scan: (d: Awaited<ReturnType<typeof freshAccount>>) => runHandler(d, 'scan', { TAG_PREFIX: PREFIX, EXEMPT_TAG_KEY: EXEMPT }),
  },
  {
    name: 'the CLI',
    scan: (d: Awaited<ReturnType<typeof freshAccount>>) => runCli(d, ['--tag-prefix', PREFIX, '--exempt-tag-key', EXEMPT]),
  },
] as const;

describe.each(SHELLS)('$name with a custom tag prefix', (shell) => {
  let finding: AwsSecurityFinding | undefined;

  beforeAll(async () => {
    const d = await freshAccount(aws, [CLUSTER]);
    const described = await d.rds(CLUSTER.region).send(new DescribeDBClustersCommand({}));
    expect(described.DBClusters?.[0]?.TagList).toHaveLength(60);
    await shell.scan(d);
    const arn = described.DBClusters?.[0]?.DBClusterArn;
    [finding] = findingOf(await d.findings(CLUSTER.region), arn);
  });

  it("keeps the exemption and policy tags among the finding's 50 resource tags", () => {
    expect(finding).toBeDefined();
    const tags = finding?.Resources?.[0]?.Tags ?? {};

    expect(Object.keys(tags)).toHaveLength(50);
    expect(tags).toMatchObject(OWN);
  });

  it('reads the exemption and the cluster policy under the custom keys', () => {
    const fields = finding?.ProductFields ?? {};

    expect(fields[FIELD('exempt')]).toBe('true');
    expect(fields[FIELD('exemptReason')]).toBe('vendor-managed schema');
    expect(fields[FIELD('policySource')]).toBe('tag');
    expect(fields[FIELD('requiredWindowSeconds')]).toBe(String(12 * 3600));
  });
});

/**
 * End to end: Aurora MySQL clusters in Regions without Backtrack (both shells), the pasted restore
 * command carrying the source cluster's network and parameter group, and the tag audit naming an
 * exemption once.
 */
import { CreateSecurityGroupCommand, CreateSubnetCommand, CreateVpcCommand, EC2Client } from '@aws-sdk/client-ec2';
import {
  AddTagsToResourceCommand,
  CreateDBClusterCommand,
  CreateDBClusterParameterGroupCommand,
  CreateDBSubnetGroupCommand,
} from '@aws-sdk/client-rds';
import type { EmulatedAws } from '../../emulator';
import { describeAll, emailEntry, emailSections, expectFindingsExactlyRight, FIELD, namedIn, namedInCard, where } from './checks';
import { deploy, type Deployment, type ReceivedAlert } from '../../emulator/deployment';
import { useEmulatedAws } from './emulated-account';
import { REGIONS_OF, seedClusters } from '../../emulator/sample-account';
import { NO_BACKTRACK_REGION_CLUSTERS } from './fixtures';
import { runCli, runHandler, SHELLS, type ScanRun, type SummaryJson } from './shells';

jest.setTimeout(120_000);

const REGIONS = REGIONS_OF(NO_BACKTRACK_REGION_CLUSTERS);
const KNOWLEDGE_CENTER_URL = 'https://repost.aws/knowledge-center/aurora-mysql-cluster-backtrack';
const BACKTRACK_GUIDE_URL = 'https://docs.aws.amazon.com/AmazonRDS/latest/AuroraUserGuide/AuroraMySQL.Managing.Backtrack.html';

let aws: EmulatedAws;
useEmulatedAws((started) => (aws = started));

describe.each(SHELLS)('Regions without Backtrack, $name', (shell) => {
  let d: Deployment;
  let run: ScanRun;
  let alerts: ReceivedAlert[];

  beforeAll(async () => {
    await aws.reset();
    d = await deploy(aws, { regions: REGIONS });
    await seedClusters((r) => d.rds(r), NO_BACKTRACK_REGION_CLUSTERS);
    run = await shell.scan(d);
    alerts = await d.drainAlerts();
  });

  it('judges the Aurora MySQL clusters in eu-north-1 and sa-east-1 NOT_AVAILABLE, with the reason and its source and no remediation', async () => {
    const findings = await expectFindingsExactlyRight(d, NO_BACKTRACK_REGION_CLUSTERS, REGIONS);

    for (const id of ['stockholm-v3-off', 'saopaulo-v2-off']) {
      const f = findings.get(id);
      expect(f?.Remediation).toBeUndefined();
      // The Backtrack guide's Region table is the primary source; the Knowledge Center page names them too.
      expect(f?.ProductFields?.[FIELD('reasonSource')]).toBe(BACKTRACK_GUIDE_URL);
      expect(f?.ProductFields?.[FIELD('reason')]).toContain(KNOWLEDGE_CENTER_URL);
      expect(f?.ProductFields?.[FIELD('reason')]).toMatch(
        /^Backtrack cannot be used here: AWS does not offer Backtrack in (eu-north-1|sa-east-1)/,
      );
    }
    if (shell.kind === 'cli') {
      const shown = (run.summary?.clusters ?? []).filter((c) => c.scope === 'in-scope').map((c) => [c.identifier, c.status, c.remediation]);
      expect(shown.sort()).toEqual([
        ['saopaulo-v2-off', 'NOT_AVAILABLE', undefined],
        ['stockholm-v3-off', 'NOT_AVAILABLE', undefined],
      ]);
    }
  });

  it('sends no alert for them and exits clean', () => {
    expect(alerts).toEqual([]);
    expect(run.code).toBe(shell.exit.clean);
    expect(run.summary?.totals).toMatchObject({ notAvailable: 2, failed: 0, outOfScope: 1 });
  });
});

describe('a Region marked with backtrackRegions', () => {
  it('judges the cluster there like any other (FAILED when Backtrack is off)', async () => {
    await aws.reset();
    const d = await deploy(aws, { regions: REGIONS });
    await seedClusters((r) => d.rds(r), NO_BACKTRACK_REGION_CLUSTERS);

    const r = await runHandler(d, 'scan', { BACKTRACK_REGIONS: 'eu-north-1' });

    expect(r.json.ok).toBe(true);
    const findings = await d.findings('eu-north-1');
    expect(findings.map((f) => f.Compliance?.Status)).toEqual(['FAILED']);
    expect(await d.findings('sa-east-1')).toEqual([expect.objectContaining({ Compliance: { Status: 'NOT_AVAILABLE' } })]);
  });
});

describe('the CLI flags --backtrack-regions and --max-exemption-days', () => {
  let d: Deployment;

  beforeAll(async () => {
    await aws.reset();
    d = await deploy(aws, { regions: REGIONS });
    await seedClusters(
      (r) => d.rds(r),
      [
        ...NO_BACKTRACK_REGION_CLUSTERS,
        {
          region: 'sa-east-1',
          id: 'saopaulo-exempt',
          engine: 'aurora-mysql',
          tags: { 'backtrack-check:exempt': 'true', 'backtrack-check:exempt-until': '2099-12-31' },
          expected: { scope: 'in-scope', status: 'NOT_AVAILABLE', condition: 'unsupported' },
        },
      ],
    );
  });

  it('--backtrack-regions judges the cluster in that Region (FAILED, exit 1) and --max-exemption-days caps an exemption from now', async () => {
    const started = Date.now();

    const r = await runCli(d, ['--backtrack-regions', 'eu-north-1,sa-east-1', '--max-exemption-days', '1']);

    expect(r.code).toBe(1);
    const clusters = (r.json as SummaryJson).clusters ?? [];
    expect(clusters.find((c) => c.identifier === 'stockholm-v3-off')?.status).toBe('FAILED');
    const exempt = clusters.find((c) => c.identifier === 'saopaulo-exempt') as unknown as {
      exemption?: { cappedAt?: string; until?: string };
    };
    expect(exempt.exemption?.until).toBe('2099-12-31');
    const capIn = Date.parse(exempt.exemption?.cappedAt ?? '') - started;
    // One day from the CLI's own clock (a little after `started`, cut to the second).
    expect(capIn).toBeGreaterThan(86_400_000 - 1_000);
    expect(capIn).toBeLessThan(86_400_000 + 120_000);
  });

  it.each([
    [['--max-exemption-days', '0'], '--max-exemption-days: "0" — out of range 1–3650'],
    [['--backtrack-regions', 'eu-north-1,stockholm'], '--backtrack-regions: "eu-north-1,stockholm" — "stockholm" is not a Region code'],
  ])('rejects %j with exit 2 and a message naming the flag and the fix', async (args, message) => {
    const r = await runCli(d, args);

    expect(r.code).toBe(2);
    expect(r.stderr).toContain(message);
  });
});

describe('restore command and tag audit (bundled handler)', () => {
  const REGION = 'eu-west-1';
  let d: Deployment;
  let network: { subnetGroup: string; securityGroups: string[]; parameterGroup: string };
  let first: ReceivedAlert[];

  beforeAll(async () => {
    await aws.reset();
    d = await deploy(aws, { regions: [REGION] });
    const ec2 = new EC2Client(aws.clientConfig(REGION));
    const vpc = await ec2.send(new CreateVpcCommand({ CidrBlock: '10.20.0.0/16' }));
    const vpcId = vpc.Vpc?.VpcId ?? '';
    const subnets = await Promise.all(
      ['a', 'b'].map((az, i) =>
        ec2.send(new CreateSubnetCommand({ VpcId: vpcId, CidrBlock: `10.20.${i}.0/24`, AvailabilityZone: `${REGION}${az}` })),
      ),
    );
    const sgs = await Promise.all(
      ['orders-db', 'orders-admin'].map((name) =>
        ec2.send(new CreateSecurityGroupCommand({ GroupName: name, Description: `${name} access`, VpcId: vpcId })),
      ),
    );
    network = { subnetGroup: 'orders-private', securityGroups: sgs.map((s) => s.GroupId ?? ''), parameterGroup: 'orders-params' };
    const rds = d.rds(REGION);
    await rds.send(
      new CreateDBSubnetGroupCommand({
        DBSubnetGroupName: network.subnetGroup,
        DBSubnetGroupDescription: 'private subnets',
        SubnetIds: subnets.map((s) => s.Subnet?.SubnetId ?? ''),
      }),
    );
    await rds.send(
      new CreateDBClusterParameterGroupCommand({
        DBClusterParameterGroupName: network.parameterGroup,
        DBParameterGroupFamily: 'aurora-mysql8.0',
        Description: 'orders settings',
      }),
    );
    await rds.send(
      new CreateDBClusterCommand({
        DBClusterIdentifier: 'orders-networked',
        Engine: 'aurora-mysql',
        EngineVersion: '8.0.mysql_aurora.3.05.2',
        MasterUsername: 'admin',
        MasterUserPassword: 'not-a-secret-1',
        DBSubnetGroupName: network.subnetGroup,
        VpcSecurityGroupIds: network.securityGroups,
        DBClusterParameterGroupName: network.parameterGroup,
        Port: 3307,
        DeletionProtection: true,
        StorageType: 'aurora-iopt1',
        // moto sizes a cluster by storage type and knows no aurora-iopt1 unless a size is given.
        AllocatedStorage: 1,
        CopyTagsToSnapshot: true,
        BackupRetentionPeriod: 14,
        PreferredBackupWindow: '03:00-03:30',
        PreferredMaintenanceWindow: 'sun:05:00-sun:05:30',
        Tags: [{ Key: 'team', Value: "o'brien & co; $(id)" }],
      }),
    );
    await seedClusters(
      (r) => d.rds(r),
      [
        {
          region: REGION,
          id: 'catalog-ok',
          engine: 'aurora-mysql',
          backtrackWindow: 86_400,
          expected: { scope: 'in-scope', status: 'PASSED', condition: 'ok' },
        },
      ],
    );
    const r = await runHandler(d, 'scan');
    expect(r.json.ok).toBe(true);
    first = await d.drainAlerts();
  });

  it('pastes a restore command that carries the source cluster subnet group, security groups, parameter group, port, deletion protection, storage type, copy-tags-to-snapshot and tags, then sets backups and windows on the new cluster', async () => {
    const described = (await describeAll(d, [REGION])).get(`${REGION}/orders-networked`);
    expect(described?.DBSubnetGroup).toBe(network.subnetGroup);
    const expected =
      `--db-subnet-group-name ${network.subnetGroup} --vpc-security-group-ids ${network.securityGroups.join(' ')} ` +
      `--db-cluster-parameter-group-name ${network.parameterGroup}`;

    const finding = (await d.findings(REGION)).find((f) => f.Resources?.[0]?.Id === described?.DBClusterArn);
    const command = finding?.ProductFields?.[FIELD('fixCommand')] ?? '';
    expect(command).toMatch(/^aws rds restore-db-cluster-to-point-in-time --source-db-cluster-identifier orders-networked /);
    expect(command).toContain(expected);
    expect(command).toContain('--port 3307 --deletion-protection');
    expect(command).toContain(' --storage-type aurora-iopt1 --copy-tags-to-snapshot ');
    expect(command).toContain(
      ` --tags '[{"Key":"team","Value":"o'\\''brien & co; $(id)"},{"Key":"backtrack-check:restored-from","Value":"${described?.DBClusterArn}"}]' --region ${REGION}`,
    );
    const then = finding?.ProductFields?.[FIELD('followUpCommands')] ?? '';
    expect(then).toBe(
      `aws rds wait db-cluster-available --db-cluster-identifier orders-networked-bt --region ${REGION} && ` +
        'aws rds modify-db-cluster --db-cluster-identifier orders-networked-bt --backup-retention-period 14 --preferred-backup-window 03:00-03:30 ' +
        `--preferred-maintenance-window sun:05:00-sun:05:30 --apply-immediately --region ${REGION}`,
    );
    expect(finding?.ProductFields?.[FIELD('migrateCommand')]).toBe(
      `aurora-backtrack-check migrate --cluster orders-networked --region ${REGION} --window-hours 24`,
    );
    expect(finding?.Remediation?.Recommendation?.Text?.length).toBeLessThanOrEqual(512);
    expect(first).toHaveLength(1);
    const alert = first[0] as ReceivedAlert;
    expect(emailEntry(alert.email, { id: 'orders-networked', region: REGION })).toContain(
      [`  Fix: ${command}`, '  Then, once orders-networked-bt is available:', ...then.split(' && ').map((c) => `    ${c}`)].join('\n'),
    );
    expect(alert.email.match(/How to turn Backtrack on where it is disabled:/g)).toHaveLength(1);
  });

  it('names an exemption granted to a remembered cluster once in the alert, and not again on the next run', async () => {
    const arn = (await describeAll(d, [REGION])).get(`${REGION}/orders-networked`)?.DBClusterArn ?? '';
    await d.rds(REGION).send(
      new AddTagsToResourceCommand({
        ResourceName: arn,
        Tags: [
          { Key: 'backtrack-check:exempt', Value: 'true' },
          { Key: 'backtrack-check:exempt-reason', Value: 'migrating <!channel> next week' },
        ],
      }),
    );

    const second = await runHandler(d, 'scan');
    const secondAlerts = await d.drainAlerts();
    const third = await runHandler(d, 'scan');
    const thirdAlerts = await d.drainAlerts();

    expect([second.json.ok, third.json.ok]).toEqual([true, true]);
    expect(secondAlerts).toHaveLength(1);
    const alert = secondAlerts[0] as ReceivedAlert;
    expect([...emailSections(alert.email).keys()]).toEqual(['TAG CHANGES']);
    expect(namedIn(alert.email, 'TAG CHANGES')).toEqual([where({ id: 'orders-networked', region: REGION })]);
    expect(emailEntry(alert.email, { id: 'orders-networked', region: REGION })).toMatch(
      /exemption granted until \d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z \(capped: the longest an exemption may last; the tag gives no expiry\); reason: "migrating <!channel> next week"/,
    );
    expect(alert.subject).toBe(`Aurora Backtrack: 1 tag change (account ${aws.accountId})`);
    expect(namedInCard(alert)).toEqual([where({ id: 'orders-networked', region: REGION })]);
    expect(alert.card.content.description).toContain('migrating &lt;!channel&gt; next week');
    expect(alert.card.content.description).not.toContain('<!channel>');
    expect(thirdAlerts).toEqual([]);
  });
});

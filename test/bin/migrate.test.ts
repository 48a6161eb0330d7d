import 'aws-sdk-client-mock-jest';
import {
  CreateDBInstanceCommand,
  DBClusterNotFoundFault,
  DescribeDBClustersCommand,
  DescribeDBInstancesCommand,
  RDSClient,
  RestoreDBClusterToPointInTimeCommand,
  type DBCluster,
} from '@aws-sdk/client-rds';
import { mockClient } from 'aws-sdk-client-mock';
import { EXIT, main, type Io } from '../../bin/cli';

const rds = mockClient(RDSClient);

function capture(tty = false) {
  const out: string[] = [];
  const err: string[] = [];
  const progress: string[] = [];
  const io: Io = {
    out: (s) => out.push(s),
    err: (s) => err.push(s),
    env: { AWS_REGION: 'eu-west-1' },
    ...(tty && { progress: (s: string) => progress.push(s) }),
  };
  return { io, out: () => out.join('\n'), err: () => err.join('\n'), progress };
}

const cluster = (id: string, extra: Partial<DBCluster> = {}): DBCluster => ({
  DBClusterIdentifier: id,
  DBClusterArn: `arn:aws:rds:eu-west-1:111122223333:cluster:${id}`,
  DbClusterResourceId: `cluster-${id.toUpperCase()}`,
  Engine: 'aurora-mysql',
  EngineVersion: '8.0.mysql_aurora.3.05.2',
  BacktrackWindow: 0,
  Status: 'available',
  DBClusterMembers: [{ DBInstanceIdentifier: `${id}-1`, IsClusterWriter: true }],
  ...extra,
});

const notFound = () => new DBClusterNotFoundFault({ message: 'not found', $metadata: {} });
const RUN = ['migrate', '--cluster', 'orders', '--region', 'eu-west-1', '--poll-seconds', '0'];

beforeEach(() => {
  rds.reset();
  rds.on(DescribeDBInstancesCommand).resolves({
    DBInstances: [
      { DBInstanceIdentifier: 'orders-1', DBClusterIdentifier: 'orders', DBInstanceClass: 'db.r6g.large', DBInstanceStatus: 'available' },
    ],
  });
});

describe('migrate: usage', () => {
  it('reports every bad flag at once and exits 2 without calling AWS', async () => {
    const c = capture();

    const code = await main(['migrate', '--cluster', '1bad', '--region', 'EU-WEST-1', '--window-hours', '100', '--format', 'csv'], c.io);

    expect(code).toBe(EXIT.USAGE);
    for (const flag of ['--cluster', '--region', '--window-hours', '--format']) expect(c.err()).toContain(flag);
    expect(rds.calls()).toHaveLength(0);
  });

  it('asks for --target when the default name would pass the 63 characters RDS allows', async () => {
    const c = capture();

    expect(await main(['migrate', '--cluster', `a${'b'.repeat(61)}`, '--region', 'eu-west-1'], c.io)).toBe(EXIT.USAGE);
    expect(c.err()).toContain('--target: needed');
  });

  it('needs --cluster and --region', async () => {
    expect(await main(['migrate', '--region', 'eu-west-1'], capture().io)).toBe(EXIT.USAGE);
    expect(await main(['migrate', '--cluster', 'orders'], capture().io)).toBe(EXIT.USAGE);
  });

  it('is listed in the program help', async () => {
    const c = capture();

    await main(['--help'], c.io);

    expect(c.out()).toContain('migrate');
  });
});

describe('migrate: runs', () => {
  it('refuses a cluster that does not exist with exit 2, in JSON with the reason', async () => {
    rds.on(DescribeDBClustersCommand).rejects(notFound());
    const c = capture();

    const code = await main([...RUN, '--format', 'json'], c.io);

    expect(code).toBe(EXIT.USAGE);
    expect(JSON.parse(c.out())).toMatchObject({
      schemaVersion: '1.0',
      command: 'migrate',
      outcome: 'refused',
      refusal: { kind: 'source-not-found', message: expect.stringContaining('orders') },
    });
  });

  it('shows progress on a terminal while a step waits, and clears the line at the end', async () => {
    let targetReads = 0;
    rds.on(DescribeDBClustersCommand, { DBClusterIdentifier: 'orders' }).resolves({ DBClusters: [cluster('orders')] });
    rds.on(DescribeDBClustersCommand, { DBClusterIdentifier: 'orders-bt' }).callsFake(() => {
      targetReads += 1;
      if (targetReads === 1) throw notFound();
      const status = targetReads === 2 ? 'creating' : 'available';
      return { DBClusters: [cluster('orders-bt', { BacktrackWindow: 86_400, Status: status })] };
    });
    rds.on(RestoreDBClusterToPointInTimeCommand).resolves({});
    rds.on(CreateDBInstanceCommand).resolves({});
    const c = capture(true);

    const code = await main([...RUN, '--apply'], c.io);

    expect(code).toBe(EXIT.OK);
    expect(c.progress.join('')).toContain('step 1/2 RestoreDBClusterToPointInTime: cluster orders-bt creating');
    expect(c.progress.at(-1)).toBe('\r\u001b[K');
    expect(c.out()).toContain('orders-bt: PASSED');
  });

  it('a failed step exits 3 with the plan and the step, and makes no call after it', async () => {
    rds.on(DescribeDBClustersCommand, { DBClusterIdentifier: 'orders' }).resolves({ DBClusters: [cluster('orders')] });
    rds.on(DescribeDBClustersCommand, { DBClusterIdentifier: 'orders-bt' }).rejects(notFound());
    rds.on(RestoreDBClusterToPointInTimeCommand).rejects(Object.assign(new Error('Rate exceeded'), { name: 'Throttling' }));
    const c = capture();

    const code = await main([...RUN, '--apply'], c.io);

    expect(code).toBe(EXIT.DEGRADED);
    expect(c.out()).toContain('1. [failed] RestoreDBClusterToPointInTime');
    expect(c.out()).toContain('2. [not-run] CreateDBInstance');
    expect(c.out()).toContain('step 1 failed: Throttling: Rate exceeded');
    expect(rds).not.toHaveReceivedCommand(CreateDBInstanceCommand);
  });

  it('without --apply makes no write call and exits 0', async () => {
    rds.on(DescribeDBClustersCommand, { DBClusterIdentifier: 'orders' }).resolves({ DBClusters: [cluster('orders')] });
    rds.on(DescribeDBClustersCommand, { DBClusterIdentifier: 'orders-bt' }).rejects(notFound());
    const c = capture();

    expect(await main(RUN, c.io)).toBe(EXIT.OK);
    expect(rds.calls().map((x) => x.args[0].constructor.name)).toEqual(
      expect.not.arrayContaining(['RestoreDBClusterToPointInTimeCommand', 'CreateDBInstanceCommand', 'ModifyDBClusterCommand']),
    );
    expect(c.out()).toContain('Plan only: nothing was changed');
  });
});

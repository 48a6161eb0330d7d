/**
 * A mocked AWS account for runCheck: per-Region RDS, Security Hub and CloudWatch clients plus STS,
 * EC2 and SNS, each with aws-sdk-client-mock, and an in-memory state store shared across runs.
 */
import { CloudWatchClient, GetMetricDataCommand } from '@aws-sdk/client-cloudwatch';
import { DescribeRegionsCommand, EC2Client } from '@aws-sdk/client-ec2';
import { DescribeDBClustersCommand, RDSClient, type DBCluster } from '@aws-sdk/client-rds';
import {
  BatchImportFindingsCommand,
  BatchUpdateFindingsCommand,
  GetFindingsCommand,
  SecurityHubClient,
  type AwsSecurityFinding,
  type BatchImportFindingsCommandInput,
  type BatchUpdateFindingsCommandInput,
} from '@aws-sdk/client-securityhub';
import { PublishCommand, SNSClient } from '@aws-sdk/client-sns';
import { GetCallerIdentityCommand, STSClient } from '@aws-sdk/client-sts';
import { mockClient, type AwsStub } from 'aws-sdk-client-mock';
import { whoAmI } from '../../lambda/aws/identity';
import { listEnabledRegions } from '../../lambda/aws/regions';
import { MemoryStateStore } from '../../lambda/aws/state';
import type { CheckConfig, Deps, RegionClients } from '../../lambda/run';
import { ACCOUNT_ID, NOW, POLICY } from './fixtures';

export const TOPIC = `arn:aws:sns:eu-west-1:${ACCOUNT_ID}:backtrack-alerts`;

/** A stub of any SDK client (the Regions hold three kinds). */
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- one stub type serves every client kind
type Stub = AwsStub<any, any, any>;

export interface RegionMocks {
  clients: RegionClients;
  rds: Stub;
  sh: Stub;
  cw: Stub;
}

export interface World {
  deps: Deps;
  store: MemoryStateStore;
  regions: Map<string, RegionMocks>;
  sns: Stub;
  sts: Stub;
  ec2: Stub;
  log: { info: jest.Mock; warn: jest.Mock; error: jest.Mock };
  /** Sets the time the next run sees. */
  setNow(at: Date): void;
  region(name: string): RegionMocks;
  /** Sets what DescribeDBClusters lists in a Region (one page). */
  clusters(region: string, list: DBCluster[]): void;
}

/** A DescribeDBClusters entry: Aurora MySQL 3, created long ago, 24 h window, one writer. */
export function dbCluster(id: string, overrides: Partial<DBCluster> = {}, region = 'eu-west-1'): DBCluster {
  return {
    DBClusterIdentifier: id,
    DBClusterArn: `arn:aws:rds:${region}:${ACCOUNT_ID}:cluster:${id}`,
    DbClusterResourceId: `cluster-${id.toUpperCase()}`,
    Engine: 'aurora-mysql',
    EngineVersion: '8.0.mysql_aurora.3.05.2',
    EngineMode: 'provisioned',
    BacktrackWindow: 86_400,
    ClusterCreateTime: new Date('2026-01-01T00:00:00.000Z'),
    Status: 'available',
    TagList: [],
    DBClusterMembers: [{ DBInstanceIdentifier: `${id}-1`, IsClusterWriter: true }],
    ...overrides,
  };
}

export const config = (overrides: Partial<CheckConfig> = {}): CheckConfig => ({
  regions: ['eu-west-1', 'us-east-1'],
  policy: POLICY,
  publishFindings: true,
  alertTopicArn: TOPIC,
  actualWindow: true,
  reminderAfterDays: 7,
  ...overrides,
});

export function world(regionNames: string[] = ['eu-west-1', 'us-east-1'], store = new MemoryStateStore()): World {
  const regions = new Map<string, RegionMocks>();
  for (const name of regionNames) {
    const clients: RegionClients = {
      rds: new RDSClient({ region: name }),
      securityHub: new SecurityHubClient({ region: name }),
      cloudWatch: new CloudWatchClient({ region: name }),
    };
    const m: RegionMocks = {
      clients,
      rds: mockClient(clients.rds),
      sh: mockClient(clients.securityHub),
      cw: mockClient(clients.cloudWatch),
    };
    m.rds.on(DescribeDBClustersCommand).resolves({ DBClusters: [] });
    m.sh.on(BatchImportFindingsCommand).callsFake((input: BatchImportFindingsCommandInput) => ({
      SuccessCount: input.Findings?.length ?? 0,
      FailedCount: 0,
      FailedFindings: [],
    }));
    m.sh.on(BatchUpdateFindingsCommand).callsFake((input: BatchUpdateFindingsCommandInput) => ({
      ProcessedFindings: input.FindingIdentifiers ?? [],
      UnprocessedFindings: [],
    }));
    // Nobody has changed a finding's workflow outside the checker.
    m.sh.on(GetFindingsCommand).resolves({ Findings: [] });
    m.cw.on(GetMetricDataCommand).resolves({ MetricDataResults: [] });
    regions.set(name, m);
  }
  const stsClient = new STSClient({ region: 'eu-west-1' });
  const ec2Client = new EC2Client({ region: 'eu-west-1' });
  const snsClient = new SNSClient({ region: 'eu-west-1' });
  const sts = mockClient(stsClient);
  const ec2 = mockClient(ec2Client);
  const sns = mockClient(snsClient);
  sts.on(GetCallerIdentityCommand).resolves({ Account: ACCOUNT_ID, Arn: `arn:aws:iam::${ACCOUNT_ID}:user/auditor` });
  ec2.on(DescribeRegionsCommand).resolves({ Regions: regionNames.map((RegionName) => ({ RegionName })) });
  let messages = 0;
  sns.on(PublishCommand).callsFake(() => ({ MessageId: `msg-${++messages}` }));
  let now = NOW;
  const log = { info: jest.fn(), warn: jest.fn(), error: jest.fn() };
  const deps: Deps = {
    now: () => now,
    account: () => whoAmI(stsClient),
    enabledRegions: () => listEnabledRegions(ec2Client),
    clients: (r) => {
      const m = regions.get(r);
      if (!m) throw new Error(`no clients for ${r} in this test`);
      return m.clients;
    },
    sns: snsClient,
    state: store,
    persistentState: true,
    log: log,
  };
  const region = (name: string): RegionMocks => {
    const m = regions.get(name);
    if (!m) throw new Error(`no Region ${name} in this test`);
    return m;
  };
  return {
    deps,
    store,
    regions,
    sns,
    sts,
    ec2,
    log,
    setNow: (at) => {
      now = at;
    },
    region,
    clusters: (r, list) => {
      region(r).rds.on(DescribeDBClustersCommand).resolves({ DBClusters: list });
    },
  };
}

/** Every finding imported through this Security Hub mock, in order. */
export const importedFindings = (sh: Stub): AwsSecurityFinding[] =>
  sh.commandCalls(BatchImportFindingsCommand).flatMap((call) => call.args[0].input.Findings ?? []);

/** The SNS messages published, parsed. */
export const publishedMessages = (sns: Stub) =>
  sns.commandCalls(PublishCommand).map((call) => {
    const input = call.args[0].input;
    return { input, body: JSON.parse(input.Message ?? '{}') as { default: string; email: string } };
  });

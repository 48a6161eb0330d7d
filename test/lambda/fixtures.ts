/** Shared test data: one account, one fixed clock, Aurora MySQL clusters with sensible defaults. */
import type { ClusterState } from '../../lambda/core/state-types';
import { clusterKey } from '../../lambda/core/state-types';
import type { AccountContext, ClusterFacts, Policy } from '../../lambda/core/types';

export const ACCOUNT_ID = '111122223333';
export const ACCOUNT: AccountContext = { accountId: ACCOUNT_ID, partition: 'aws' };
export const NOW = new Date('2026-11-20T12:00:00.000Z');
export const HOUR = 3600;
export const DAY_MS = 86_400_000;

export const POLICY: Policy = {
  minWindowHours: 24,
  tagPrefix: 'backtrack-check:',
  exemptTagKey: 'backtrack-check:exempt',
  maxExemptionDays: 90,
  backtrackRegions: [],
};

export const policy = (overrides: Partial<Policy> = {}): Policy => ({ ...POLICY, ...overrides });

/** Seconds before NOW, as a Date. */
export const secondsAgo = (seconds: number): Date => new Date(NOW.getTime() - seconds * 1000);

/** A provisioned Aurora MySQL 3 cluster, created long ago, with a 24 h window and no tags. */
export function cluster(overrides: Partial<ClusterFacts> = {}): ClusterFacts {
  const identifier = overrides.identifier ?? 'orders';
  const region = overrides.region ?? 'eu-west-1';
  return {
    region,
    identifier,
    arn: `arn:aws:rds:${region}:${ACCOUNT_ID}:cluster:${identifier}`,
    resourceId: `cluster-${identifier.toUpperCase()}`,
    engine: 'aurora-mysql',
    engineVersion: '8.0.mysql_aurora.3.05.2',
    engineMode: 'provisioned',
    backtrackWindowSeconds: 86_400,
    createdAt: new Date('2026-01-01T00:00:00.000Z'),
    readReplicaIdentifiers: [],
    serverlessV2: false,
    tags: {},
    ...overrides,
  };
}

/** A remembered cluster state, as a previous run would have stored it. */
export function state(overrides: Partial<ClusterState> & { identifier?: string; region?: string } = {}): ClusterState {
  const identifier = overrides.identifier ?? 'orders';
  const region = overrides.region ?? 'eu-west-1';
  const resourceId = overrides.resourceId ?? `cluster-${identifier.toUpperCase()}`;
  return {
    pk: clusterKey(ACCOUNT_ID, region, resourceId),
    accountId: ACCOUNT_ID,
    region,
    resourceId,
    identifier,
    arn: `arn:aws:rds:${region}:${ACCOUNT_ID}:cluster:${identifier}`,
    status: 'FAILED',
    condition: 'disabled',
    since: new Date(NOW.getTime() - 3 * DAY_MS).toISOString(),
    suppressed: false,
    alerted: 'disabled',
    ...overrides,
  };
}

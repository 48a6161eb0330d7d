/** RDS DescribeDBClusters (awsQuery) over the synthetic fleet, paged like AWS. */
import { RDS_LIMITS } from '../../emulator/aws-limits';
import type { SyntheticCluster } from '../fleet';
import { AwsError, type XmlNode, queryList, xmlList } from './wire';

export const RDS_NAMESPACE = 'http://rds.amazonaws.com/doc/2014-10-31/';
const { min: MIN_RECORDS, max: MAX_RECORDS } = RDS_LIMITS.describeDbClustersMaxRecords;

const AZ_SUFFIXES = ['a', 'b', 'c'];

/** One <DBCluster> as DescribeDBClusters returns it (the fields AWS sends for such a cluster). */
export function clusterXml(c: SyntheticCluster, accountId: string): XmlNode[] {
  const serverlessV1 = c.engineMode === 'serverless';
  const short = c.resourceId.slice(8, 20).toLowerCase();
  const host = `${c.identifier}.cluster-${short}.${c.region}.rds.amazonaws.com`;
  const family =
    c.engine === 'aurora' ? 'aurora5.6' : c.engine === 'aurora-mysql' ? `aurora-mysql${c.engineVersion.slice(0, 3)}` : c.engine;
  return [
    ['AllocatedStorage', 1],
    ['AvailabilityZones', xmlList('AvailabilityZone', AZ_SUFFIXES, (s) => `${c.region}${s}`)],
    ['BackupRetentionPeriod', 7],
    ['DBClusterIdentifier', c.identifier],
    ['DBClusterParameterGroup', `default.${family}`],
    ['DBSubnetGroup', 'default-vpc'],
    ['Status', 'available'],
    ['EarliestRestorableTime', new Date(c.createdAt.getTime() + 3_600_000)],
    ['Endpoint', host],
    ['ReaderEndpoint', host.replace('.cluster-', '.cluster-ro-')],
    ['MultiAZ', c.multiAz || c.instanceIds.length > 1],
    ['Engine', c.engine],
    ['EngineVersion', c.engineVersion],
    ['LatestRestorableTime', new Date(Date.now() - 300_000)],
    ['Port', c.port],
    ['MasterUsername', 'admin'],
    ['PreferredBackupWindow', '03:00-03:30'],
    ['PreferredMaintenanceWindow', 'sun:05:00-sun:05:30'],
    ['ReadReplicaIdentifiers', []],
    [
      'DBClusterMembers',
      xmlList('DBClusterMember', c.instanceIds, (id) => [
        ['DBInstanceIdentifier', id],
        ['IsClusterWriter', id === c.instanceIds[0]],
        ['DBClusterParameterGroupStatus', 'in-sync'],
        ['PromotionTier', 1],
      ]),
    ],
    [
      'VpcSecurityGroups',
      [
        [
          'VpcSecurityGroupMembership',
          [
            ['VpcSecurityGroupId', `sg-0${short.slice(0, 16)}`],
            ['Status', 'active'],
          ],
        ],
      ],
    ],
    ['HostedZoneId', 'Z2R2ITUGPM61AM'],
    ['StorageEncrypted', true],
    ['KmsKeyId', `arn:aws:kms:${c.region}:${accountId}:key/0b5c7d1e-5f2a-4c1b-9e2d-${short}`],
    ['DbClusterResourceId', c.resourceId],
    ['DBClusterArn', c.arn],
    ['AssociatedRoles', []],
    ['IAMDatabaseAuthenticationEnabled', false],
    ['ClusterCreateTime', c.createdAt],
    ['EarliestBacktrackTime', c.earliestBacktrackTime],
    ['BacktrackWindow', c.backtrackWindow],
    ['BacktrackConsumedChangeRecords', c.backtrackConsumedChangeRecords],
    ['EngineMode', c.engineMode],
    ...(serverlessV1
      ? ([
          ['Capacity', 2],
          [
            'ScalingConfigurationInfo',
            [
              ['MinCapacity', 1],
              ['MaxCapacity', 16],
              ['AutoPause', true],
              ['SecondsUntilAutoPause', 300],
              ['TimeoutAction', 'RollbackCapacityChange'],
              ['SecondsBeforeTimeout', 300],
            ],
          ],
        ] as XmlNode[])
      : []),
    ['DeletionProtection', true],
    ['HttpEndpointEnabled', false],
    ['ActivityStreamStatus', 'stopped'],
    ['CopyTagsToSnapshot', true],
    ['CrossAccountClone', false],
    ['DomainMemberships', []],
    [
      'TagList',
      xmlList('Tag', c.tags, (t) => [
        ['Key', t.Key],
        ['Value', t.Value],
      ]),
    ],
    ['GlobalClusterIdentifier', c.globalClusterIdentifier],
    ...(c.globalClusterIdentifier ? ([['GlobalWriteForwardingStatus', 'disabled']] as XmlNode[]) : []),
    ...(c.serverlessV2
      ? ([
          [
            'ServerlessV2ScalingConfiguration',
            [
              ['MinCapacity', 0.5],
              ['MaxCapacity', 16],
            ],
          ],
        ] as XmlNode[])
      : []),
    ['AutoMinorVersionUpgrade', true],
    ['NetworkType', 'IPV4'],
    ['StorageType', 'aurora'],
    [
      'CertificateDetails',
      [
        ['CAIdentifier', 'rds-ca-rsa2048-g1'],
        ['ValidTill', new Date('2061-01-01T00:00:00Z')],
      ],
    ],
    ['EngineLifecycleSupport', 'open-source-rds-extended-support'],
  ];
}

/** Markers are opaque to callers; this one carries the Region and the offset. */
const encodeMarker = (region: string, offset: number) => Buffer.from(`${region}|${offset}`).toString('base64url');

function decodeMarker(marker: string, region: string): number {
  const [r, o] = Buffer.from(marker, 'base64url').toString().split('|');
  const offset = Number(o);
  if (r !== region || !Number.isInteger(offset) || offset < 0) {
    throw new AwsError('InvalidParameterValue', `The marker ${marker} is not valid for this request.`);
  }
  return offset;
}

function applyFilters(params: URLSearchParams, clusters: SyntheticCluster[]): SyntheticCluster[] {
  let out = clusters;
  for (let i = 1; params.has(`Filters.Filter.${i}.Name`); i++) {
    const name = params.get(`Filters.Filter.${i}.Name`) as string;
    const values = new Set(queryList(params, `Filters.Filter.${i}.Values.Value`));
    if (values.size === 0) throw new AwsError('InvalidParameterValue', `Filter ${name} needs at least one value.`);
    switch (name) {
      case 'db-cluster-id':
        out = out.filter((c) => values.has(c.identifier) || values.has(c.arn));
        break;
      case 'db-cluster-resource-id':
        out = out.filter((c) => values.has(c.resourceId));
        break;
      case 'engine':
        out = out.filter((c) => values.has(c.engine));
        break;
      case 'clone-group-id':
      case 'domain':
        out = [];
        break;
      default:
        throw new AwsError('InvalidParameterValue', `Unrecognized filter name: ${name}.`);
    }
  }
  return out;
}

/**
 * DescribeDBClusters: MaxRecords 20–100 (default 100), Marker paging, DBClusterIdentifier
 * (identifier or ARN; unknown → DBClusterNotFoundFault), filters db-cluster-id,
 * db-cluster-resource-id, engine.
 */
export function describeDBClusters(params: URLSearchParams, region: string, clusters: SyntheticCluster[], accountId: string): XmlNode[] {
  const rawMax = params.get('MaxRecords');
  const maxRecords = rawMax === null ? MAX_RECORDS : Number(rawMax);
  if (!Number.isInteger(maxRecords) || maxRecords < MIN_RECORDS || maxRecords > MAX_RECORDS) {
    throw new AwsError(
      'InvalidParameterValue',
      `Invalid value ${rawMax} for MaxRecords. Must be between ${MIN_RECORDS} and ${MAX_RECORDS}`,
    );
  }
  let selected = applyFilters(params, clusters);
  const id = params.get('DBClusterIdentifier');
  if (id !== null) {
    selected = selected.filter((c) => c.identifier === id || c.arn === id);
    if (selected.length === 0) throw new AwsError('DBClusterNotFoundFault', `DBCluster ${id} not found.`, 404);
  }
  const marker = params.get('Marker');
  const offset = marker === null || marker === '' ? 0 : decodeMarker(marker, region);
  const page = selected.slice(offset, offset + maxRecords);
  const next = offset + maxRecords < selected.length ? encodeMarker(region, offset + maxRecords) : undefined;
  return [
    ['DBClusters', xmlList('DBCluster', page, (c) => clusterXml(c, accountId))],
    ['Marker', next],
  ];
}

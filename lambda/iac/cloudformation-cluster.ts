/**
 * One `AWS::RDS::DBCluster` as the facts the rules take. Its properties come already resolved (by
 * the template reader, a cdk.out reader, a CloudFormation hook request or a CDK Aspect), with an
 * `Unknown` wherever a value could not be. This adapter only maps; lambda/core/declared.ts decides.
 */
import { isUnknown, Unknown, type CloneOf, type DeclaredCluster, type UnknownFact } from '../core/declared';
import type { ClusterFacts } from '../core/types';

export { isUnknown, Unknown } from '../core/declared';

/** A value as a reader resolved it: JSON, or `Unknown` (anywhere inside, too). */
export type Resolved = unknown;

export interface CloudFormationClusterInput {
  /** The resource's logical id: the cluster's name where `DBClusterIdentifier` is not given. */
  logicalId: string;
  /** The stack's Region, or `Unknown` when nothing names it. */
  region: string | Unknown;
  /** The resource's `Properties`, resolved (absent: a cluster with no properties). */
  properties: Resolved;
  /**
   * The Backtrack window (seconds; 0 for none) of a copy-on-write clone's source, when the caller
   * knows that source (e.g. it is in the same template); `undefined` when it does not.
   */
  sourceWindow?: (source: string | Unknown) => number | Unknown | undefined;
}

/** What an unknown value was, in words (the reason of an "unknown" verdict). */
const why = (v: Unknown) => v.why;

function text(v: Resolved): string | Unknown | undefined {
  if (v === undefined || v === null || isUnknown(v)) return v ?? undefined;
  return typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean'
    ? String(v)
    : new Unknown(`not a string: ${JSON.stringify(v)}`);
}

/** CloudFormation takes numbers as numbers or strings (a parameter's value is a string). */
function seconds(v: Resolved): number | Unknown | undefined {
  if (v === undefined || v === null || isUnknown(v)) return v ?? undefined;
  const n = typeof v === 'number' ? v : typeof v === 'string' && /^\s*\d+\s*$/.test(v) ? Number(v) : NaN;
  return Number.isFinite(n) ? n : new Unknown(`not a number of seconds: ${JSON.stringify(v)}`);
}

/** `Tags` as a map; unknown keys or values become unknown facts. */
function tagsOf(v: Resolved, unknowns: UnknownFact[]): Record<string, string> {
  const tags: Record<string, string> = {};
  if (v === undefined || v === null) return tags;
  if (!Array.isArray(v)) {
    unknowns.push({ fact: 'tags', why: isUnknown(v) ? why(v) : 'Tags is not a list' });
    return tags;
  }
  for (const item of v as Resolved[]) {
    if (isUnknown(item) || typeof item !== 'object' || item === null) {
      unknowns.push({ fact: 'tags', why: isUnknown(item) ? why(item) : 'a tag is not a Key/Value pair' });
      continue;
    }
    const { Key: key, Value: value } = item as { Key?: Resolved; Value?: Resolved };
    const k = text(key);
    if (k === undefined || isUnknown(k)) {
      unknowns.push({ fact: 'tags', why: k ? `a tag key: ${why(k)}` : 'a tag without a Key' });
      continue;
    }
    const val = text(value);
    if (isUnknown(val)) unknowns.push({ fact: 'tags', tagKey: k, why: why(val) });
    else tags[k] = val ?? '';
  }
  return tags;
}

/**
 * The facts of one declared cluster. `arn` is empty (the cluster does not exist yet) and
 * `resourceId` is the logical id.
 */
export function clusterFromCloudFormation(input: CloudFormationClusterInput): DeclaredCluster {
  const unknowns: UnknownFact[] = [];
  const p = input.properties;
  if (isUnknown(p) || (p !== undefined && (typeof p !== 'object' || p === null || Array.isArray(p)))) {
    unknowns.push({ fact: 'engine', why: isUnknown(p) ? `the properties: ${why(p)}` : 'the properties are not an object' });
  }
  const props = (typeof p === 'object' && p !== null && !isUnknown(p) && !Array.isArray(p) ? p : {}) as Record<string, Resolved>;
  /** A text property, recording an unknown under `fact`. */
  const known = (name: string, fact: UnknownFact['fact']): string | undefined => {
    const v = text(props[name]);
    if (!isUnknown(v)) return v;
    // A reference to another resource is unknown, but never empty.
    if (v.resource !== undefined && (fact === 'globalCluster' || fact === 'replicationSource')) return v.resource;
    unknowns.push({ fact, why: `${name}: ${why(v)}` });
    return undefined;
  };

  const engine = known('Engine', 'engine');
  if (engine === undefined && !unknowns.some((u) => u.fact === 'engine')) {
    unknowns.push({ fact: 'engine', why: 'Engine is not given' });
  }
  const engineVersion = known('EngineVersion', 'engineVersion');
  const engineMode = known('EngineMode', 'engineMode');
  const globalClusterIdentifier = known('GlobalClusterIdentifier', 'globalCluster');
  const replicationSourceIdentifier = known('ReplicationSourceIdentifier', 'replicationSource');
  const window = seconds(props.BacktrackWindow);
  if (isUnknown(window)) unknowns.push({ fact: 'backtrackWindow', why: `BacktrackWindow: ${why(window)}` });
  const region = input.region;
  if (isUnknown(region)) unknowns.push({ fact: 'region', why: why(region) });
  const tags = tagsOf(props.Tags, unknowns);
  const name = text(props.DBClusterIdentifier);

  const facts: ClusterFacts = {
    region: isUnknown(region) ? 'unknown' : region,
    identifier: typeof name === 'string' && name !== '' ? name : input.logicalId,
    arn: '',
    resourceId: input.logicalId,
    engine: (engine ?? '').toLowerCase(),
    engineVersion: engineVersion ?? '',
    ...(engineMode !== undefined && { engineMode: engineMode.toLowerCase() }),
    ...(!isUnknown(window) && window !== undefined && { backtrackWindowSeconds: window }),
    ...(globalClusterIdentifier && { globalClusterIdentifier }),
    ...(replicationSourceIdentifier && { replicationSourceIdentifier }),
    readReplicaIdentifiers: [],
    serverlessV2: props.ServerlessV2ScalingConfiguration !== undefined && props.ServerlessV2ScalingConfiguration !== null,
    tags,
  };

  const restoreType = text(props.RestoreType);
  let clone: CloneOf | undefined;
  if (isUnknown(restoreType)) {
    clone = { source: sourceName(props.SourceDBClusterIdentifier) };
    unknowns.push({ fact: 'cloneSource', why: `RestoreType: ${why(restoreType)}` });
  } else if (restoreType === 'copy-on-write') {
    const source = props.SourceDBClusterIdentifier;
    clone = { source: sourceName(source) };
    const w = isUnknown(source) || typeof source === 'string' ? input.sourceWindow?.(source) : undefined;
    if (w === undefined || isUnknown(w)) {
      unknowns.push({
        fact: 'cloneSource',
        why: w ? why(w) : `the source ${clone.source} is not in this template, so whether it has Backtrack is not known here`,
      });
    } else {
      clone.sourceWindowSeconds = w;
    }
  }
  return { facts, unknowns, ...(clone && { clone }) };
}

function sourceName(v: Resolved): string {
  if (isUnknown(v)) return v.resource ?? `(${v.why})`;
  return typeof v === 'string' ? v : '(not given)';
}

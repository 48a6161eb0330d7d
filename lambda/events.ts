import type { ApiCall, Actor } from './core/types';
import type { RunRequest } from './run';

/**
 * API calls that change a cluster's Backtrack verdict; each triggers a re-check of the cluster it
 * names. The last four decide whether Backtrack can apply at all (global database membership, binlog
 * replication, blue/green switchover).
 */
export const RECHECK_EVENT_NAMES = [
  'CreateDBCluster',
  'ModifyDBCluster',
  'DeleteDBCluster',
  'RestoreDBClusterFromSnapshot',
  'RestoreDBClusterToPointInTime',
  'RestoreDBClusterFromS3',
  'AddTagsToResource',
  'RemoveTagsFromResource',
  'CreateGlobalCluster',
  'RemoveFromGlobalCluster',
  'PromoteReadReplicaDBCluster',
  'SwitchoverBlueGreenDeployment',
] as const;

export class UnrecognisedEventError extends Error {
  constructor(event: unknown) {
    super(
      `Unrecognised event ${JSON.stringify(event)?.slice(0, 300)}: expected {"mode":"scan"}, {"mode":"reminder"} ` +
        'or an "AWS API Call via CloudTrail" event from aws.rds',
    );
    this.name = 'UnrecognisedEventError';
  }
}

type Json = Record<string, unknown>;
const isObject = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);

/** Reads a request parameter whatever the capitalisation CloudTrail used (dBClusterIdentifier…). */
function param(params: Json, name: string): string | undefined {
  const wanted = name.toLowerCase();
  for (const [k, v] of Object.entries(params)) if (k.toLowerCase() === wanted && typeof v === 'string' && v) return v;
  return undefined;
}

const CLUSTER_ARN = /^arn:[^:]+:rds:([a-z0-9-]+):\d{12}:cluster:(.+)$/;

/** Region and identifier of a cluster ARN, or undefined for anything else (an instance ARN…). */
function clusterOfArn(arn: string | undefined): { region: string; identifier: string } | undefined {
  const m = arn ? CLUSTER_ARN.exec(arn) : null;
  return m ? { region: m[1] as string, identifier: m[2] as string } : undefined;
}

/**
 * The blue cluster of a blue/green switchover, from CloudTrail's responseElements: after the
 * switchover the green cluster carries that name, so re-checking the name judges the cluster that
 * now serves. The green cluster's own ARN names a cluster that was renamed to the blue name, so it
 * is not re-checked (a re-check would find nothing under it and take it for deleted).
 */
function switchoverCluster(response: Json): string | undefined {
  const deployment = isObject(response.blueGreenDeployment) ? response.blueGreenDeployment : {};
  const details = Array.isArray(deployment.switchoverDetails) ? deployment.switchoverDetails : [];
  const candidates = [param(deployment, 'source'), ...details.map((d) => (isObject(d) ? param(d, 'sourceMember') : undefined))];
  return candidates.find((arn) => clusterOfArn(arn) !== undefined);
}

/** The cluster an accepted call names: an identifier in the call's Region, or an ARN (with its own Region). */
function namedCluster(eventName: string, params: Json, response: Json): { identifier?: string; arn?: string } {
  switch (eventName) {
    case 'CreateGlobalCluster':
      // Only a global database created from an existing cluster changes that cluster.
      return { arn: param(params, 'sourceDBClusterIdentifier') };
    case 'RemoveFromGlobalCluster':
      return { arn: param(params, 'dbClusterIdentifier') };
    case 'SwitchoverBlueGreenDeployment':
      // Without the response (only the deployment id is known) nothing names a cluster; the next
      // scheduled scan judges both clusters.
      return { arn: switchoverCluster(response) };
    case 'AddTagsToResource':
    case 'RemoveTagsFromResource':
      return { arn: param(params, 'resourceName') };
    default:
      return { identifier: param(params, 'newDBClusterIdentifier') ?? param(params, 'dBClusterIdentifier') };
  }
}

/** Longest actor text kept: CloudTrail's ARNs and ids are shorter; anything longer is not one. */
const MAX_ACTOR_CHARS = 256;
const actorField = (v: unknown): string | undefined => (typeof v === 'string' && v ? v.slice(0, MAX_ACTOR_CHARS) : undefined);

/** Who made the call, from CloudTrail's userIdentity: its ARN, else its type and principal id, else the service. */
export function actorOf(identity: unknown): Actor {
  if (!isObject(identity)) return { kind: 'unknown' };
  const arn = actorField(identity.arn);
  if (arn) return { kind: 'arn', arn };
  const type = actorField(identity.type);
  const principalId = actorField(identity.principalId);
  if (type && principalId) return { kind: 'principal', type, principalId };
  const service = actorField(identity.invokedBy);
  if (service) return { kind: 'service', service };
  return { kind: 'unknown' };
}

/** A numeric request parameter whatever the capitalisation CloudTrail used. */
function numberParam(params: Json, name: string): number | undefined {
  const wanted = name.toLowerCase();
  for (const [k, v] of Object.entries(params)) if (k.toLowerCase() === wanted && typeof v === 'number' && Number.isFinite(v)) return v;
  return undefined;
}

/** The call as the re-check carries it: its name, who made it and the window a ModifyDBCluster asked for. */
function apiCall(eventName: string, detail: Json, params: Json): ApiCall {
  const backtrackWindow = eventName === 'ModifyDBCluster' ? numberParam(params, 'backtrackWindow') : undefined;
  const eventTime = actorField(detail.eventTime);
  return {
    eventName,
    actor: actorOf(detail.userIdentity),
    ...(backtrackWindow !== undefined && { backtrackWindow }),
    ...(eventTime !== undefined && { eventTime }),
  };
}

/**
 * What the Lambda was asked to do. Returns `undefined` for events that concern no cluster (a tag
 * change on a DB instance, a call that failed): nothing to re-check.
 */
export function toRequest(event: unknown): RunRequest | undefined {
  // `{"mode":"scan","baseline":true}`: the scan run on deploy (lambda/custom-resource.ts).
  if (isObject(event) && event.mode === 'scan' && event.baseline === true) return { mode: 'scan', baseline: true };
  if (isObject(event) && (event.mode === 'scan' || event.mode === 'reminder')) return { mode: event.mode };
  if (!isObject(event) || event['detail-type'] !== 'AWS API Call via CloudTrail' || event.source !== 'aws.rds') {
    throw new UnrecognisedEventError(event);
  }
  const detail = isObject(event.detail) ? event.detail : {};
  const eventName = typeof detail.eventName === 'string' ? detail.eventName : '';
  if (!(RECHECK_EVENT_NAMES as readonly string[]).includes(eventName) || detail.errorCode) return undefined;
  const callRegion = (typeof detail.awsRegion === 'string' && detail.awsRegion) || (typeof event.region === 'string' && event.region) || '';
  const params = isObject(detail.requestParameters) ? detail.requestParameters : {};
  const response = isObject(detail.responseElements) ? detail.responseElements : {};
  const named = namedCluster(eventName, params, response);
  // An ARN carries the cluster's own Region (a global database spans Regions); a bare identifier is
  // in the Region of the call. An ARN that is not a cluster's (a DB instance's) concerns no cluster.
  const target =
    named.arn !== undefined ? clusterOfArn(named.arn) : named.identifier ? { region: callRegion, identifier: named.identifier } : undefined;
  if (!target?.identifier || !target.region) return undefined;
  return {
    mode: 'recheck',
    region: target.region,
    identifier: target.identifier,
    trigger: eventName,
    call: apiCall(eventName, detail, params),
  };
}

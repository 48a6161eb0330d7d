import type { RunRequest } from './run';

/** API calls that change a cluster's Backtrack verdict; each triggers a re-check of that cluster. */
export const RECHECK_EVENT_NAMES = [
  'CreateDBCluster',
  'ModifyDBCluster',
  'DeleteDBCluster',
  'RestoreDBClusterFromSnapshot',
  'RestoreDBClusterToPointInTime',
  'AddTagsToResource',
  'RemoveTagsFromResource',
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

/**
 * What the Lambda was asked to do. Returns `undefined` for events that concern no cluster (a tag
 * change on a DB instance, a call that failed): nothing to re-check.
 */
export function toRequest(event: unknown): RunRequest | undefined {
  if (isObject(event) && (event.mode === 'scan' || event.mode === 'reminder')) return { mode: event.mode };
  if (!isObject(event) || event['detail-type'] !== 'AWS API Call via CloudTrail' || event.source !== 'aws.rds') {
    throw new UnrecognisedEventError(event);
  }
  const detail = isObject(event.detail) ? event.detail : {};
  const eventName = typeof detail.eventName === 'string' ? detail.eventName : '';
  if (!(RECHECK_EVENT_NAMES as readonly string[]).includes(eventName) || detail.errorCode) return undefined;
  const region = (typeof detail.awsRegion === 'string' && detail.awsRegion) || (typeof event.region === 'string' && event.region) || '';
  const params = isObject(detail.requestParameters) ? detail.requestParameters : {};
  let identifier = param(params, 'newDBClusterIdentifier') ?? param(params, 'dBClusterIdentifier');
  if (!identifier) {
    const arn = param(params, 'resourceName');
    const m = arn ? /^arn:[^:]+:rds:[^:]+:\d{12}:cluster:(.+)$/.exec(arn) : null;
    identifier = m?.[1];
  }
  if (!identifier || !region) return undefined;
  return { mode: 'recheck', region, identifier, trigger: eventName };
}

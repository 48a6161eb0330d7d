/**
 * The organization settings read from the CDK context, beside the checker's own settings:
 * `deployment` chooses the stack, and the hub or member keys it needs. Every problem is reported
 * at once, naming the value and the fix, in the same ConfigError as the checker's settings.
 */
import type { ConfigProblem } from '../config';
import { settingOf } from '../../lambda/settings/schema';
import { PARENT_ID } from '../../lambda/coverage/settings';
import { RETIRED_MEMBER_KEYS, retiredMemberKeyProblem } from './member-config';

export const DEPLOYMENTS = ['account', 'hub', 'member'] as const;
export type Deployment = (typeof DEPLOYMENTS)[number];

/** Context keys of the organization deployment (not checker settings). */
export const HUB_CONTEXT_KEYS = [
  'deployment',
  'organizationId',
  'organizationUnitIds',
  'delegatedAdmin',
  'memberRegion',
  'hubTopicArn',
  'hubTopicKeyArn',
  'hubEventBusArn',
] as const;

export type HubContext =
  | { readonly deployment: 'account' }
  | {
      readonly deployment: 'hub';
      readonly organizationId: string;
      readonly organizationUnitIds: readonly string[];
      readonly delegatedAdmin: boolean;
      /** The members' home Region, where the hub (topic, asset bucket, StackSet targets) is deployed. */
      readonly memberRegion?: string;
    }
  | {
      readonly deployment: 'member';
      /** The hub's event bus: sent the alerts, the alarms' state changes and a report after every scan (coverage). */
      readonly hubEventBusArn: string;
    };

const ORGANIZATION_ID = /^o-[a-z0-9]{10,32}$/;
/** The same form the coverage function checks its targets against (one pattern for both). */
const OU_ID = PARENT_ID;
const REGION = /^[a-z]{2}(-[a-z]+)+-\d$/;

/** A context value as the error message shows it: JSON (strings quoted), or `(not set)`. */
const render = (value: unknown): string => (value === undefined || value === null ? '(not set)' : JSON.stringify(value));
const isAbsent = (value: unknown) => value === undefined || value === null;

/** Context values arrive as strings from `-c`, or as JSON values from cdk.json. */
function list(value: unknown): string[] | undefined {
  if (Array.isArray(value) && value.every((v) => typeof v === 'string')) return value.map((v) => v.trim()).filter(Boolean);
  if (typeof value === 'string')
    return value
      .split(',')
      .map((v) => v.trim())
      .filter(Boolean);
  return undefined;
}

function bool(value: unknown): boolean | undefined {
  if (typeof value === 'boolean') return value;
  if (value === 'true' || value === 'false') return value === 'true';
  return undefined;
}

/** Checker context without the organization keys, for the checker's own reader. */
export function withoutHubKeys(context: Readonly<Record<string, unknown>>): Record<string, unknown> {
  const keys = new Set<string>(HUB_CONTEXT_KEYS);
  return Object.fromEntries(Object.entries(context).filter(([key]) => !keys.has(key)));
}

/** The organization settings, or the problems with them (never both). */
export function readHubContext(context: Readonly<Record<string, unknown>>): { ok: HubContext } | { problems: ConfigProblem[] } {
  const problems: ConfigProblem[] = [];
  const problem = (key: string, problem: string, allowed: string, example: string) =>
    problems.push({ key, value: render(context[key]), problem, allowed, example });
  const given = (key: (typeof HUB_CONTEXT_KEYS)[number]) => !isAbsent(context[key]);
  const forbid = (keys: readonly (typeof HUB_CONTEXT_KEYS)[number][], deployment: Deployment) => {
    for (const key of keys.filter(given)) {
      problem(
        key,
        `is not used with deployment=${deployment}`,
        `leave ${key} out, or set the deployment that uses it`,
        key.startsWith('hub') ? `deployment=member -c ${key}=…` : `deployment=hub -c ${key}=…`,
      );
    }
  };

  // Earlier members published to the hub's topic: a key that is no longer used is never silently accepted.
  for (const key of RETIRED_MEMBER_KEYS.filter(given)) problems.push(retiredMemberKeyProblem(key, render(context[key])));

  const raw = context.deployment ?? 'account';
  if (typeof raw !== 'string' || !(DEPLOYMENTS as readonly string[]).includes(raw)) {
    problem('deployment', 'is not a deployment', `one of ${DEPLOYMENTS.join(', ')} (default account)`, 'deployment=hub');
    return { problems };
  }
  const deployment = raw as Deployment;

  if (deployment === 'account') {
    forbid(['organizationId', 'organizationUnitIds', 'delegatedAdmin', 'memberRegion', 'hubEventBusArn'], deployment);
    return problems.length ? { problems } : { ok: { deployment } };
  }

  if (deployment === 'member') {
    forbid(['organizationId', 'organizationUnitIds', 'delegatedAdmin', 'memberRegion'], deployment);
    const busArn = context.hubEventBusArn;
    const bus = isAbsent(busArn) ? undefined : settingOf('hubEventBusArn').parse(busArn);
    if (!bus || !('ok' in bus)) {
      problem(
        'hubEventBusArn',
        bus ? bus.problem : "is required with deployment=member: the member's alerts, alarms and reports go to the hub's event bus",
        "the hub stack's HubEventBusArn output",
        'hubEventBusArn=arn:aws:events:eu-west-1:111122223333:event-bus/aurora-backtrack-checker-hub',
      );
    }
    if (problems.length || !bus || !('ok' in bus)) return { problems };
    return { ok: { deployment, hubEventBusArn: bus.ok } };
  }

  forbid(['hubEventBusArn'], deployment);
  const organizationId = context.organizationId;
  if (typeof organizationId !== 'string' || !ORGANIZATION_ID.test(organizationId)) {
    problem(
      'organizationId',
      isAbsent(organizationId) ? 'is required with deployment=hub' : 'is not an organization id',
      'o- and 10 to 32 lowercase letters or digits (aws organizations describe-organization)',
      'organizationId=o-a1b2c3d4e5',
    );
  }
  const ous = list(context.organizationUnitIds);
  const badOus = (ous ?? []).filter((ou) => !OU_ID.test(ou));
  if (!ous || ous.length === 0 || badOus.length > 0) {
    problem(
      'organizationUnitIds',
      isAbsent(context.organizationUnitIds)
        ? 'is required with deployment=hub'
        : badOus.length
          ? `holds ${badOus.map((ou) => JSON.stringify(ou)).join(', ')}, not an OU or root id`
          : 'names no OU',
      'a comma-separated list of OU ids (ou-xxxx-yyyyyyyy) or the root id (r-xxxx)',
      'organizationUnitIds=ou-ab12-cdef3456,ou-ab12-9876fedc',
    );
  }
  const delegatedAdmin = isAbsent(context.delegatedAdmin) ? true : bool(context.delegatedAdmin);
  if (delegatedAdmin === undefined) {
    problem(
      'delegatedAdmin',
      'is not true or false',
      'true when deployed from a delegated administrator (default), false from the management account',
      'delegatedAdmin=false',
    );
  }
  const memberRegion = context.memberRegion;
  if (!isAbsent(memberRegion) && (typeof memberRegion !== 'string' || !REGION.test(memberRegion))) {
    problem('memberRegion', 'is not a Region name', 'a Region such as eu-west-1 (the hub is deployed there too)', 'memberRegion=eu-west-1');
  }
  if (problems.length) return { problems };
  return {
    ok: {
      deployment,
      organizationId: organizationId as string,
      organizationUnitIds: ous as string[],
      delegatedAdmin: delegatedAdmin as boolean,
      ...(typeof memberRegion === 'string' ? { memberRegion } : {}),
    },
  };
}

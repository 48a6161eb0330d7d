/**
 * A resource policy (an SNS topic policy, a KMS key policy) judged the way AWS judges a request
 * from another account: an explicit Deny wins, otherwise an Allow statement must match the
 * principal, the action, the resource and every condition; nothing matching is an implicit deny.
 * moto stores these policies but never reads them, so the AWS-behaviour proxy asks this module.
 *
 * Only what the checker's own policies use is understood. Anything else (an element such as
 * NotPrincipal, a condition operator, a condition key, a set or IfExists qualifier) is refused
 * with UnsupportedPolicyError naming it, so a policy this module cannot read never passes.
 */

/** What the request carries that a policy can name. */
export interface PolicyRequest {
  /** `service:Operation`, e.g. `sns:Publish` or `kms:GenerateDataKey`. */
  action: string;
  /** The ARN acted on. */
  resource: string;
  /** The caller's IAM identity: an assumed role's role ARN (`arn:aws:iam::<acct>:role/<name>`), a user's ARN. */
  principalArn: string;
  principalAccount: string;
  /** The organization of the caller's account; undefined when it is in none. */
  principalOrgId?: string;
  /**
   * `aws:PrincipalOrgPaths`: the caller account's Organizations entity path, `o-…/r-…/ou-…/…/`
   * (the OUs from the root down to the account's parent); undefined when it is in no organization.
   */
  principalOrgPaths?: readonly string[];
  /** `aws:SecureTransport`. */
  secureTransport: boolean;
  /** `kms:ViaService`: the service that calls KMS for the caller (e.g. `sns.eu-west-1.amazonaws.com`), if any. */
  viaService?: string;
}

export type PolicyDecision =
  | { effect: 'allow'; sid?: string }
  | { effect: 'explicit-deny'; sid?: string }
  /** No statement allows the request (and none denies it). */
  | { effect: 'implicit-deny' };

export class UnsupportedPolicyError extends Error {
  constructor(what: string) {
    super(
      `the AWS-behaviour proxy cannot judge this resource policy: ${what}. ` +
        'Teach emulator/resource-policy.ts what AWS does with it rather than letting the request through.',
    );
    this.name = 'UnsupportedPolicyError';
  }
}

/** The condition operators understood, and how each compares a request value with a policy value. */
const OPERATORS: Readonly<Record<string, (actual: string, expected: string) => boolean>> = {
  StringEquals: (a, e) => a === e,
  StringLike: (a, e) => globMatch(a, e),
  ArnEquals: (a, e) => arnMatch(a, e),
  ArnLike: (a, e) => arnMatch(a, e),
  Bool: (a, e) => a.toLowerCase() === e.toLowerCase(),
};

/**
 * The set operator understood in front of an operator (`ForAnyValue:StringLike`): true when any
 * value of a multivalued key matches any value of the policy; false when the request has none.
 */
const FOR_ANY_VALUE = 'ForAnyValue:';

/** Multivalued keys: only a set operator may compare them (AWS: use ForAnyValue or ForAllValues). */
const MULTIVALUED = new Set(['aws:principalorgpaths']);

/**
 * The condition keys understood (lower case: AWS compares key names case-insensitively), each with
 * its value in a request. The `Source*` keys are set only when a service acts for one of its
 * resources (an alarm, a bucket); a principal's own call carries none of them.
 */
const KEYS: Readonly<Record<string, (r: PolicyRequest) => string | readonly string[] | undefined>> = {
  'aws:principalorgid': (r) => r.principalOrgId,
  'aws:principalorgpaths': (r) => r.principalOrgPaths,
  'aws:principalarn': (r) => r.principalArn,
  'aws:principalaccount': (r) => r.principalAccount,
  'aws:securetransport': (r) => String(r.secureTransport),
  'aws:sourceaccount': () => undefined,
  'aws:sourcearn': () => undefined,
  'aws:sourceowner': () => undefined,
  'kms:viaservice': (r) => r.viaService,
};

const ELEMENTS = new Set(['Sid', 'Effect', 'Principal', 'Action', 'Resource', 'Condition']);
const PRINCIPAL_TYPES = new Set(['AWS', 'Service', 'Federated', 'CanonicalUser']);

interface Statement {
  sid?: string;
  effect: 'Allow' | 'Deny';
  /** '*' or principals by type. */
  principal: '*' | Record<string, string[]>;
  actions: string[];
  resources: string[];
  /** operator → key → values. */
  conditions: Record<string, Record<string, string[]>>;
}

const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

function strings(value: unknown, where: string): string[] {
  const list = Array.isArray(value) ? (value as unknown[]) : [value];
  return list.map((v) => {
    if (typeof v === 'string') return v;
    if (typeof v === 'boolean' || typeof v === 'number') return String(v);
    throw new UnsupportedPolicyError(`${where} holds ${JSON.stringify(v)}, not a string`);
  });
}

function readStatement(raw: unknown, index: number): Statement {
  const at = `statement ${index + 1}`;
  if (!isRecord(raw)) throw new UnsupportedPolicyError(`${at} is not an object`);
  const label = typeof raw.Sid === 'string' ? `${at} (${raw.Sid})` : at;
  for (const element of Object.keys(raw)) {
    if (!ELEMENTS.has(element)) throw new UnsupportedPolicyError(`${label} uses the element ${element}`);
  }
  if (raw.Effect !== 'Allow' && raw.Effect !== 'Deny')
    throw new UnsupportedPolicyError(`${label} has Effect ${JSON.stringify(raw.Effect)}`);
  for (const required of ['Principal', 'Action', 'Resource'] as const) {
    if (raw[required] === undefined) throw new UnsupportedPolicyError(`${label} has no ${required}`);
  }
  let principal: Statement['principal'];
  if (raw.Principal === '*') principal = '*';
  else if (isRecord(raw.Principal)) {
    principal = {};
    for (const [type, value] of Object.entries(raw.Principal)) {
      if (!PRINCIPAL_TYPES.has(type)) throw new UnsupportedPolicyError(`${label} names a principal of type ${type}`);
      principal[type] = strings(value, `${label} Principal.${type}`);
    }
  } else throw new UnsupportedPolicyError(`${label} has Principal ${JSON.stringify(raw.Principal)}`);

  const conditions: Statement['conditions'] = {};
  if (raw.Condition !== undefined) {
    if (!isRecord(raw.Condition)) throw new UnsupportedPolicyError(`${label} has a Condition that is not an object`);
    for (const [operator, block] of Object.entries(raw.Condition)) {
      const setOperator = operator.startsWith(FOR_ANY_VALUE);
      const base = setOperator ? operator.slice(FOR_ANY_VALUE.length) : operator;
      if (!(base in OPERATORS)) throw new UnsupportedPolicyError(`${label} uses the condition operator ${operator}`);
      if (!isRecord(block)) throw new UnsupportedPolicyError(`${label} has a ${operator} condition that is not an object`);
      conditions[operator] = {};
      for (const [key, values] of Object.entries(block)) {
        if (!(key.toLowerCase() in KEYS)) throw new UnsupportedPolicyError(`${label} uses the condition key ${key} (in ${operator})`);
        if (MULTIVALUED.has(key.toLowerCase()) !== setOperator) {
          throw new UnsupportedPolicyError(
            setOperator
              ? `${label} uses ${operator} on the single-valued key ${key}`
              : `${label} uses ${operator} on the multivalued key ${key} without ForAnyValue`,
          );
        }
        conditions[operator][key] = strings(values, `${label} ${operator}.${key}`);
      }
    }
  }
  return {
    ...(typeof raw.Sid === 'string' ? { sid: raw.Sid } : {}),
    effect: raw.Effect,
    principal,
    actions: strings(raw.Action, `${label} Action`),
    resources: strings(raw.Resource, `${label} Resource`),
    conditions,
  };
}

/**
 * Reads a policy document (an object or its JSON text).
 * @throws UnsupportedPolicyError naming the first element, operator or key this module does not understand
 */
export function readPolicy(policy: unknown): Statement[] {
  let doc = policy;
  if (typeof policy === 'string') {
    try {
      doc = JSON.parse(policy);
    } catch {
      throw new UnsupportedPolicyError(`the policy is not JSON: ${policy.slice(0, 80)}`);
    }
  }
  if (!isRecord(doc) || doc.Statement === undefined) throw new UnsupportedPolicyError('the policy has no Statement');
  const raw = Array.isArray(doc.Statement) ? (doc.Statement as unknown[]) : [doc.Statement];
  return raw.map(readStatement);
}

/** `*` any run of characters, `?` one character; everything else literal. */
export function globMatch(value: string, pattern: string, ignoreCase = false): boolean {
  const source = pattern
    .replace(/[.+^${}()|[\]\\]/g, '\\$&')
    .replace(/\*/g, '.*')
    .replace(/\?/g, '.');
  return new RegExp(`^${source}$`, ignoreCase ? 'is' : 's').test(value);
}

/** ArnLike / ArnEquals: each of the six colon-separated parts matched on its own, with wildcards. */
export function arnMatch(value: string, pattern: string): boolean {
  const split = (arn: string) => {
    const parts = arn.split(':');
    return parts.length < 6 ? undefined : [...parts.slice(0, 5), parts.slice(5).join(':')];
  };
  const v = split(value);
  const p = split(pattern);
  return v !== undefined && p !== undefined && p.every((part, i) => globMatch(v[i] as string, part));
}

function principalMatches(s: Statement, r: PolicyRequest): boolean {
  if (s.principal === '*') return true;
  // Service, federated and canonical-user principals never name an IAM role's own call.
  return (s.principal.AWS ?? []).some(
    (p) => p === '*' || p === r.principalArn || p === r.principalAccount || p === `arn:aws:iam::${r.principalAccount}:root`,
  );
}

function conditionsHold(s: Statement, r: PolicyRequest): boolean {
  return Object.entries(s.conditions).every(([operator, block]) => {
    const base = operator.startsWith(FOR_ANY_VALUE) ? operator.slice(FOR_ANY_VALUE.length) : operator;
    const compare = OPERATORS[base] as (a: string, e: string) => boolean;
    return Object.entries(block).every(([key, expected]) => {
      const actual = (KEYS[key.toLowerCase()] as (x: PolicyRequest) => string | readonly string[] | undefined)(r);
      // A key the request does not carry fails every operator understood here (none is a Not… or …IfExists),
      // and ForAnyValue over no values is false.
      const values = actual === undefined ? [] : typeof actual === 'string' ? [actual] : actual;
      return values.some((a) => expected.some((e) => compare(a, e)));
    });
  });
}

function applies(s: Statement, r: PolicyRequest): boolean {
  return (
    principalMatches(s, r) &&
    s.actions.some((a) => globMatch(r.action, a, true)) &&
    s.resources.some((res) => globMatch(r.resource, res)) &&
    conditionsHold(s, r)
  );
}

/**
 * AWS's decision on a request from another account by this resource policy alone (the caller's
 * own identity policies are not modelled: moto does not enforce them either).
 * @throws UnsupportedPolicyError when the policy uses anything this module does not understand
 */
export function evaluateResourcePolicy(policy: unknown, request: PolicyRequest): PolicyDecision {
  const statements = readPolicy(policy);
  const deny = statements.find((s) => s.effect === 'Deny' && applies(s, request));
  if (deny) return { effect: 'explicit-deny', ...(deny.sid ? { sid: deny.sid } : {}) };
  const allow = statements.find((s) => s.effect === 'Allow' && applies(s, request));
  if (allow) return { effect: 'allow', ...(allow.sid ? { sid: allow.sid } : {}) };
  return { effect: 'implicit-deny' };
}

/**
 * AWS's message for a refusal, e.g. "User: arn:aws:sts::…:assumed-role/r/s is not authorized to
 * perform: SNS:Publish on resource: arn:aws:sns:… because no resource-based policy allows the
 * SNS:Publish action". `action` is written as the service writes it (SNS: `SNS:Publish`).
 */
export function notAuthorizedMessage(callerArn: string, action: string, resource: string, decision: PolicyDecision): string {
  const why =
    decision.effect === 'explicit-deny'
      ? 'with an explicit deny in a resource-based policy'
      : `because no resource-based policy allows the ${action} action`;
  return `User: ${callerArn} is not authorized to perform: ${action} on resource: ${resource} ${why}`;
}

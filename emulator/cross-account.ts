/**
 * Calls into another account, as AWS authorizes them by the resource's policy:
 * - SNS Publish (moto lets any account publish to any topic): the topic's policy must allow the
 *   caller, and when the topic is encrypted with a customer-managed key, that key's policy must let
 *   the caller use it through SNS (`kms:GenerateDataKey` and `kms:Decrypt` with `kms:ViaService`);
 * - EventBridge PutEvents to another account's bus ARN (moto looks the bus up in the caller's own
 *   account and fails): the bus's policy must allow the caller; the events then go to that bus.
 * The policies are read from moto in the owner account, as CloudFormation, SetTopicAttributes,
 * PutKeyPolicy or PutPermission left them; the caller's organization is the one moto's
 * Organizations knows for the caller's account. Same-account calls are not judged here (the
 * caller's own IAM policies decide those, and moto does not model them).
 */
import type { AwsErrorSpec } from './aws-errors';
import { evaluateResourcePolicy, notAuthorizedMessage, UnsupportedPolicyError, type PolicyRequest } from './resource-policy';

/** Who is calling: what the proxy knows of the credentials a request is signed with. */
export interface CallerIdentity {
  account: string;
  /** The IAM identity policies name: an assumed role's role ARN, else the account's test user. */
  principalArn: string;
  /** What AWS names in a refusal: an assumed role's session ARN (`arn:aws:sts::…:assumed-role/<role>/<session>`). */
  callerArn: string;
}

/** What the authorization needs from the emulator, each read in the account that owns it. */
export interface PolicySources {
  /** The topic's attributes (`Policy`, `KmsMasterKeyId`, ...); undefined when the topic does not exist. */
  topicAttributes(topicArn: string): Promise<Record<string, string> | undefined>;
  /** The key's `default` policy; undefined when the key does not exist. */
  keyPolicy(keyArn: string): Promise<string | undefined>;
  /** The organization (`o-...`) of the account; undefined when it belongs to none. */
  organizationOf(account: string): Promise<string | undefined>;
  /**
   * The account's Organizations entity path (`o-…/r-…/ou-…/`, its parents up to the root, as
   * `aws:PrincipalOrgPaths` holds it); undefined when it belongs to no organization.
   */
  organizationPathOf(account: string): Promise<string | undefined>;
  /** The event bus's policy: '' when it has none, undefined when the bus does not exist. */
  busPolicy(busArn: string): Promise<string | undefined>;
}

/**
 * Every request reaches AWS over TLS (the SDK's endpoints are HTTPS); the emulator's plain HTTP on
 * the loopback stands in for that, so `aws:SecureTransport` is true.
 */
const SECURE_TRANSPORT = true;

const TOPIC_ARN = /^arn:([^:]+):sns:([^:]+):(\d{12}):[^:]+$/;

/** The key ARN a topic's `KmsMasterKeyId` names (an ARN, or a key id in the topic's account and Region). */
function keyArnOf(keyId: string, topic: { partition: string; region: string; account: string }): string {
  if (keyId.startsWith('arn:')) return keyId;
  if (keyId.startsWith('alias/')) {
    throw new UnsupportedPolicyError(
      `the topic is encrypted with the key alias ${keyId}: give its key ARN (an AWS managed key cannot be used from another account)`,
    );
  }
  return `arn:${topic.partition}:kms:${topic.region}:${topic.account}:key/${keyId}`;
}

/**
 * AWS's refusal of a Publish to `topicArn` by `caller`, or undefined when AWS would let it through
 * (same account, a topic that does not exist, which moto answers itself, or policies that allow it).
 * A policy this emulation cannot read is answered with UnsupportedResourcePolicy naming what it
 * could not read: it never lets the request through.
 */
export async function publishRefusal(caller: CallerIdentity, topicArn: string, sources: PolicySources): Promise<AwsErrorSpec | undefined> {
  const topic = TOPIC_ARN.exec(topicArn);
  if (!topic || topic[3] === caller.account) return undefined;
  const [, partition, region, account] = topic as unknown as [string, string, string, string];
  try {
    const attributes = await sources.topicAttributes(topicArn);
    if (!attributes) return undefined;
    const path = await sources.organizationPathOf(caller.account);
    const request: Omit<PolicyRequest, 'action' | 'resource'> = {
      principalArn: caller.principalArn,
      principalAccount: caller.account,
      principalOrgId: await sources.organizationOf(caller.account),
      ...(path !== undefined ? { principalOrgPaths: [path] } : {}),
      secureTransport: SECURE_TRANSPORT,
    };
    const onTopic = evaluateResourcePolicy(attributes.Policy ?? '', { ...request, action: 'sns:Publish', resource: topicArn });
    if (onTopic.effect !== 'allow') {
      return { code: 'AuthorizationError', status: 403, message: notAuthorizedMessage(caller.callerArn, 'SNS:Publish', topicArn, onTopic) };
    }
    const keyId = attributes.KmsMasterKeyId;
    if (!keyId) return undefined;
    const keyArn = keyArnOf(keyId, { partition, region, account });
    const keyPolicy = await sources.keyPolicy(keyArn);
    for (const action of ['kms:GenerateDataKey', 'kms:Decrypt']) {
      const onKey =
        keyPolicy === undefined
          ? ({ effect: 'implicit-deny' } as const)
          : evaluateResourcePolicy(keyPolicy, { ...request, action, resource: keyArn, viaService: `sns.${region}.amazonaws.com` });
      if (onKey.effect !== 'allow') {
        const denied = notAuthorizedMessage(caller.callerArn, action, keyArn, onKey);
        return {
          code: 'KMSAccessDenied',
          status: 400,
          message: `${denied} (Service: AWSKMS; Status Code: 400; Error Code: AccessDeniedException)`,
        };
      }
    }
    return undefined;
  } catch (e) {
    // Not an AWS answer: the emulation refuses what it cannot judge (400, so the SDK does not retry it).
    if (e instanceof UnsupportedPolicyError) return { code: 'UnsupportedResourcePolicy', status: 400, message: e.message };
    throw e;
  }
}

const BUS_ARN = /^arn:[^:]+:events:[^:]+:(\d{12}):event-bus\/.+$/;

/** Where a PutEvents call goes: the caller's own account, or the one other account whose bus its entries name. */
export type PutEventsRoute = { account: string } | { refusal: AwsErrorSpec };

/**
 * The account whose buses a PutEvents call reaches, judged as AWS judges it: entries naming another
 * account's bus by ARN need that bus's policy to allow the caller (`events:PutEvents`). Entries for
 * more than one other account in one call are not emulated (refused, naming them).
 */
export async function putEventsRoute(caller: CallerIdentity, busNames: readonly string[], sources: PolicySources): Promise<PutEventsRoute> {
  const accountOf = (bus: string) => BUS_ARN.exec(bus)?.[1] ?? caller.account;
  const foreign = [...new Set(busNames.filter((b) => accountOf(b) !== caller.account))];
  if (foreign.length === 0) return { account: caller.account };
  const accounts = new Set(busNames.map(accountOf));
  if (accounts.size > 1) {
    const message = `one PutEvents call to buses of several accounts (${[...new Set(busNames)].join(', ')}) is not emulated: send one call per account`;
    return { refusal: { code: 'UnsupportedResourcePolicy', status: 400, message } };
  }
  try {
    const path = await sources.organizationPathOf(caller.account);
    const request: Omit<PolicyRequest, 'action' | 'resource'> = {
      principalArn: caller.principalArn,
      principalAccount: caller.account,
      principalOrgId: await sources.organizationOf(caller.account),
      ...(path !== undefined ? { principalOrgPaths: [path] } : {}),
      secureTransport: SECURE_TRANSPORT,
    };
    for (const busArn of foreign) {
      const policy = await sources.busPolicy(busArn);
      if (policy === undefined) continue; // no such bus: the emulator answers in the bus's account
      const decision =
        policy === ''
          ? ({ effect: 'implicit-deny' } as const)
          : evaluateResourcePolicy(policy, { ...request, action: 'events:PutEvents', resource: busArn });
      if (decision.effect !== 'allow') {
        return {
          refusal: {
            code: 'AccessDeniedException',
            status: 400,
            message: notAuthorizedMessage(caller.callerArn, 'events:PutEvents', busArn, decision),
          },
        };
      }
    }
    return { account: [...accounts][0] as string };
  } catch (e) {
    if (e instanceof UnsupportedPolicyError) return { refusal: { code: 'UnsupportedResourcePolicy', status: 400, message: e.message } };
    throw e;
  }
}

/** One request to the emulator in an account's name: a query-protocol form, or a JSON body with its X-Amz-Target. */
export interface EmulatorCall {
  service: 'sns' | 'kms' | 'organizations' | 'events';
  region: string;
  account: string;
  body: string;
  /** JSON protocol: the operation's target; query protocol: none. */
  target?: string;
}

export type SendToEmulator = (call: EmulatorCall) => Promise<{ status: number; body: string }>;

const xmlText = (s: string) =>
  s
    .replace(/&quot;/g, '"')
    .replace(/&apos;/g, "'")
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&#(\d+);/g, (_, n: string) => String.fromCharCode(Number(n)))
    .replace(/&amp;/g, '&');

/** The organization of the account, and its management account, from moto's DescribeOrganization. */
async function describeOrganization(send: SendToEmulator, account: string): Promise<{ id: string; management: string } | undefined> {
  const target = 'AWSOrganizationsV20161128.DescribeOrganization';
  const res = await send({ service: 'organizations', region: 'us-east-1', account, body: '{}', target });
  if (res.status !== 200) return undefined;
  const org = (JSON.parse(res.body) as { Organization?: { Id?: unknown; MasterAccountId?: unknown } }).Organization;
  return typeof org?.Id === 'string' && typeof org.MasterAccountId === 'string'
    ? { id: org.Id, management: org.MasterAccountId }
    : undefined;
}

/** The policy sources read from moto (GetTopicAttributes, GetKeyPolicy, DescribeEventBus, DescribeOrganization) in each owner's account. */
export function emulatorPolicySources(send: SendToEmulator): PolicySources {
  const regionOf = (arn: string) => arn.split(':')[3] ?? 'us-east-1';
  const accountOf = (arn: string) => arn.split(':')[4] ?? '';
  return {
    topicAttributes: async (topicArn) => {
      const body = new URLSearchParams({ Action: 'GetTopicAttributes', Version: '2010-03-31', TopicArn: topicArn }).toString();
      const res = await send({ service: 'sns', region: regionOf(topicArn), account: accountOf(topicArn), body });
      if (res.status !== 200) return undefined;
      const out: Record<string, string> = {};
      for (const m of res.body.matchAll(/<entry>\s*<key>([^<]*)<\/key>\s*<value>([^<]*)<\/value>\s*<\/entry>/g)) {
        out[xmlText(m[1] as string)] = xmlText(m[2] as string);
      }
      return out;
    },
    keyPolicy: async (keyArn) => {
      const body = JSON.stringify({ KeyId: keyArn, PolicyName: 'default' });
      const res = await send({
        service: 'kms',
        region: regionOf(keyArn),
        account: accountOf(keyArn),
        body,
        target: 'TrentService.GetKeyPolicy',
      });
      if (res.status !== 200) return undefined;
      const policy = (JSON.parse(res.body) as { Policy?: unknown }).Policy;
      return typeof policy === 'string' ? policy : undefined;
    },
    busPolicy: async (busArn) => {
      const name = busArn.slice(busArn.indexOf(':event-bus/') + ':event-bus/'.length);
      const body = JSON.stringify({ Name: name });
      const res = await send({
        service: 'events',
        region: regionOf(busArn),
        account: accountOf(busArn),
        body,
        target: 'AWSEvents.DescribeEventBus',
      });
      if (res.status !== 200) return undefined;
      const policy = (JSON.parse(res.body) as { Policy?: unknown }).Policy;
      return typeof policy === 'string' ? policy : '';
    },
    organizationOf: async (account) => (await describeOrganization(send, account))?.id,
    organizationPathOf: async (account) => {
      const org = await describeOrganization(send, account);
      if (!org) return undefined;
      // ListParents from the management account, one step at a time up to the root.
      const ids: string[] = [];
      let child = account;
      for (let depth = 0; depth < 7; depth += 1) {
        const res = await send({
          service: 'organizations',
          region: 'us-east-1',
          account: org.management,
          body: JSON.stringify({ ChildId: child }),
          target: 'AWSOrganizationsV20161128.ListParents',
        });
        if (res.status !== 200) return undefined;
        const parent = (JSON.parse(res.body) as { Parents?: { Id?: unknown; Type?: unknown }[] }).Parents?.[0];
        if (typeof parent?.Id !== 'string') return undefined;
        ids.unshift(parent.Id);
        if (parent.Type === 'ROOT') return `${org.id}/${ids.join('/')}/`;
        child = parent.Id;
      }
      throw new UnsupportedPolicyError(`account ${account} is nested deeper than Organizations allows (five OU levels)`);
    },
  };
}

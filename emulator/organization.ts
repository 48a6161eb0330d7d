/**
 * An AWS Organization in the emulator: moto's Organizations with a management account (the
 * emulator's own account) and member accounts, the audit role in the accounts that have it, Security
 * Hub enabled and clusters seeded in each account. A request acts in an account through moto's
 * `x-moto-account-id` header, as an assumed role's credentials do. Used by the organization's
 * end-to-end tests and `npm run demo -- --organization`.
 */
import { CreateRoleCommand, IAMClient } from '@aws-sdk/client-iam';
import {
  CloseAccountCommand,
  CreateAccountCommand,
  DescribeAccountCommand,
  CreateOrganizationCommand,
  OrganizationsClient,
} from '@aws-sdk/client-organizations';
import { RDSClient } from '@aws-sdk/client-rds';
import { EnableSecurityHubCommand, GetFindingsCommand, SecurityHubClient, type AwsSecurityFinding } from '@aws-sdk/client-securityhub';
import type { EmulatedAws } from './emulated-aws';
import { REGIONS_OF, seedClusters, type SeedCluster } from './sample-account';

/** The Region of the organization's global services (Organizations, IAM). */
const GLOBAL_REGION = 'us-east-1';

/** Any SDK v3 client: what `inAccount` needs of it. */
interface SdkClient {
  middlewareStack: { add: (...args: never[]) => unknown };
}

/** The client, acting in `account` from now on (moto's account header on every request). */
export function inAccount<C extends SdkClient>(client: C, account: string): C {
  (client.middlewareStack as IAMClient['middlewareStack']).add(
    (next) => (args) => {
      (args.request as { headers: Record<string, string> }).headers['x-moto-account-id'] = account;
      return next(args);
    },
    { step: 'build', name: 'motoAccount' },
  );
  return client;
}

export interface AuditRoleOptions {
  roleName: string;
  /** The account allowed to assume the role (its root; lib/audit-role.ts narrows that to one principal with aws:PrincipalArn). */
  trustedAccount: string;
  /** The sts:ExternalId the trust policy requires, if any. */
  externalId?: string;
}

/** Creates the audit role in `account`, assumable by the trusted account only. */
export async function createAuditRole(aws: EmulatedAws, account: string, opts: AuditRoleOptions): Promise<void> {
  const statement = {
    Effect: 'Allow',
    Principal: { AWS: `arn:aws:iam::${opts.trustedAccount}:root` },
    Action: 'sts:AssumeRole',
    ...(opts.externalId !== undefined ? { Condition: { StringEquals: { 'sts:ExternalId': opts.externalId } } } : {}),
  };
  await inAccount(new IAMClient(aws.clientConfig(GLOBAL_REGION)), account).send(
    new CreateRoleCommand({
      RoleName: opts.roleName,
      AssumeRolePolicyDocument: JSON.stringify({ Version: '2012-10-17', Statement: [statement] }),
    }),
  );
}

/** Enables Security Hub in each Region of `account`. */
export async function enableSecurityHub(aws: EmulatedAws, account: string, regions: readonly string[]): Promise<void> {
  for (const region of regions) {
    await inAccount(new SecurityHubClient(aws.clientConfig(region)), account).send(new EnableSecurityHubCommand({}));
  }
}

/** Creates the clusters in `account`, with the fields moto cannot produce set through the proxy. */
export async function seedAccountClusters(aws: EmulatedAws, account: string, clusters: SeedCluster[]): Promise<void> {
  await seedClusters(
    (region) => inAccount(new RDSClient(aws.clientConfig(region)), account),
    clusters,
    (region, id, o) => aws.proxy.setClusterOverrides(region, id, o),
  );
}

/** Every finding in `account`'s own Security Hub in one Region. */
export async function accountFindings(aws: EmulatedAws, account: string, region: string): Promise<AwsSecurityFinding[]> {
  const sh = inAccount(new SecurityHubClient(aws.clientConfig(region)), account);
  const out: AwsSecurityFinding[] = [];
  let NextToken: string | undefined;
  do {
    const r = await sh.send(new GetFindingsCommand({ MaxResults: 100, NextToken }));
    out.push(...(r.Findings ?? []));
    NextToken = r.NextToken;
  } while (NextToken);
  return out;
}

/** One account of an emulated organization. */
export interface AccountSpec {
  clusters: SeedCluster[];
  /** Whether the audit role exists in the account (default true). */
  auditRole?: boolean;
}

/** A member account: created in the organization, and closed afterwards if `closed`. */
export interface MemberSpec extends AccountSpec {
  name: string;
  closed?: boolean;
}

export interface OrganizationSpec {
  /** The audit role's name in every account that has it; it trusts the management account. */
  roleName: string;
  /** Regions where Security Hub is enabled in every account (default: the Regions of all clusters). */
  securityHubRegions?: string[];
  management: AccountSpec;
  members: MemberSpec[];
}

export interface EmulatedOrganization {
  /** The management account: the emulator's own account, the seat an audit runs from. */
  managementAccountId: string;
  /** Member account ids by name, in the order given. */
  members: Map<string, string>;
  /** Every account with its clusters and its name in Organizations: the management account first, then the members. */
  accounts: { accountId: string; name: string; clusters: SeedCluster[]; auditRole: boolean; closed: boolean }[];
}

/**
 * Cluster overrides are kept per Region and identifier, whatever the account: two accounts may not
 * hold a cluster of the same identifier in the same Region when either needs overrides.
 */
function overrideClashes(accounts: { name: string; clusters: SeedCluster[] }[]): string[] {
  const owners = new Map<string, string[]>();
  for (const a of accounts) {
    for (const c of a.clusters) {
      const key = `${c.region}/${c.id}`;
      owners.set(key, [...(owners.get(key) ?? []), a.name]);
    }
  }
  const withOverrides = new Set(accounts.flatMap((a) => a.clusters.filter((c) => c.overrides).map((c) => `${c.region}/${c.id}`)));
  return [...owners]
    .filter(([key, names]) => names.length > 1 && withOverrides.has(key))
    .map(([key, names]) => `${key} (${names.join(', ')})`);
}

/**
 * Creates the organization in an emptied emulator: the organization with the emulator's account as
 * management account, the members, Security Hub in every account, the clusters, the audit roles,
 * and last the closing of closed members (an account closed with its clusters still in it).
 * @throws when two accounts would share a cluster whose fields the proxy overrides (name the clusters)
 */
export async function createOrganization(aws: EmulatedAws, spec: OrganizationSpec): Promise<EmulatedOrganization> {
  const clashes = overrideClashes([{ name: 'the management account', clusters: spec.management.clusters }, ...spec.members]);
  if (clashes.length) {
    throw new Error(
      `clusters with overridden fields must have an identifier of their own across accounts: ${clashes.join('; ')} — rename one of each`,
    );
  }
  const management = aws.accountId;
  const org = new OrganizationsClient(aws.clientConfig(GLOBAL_REGION));
  await org.send(new CreateOrganizationCommand({ FeatureSet: 'ALL' }));
  const managementName = (await org.send(new DescribeAccountCommand({ AccountId: management }))).Account?.Name ?? 'management';
  const members = new Map<string, string>();
  for (const m of spec.members) members.set(m.name, await createMemberAccount(aws, m.name));

  const accounts = [
    { accountId: management, name: managementName, ...spec.management, closed: false },
    ...spec.members.map((m) => ({ ...m, accountId: members.get(m.name) as string, closed: m.closed ?? false })),
  ].map((a) => ({ accountId: a.accountId, name: a.name, clusters: a.clusters, auditRole: a.auditRole ?? true, closed: a.closed }));
  const securityHubRegions = spec.securityHubRegions ?? REGIONS_OF(accounts.flatMap((a) => a.clusters));
  for (const a of accounts) {
    await enableSecurityHub(aws, a.accountId, securityHubRegions);
    await seedAccountClusters(aws, a.accountId, a.clusters);
    if (a.auditRole) await createAuditRole(aws, a.accountId, { roleName: spec.roleName, trustedAccount: management });
  }
  for (const a of accounts.filter((x) => x.closed)) await org.send(new CloseAccountCommand({ AccountId: a.accountId }));
  return { managementAccountId: management, members, accounts };
}

/** Creates a member account in the organization of the emulator's account; resolves to its id. */
export async function createMemberAccount(aws: EmulatedAws, name: string): Promise<string> {
  const org = new OrganizationsClient(aws.clientConfig(GLOBAL_REGION));
  const r = await org.send(new CreateAccountCommand({ AccountName: name, Email: `${name}@example.com` }));
  const id = r.CreateAccountStatus?.AccountId;
  if (!id)
    throw new Error(`the emulator created account "${name}" without an account id (CreateAccountStatus ${r.CreateAccountStatus?.State})`);
  return id;
}

/**
 * An AWS Organization for the fake AWS: Organizations ListAccounts (awsJson1_1, pages of at most
 * 20) for the management account, and STS AssumeRole, whose credentials act in the role's account:
 * the fake routes every request signed with them (by access key id) to that account.
 */
import { randomBytes } from 'node:crypto';
import { ORGANIZATIONS_LIMITS } from '../../emulator/aws-limits';
import { AwsError, type XmlNode } from './wire';

export interface OrganizationOptions {
  /** The organization's management account: the caller's default credentials act in it. */
  managementAccountId: string;
  /** Every ACTIVE account, the management account included. */
  accountIds: readonly string[];
  /** The role AssumeRole may assume in each account; other role names are refused. */
  roleName: string;
}

/** Access key id → account, for the credentials AssumeRole handed out. */
export class CredentialRegistry {
  private readonly byKey = new Map<string, string>();

  /** New temporary credentials acting in `accountId`. */
  issue(accountId: string): { accessKeyId: string; secretAccessKey: string; sessionToken: string } {
    const accessKeyId = `ASIA${randomBytes(8).toString('hex').toUpperCase()}`;
    this.byKey.set(accessKeyId, accountId);
    return { accessKeyId, secretAccessKey: randomBytes(20).toString('base64'), sessionToken: randomBytes(48).toString('base64') };
  }

  /** The account a request signed with this key acts in; undefined for keys AssumeRole did not issue. */
  accountOf(accessKeyId: string): string | undefined {
    return this.byKey.get(accessKeyId);
  }

  get size(): number {
    return this.byKey.size;
  }
}

const ROLE_ARN = /^arn:aws:iam::(\d{12}):role\/([\w+=,.@-]{1,64})$/;
const SESSION_NAME = /^[\w+=,.@-]{2,64}$/;

/** STS AssumeRole: credentials for the organization's role in one of its accounts. */
export function assumeRole(
  params: URLSearchParams,
  org: OrganizationOptions,
  registry: CredentialRegistry,
  callerAccountId: string,
): XmlNode[] {
  const arn = params.get('RoleArn') ?? '';
  const session = params.get('RoleSessionName') ?? '';
  const m = ROLE_ARN.exec(arn);
  if (!m) throw new AwsError('ValidationError', `${arn} is invalid`);
  if (!SESSION_NAME.test(session)) throw new AwsError('ValidationError', `RoleSessionName ${session} is invalid`);
  const [, accountId, roleName] = m as unknown as [string, string, string];
  if (!org.accountIds.includes(accountId) || roleName !== org.roleName) {
    throw new AwsError(
      'AccessDenied',
      `User: arn:aws:iam::${callerAccountId}:user/bench is not authorized to perform: sts:AssumeRole on resource: ${arn}`,
      403,
    );
  }
  const seconds = Number(params.get('DurationSeconds') ?? 3600);
  const c = registry.issue(accountId);
  return [
    [
      'Credentials',
      [
        ['AccessKeyId', c.accessKeyId],
        ['SecretAccessKey', c.secretAccessKey],
        ['SessionToken', c.sessionToken],
        ['Expiration', new Date(Date.now() + seconds * 1000)],
      ],
    ],
    [
      'AssumedRoleUser',
      [
        ['AssumedRoleId', `AROABENCHMARKROLE:${session}`],
        ['Arn', `arn:aws:sts::${accountId}:assumed-role/${roleName}/${session}`],
      ],
    ],
  ];
}

/** Organizations ListAccounts from the management account: MaxResults 1–20, NextToken an offset. */
export function listAccounts(body: Record<string, unknown>, org: OrganizationOptions, callerAccountId: string): Record<string, unknown> {
  if (callerAccountId !== org.managementAccountId) {
    throw new AwsError(
      'AccessDeniedException',
      'You don’t have permissions to access this resource: ListAccounts is called from the management account or a delegated administrator',
    );
  }
  const max = body['MaxResults'] === undefined ? ORGANIZATIONS_LIMITS.accountsPerPage : Number(body['MaxResults']);
  if (!Number.isInteger(max) || max < 1 || max > ORGANIZATIONS_LIMITS.accountsPerPage) {
    throw new AwsError(
      'InvalidInputException',
      `MaxResults ${String(body['MaxResults'])}: use 1 to ${ORGANIZATIONS_LIMITS.accountsPerPage}`,
    );
  }
  const token = body['NextToken'];
  const start = token === undefined ? 0 : Number(/^page-(\d+)$/.exec(typeof token === 'string' ? token : '')?.[1] ?? NaN);
  if (!Number.isInteger(start) || start < 0 || start > org.accountIds.length) {
    throw new AwsError('InvalidInputException', `NextToken ${JSON.stringify(token)} is not valid`);
  }
  const page = org.accountIds.slice(start, start + max);
  const next = start + max < org.accountIds.length ? `page-${start + max}` : undefined;
  return {
    Accounts: page.map((id) => ({
      Id: id,
      Arn: `arn:aws:organizations::${org.managementAccountId}:account/o-bench0000/${id}`,
      Email: `aws+${id}@example.com`,
      Name: `bench-${id}`,
      Status: 'ACTIVE',
      State: 'ACTIVE',
      JoinedMethod: id === org.managementAccountId ? 'INVITED' : 'CREATED',
      JoinedTimestamp: 1_700_000_000,
    })),
    ...(next !== undefined && { NextToken: next }),
  };
}

import { AssumeRoleCommand, STSClient, type STSClientConfig } from '@aws-sdk/client-sts';
import { describeError } from './errors';

/** An STS client, for callers that load this module only when they need it. */
export const createStsClient = (config: STSClientConfig): STSClient => new STSClient(config);

/** Temporary credentials, in the shape every SDK client's `credentials` option takes. */
export interface AwsCredentials {
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken?: string;
  expiration?: Date;
  accountId?: string;
}

/** A credential provider, as the SDK clients call it before signing a request. */
export type CredentialsProvider = () => Promise<AwsCredentials>;

/** The session name the audit role sees in CloudTrail. */
export const ROLE_SESSION_NAME = 'aurora-backtrack-check';

/** Credentials are renewed this long before they expire, so no call is signed with an expiring key. */
export const REFRESH_BEFORE_EXPIRY_MS = 5 * 60_000;

/** The session's length: one hour, the default maximum of a role. */
export const SESSION_SECONDS = 3600;

export interface AssumeRoleTarget {
  partition: string;
  accountId: string;
  roleName: string;
  externalId?: string;
}

/** The role could not be assumed in that account; the message names the account, the role and AWS's reason. */
export class AssumeRoleError extends Error {
  override readonly name = 'AssumeRoleError';

  constructor(
    readonly accountId: string,
    readonly roleArn: string,
    readonly code: string,
    readonly awsMessage: string,
    options?: { cause?: unknown },
  ) {
    super(
      `cannot assume ${roleArn} (${code}: ${awsMessage}); deploy the audit role in account ${accountId} ` +
        'with a trust policy that allows this caller (and the --external-id, if one is given)',
      options,
    );
  }
}

/** `arn:<partition>:sts::<account>:assumed-role/<role>/<session>` */
const SESSION_ARN = /^arn:[\w-]+:sts::(\d{12}):assumed-role\//;

export const roleArn = (t: Pick<AssumeRoleTarget, 'partition' | 'accountId' | 'roleName'>): string =>
  `arn:${t.partition}:iam::${t.accountId}:role/${t.roleName}`;

/**
 * A credential provider for the SDK's clients that assumes the role in the account, and keeps the
 * credentials until shortly before they expire. Concurrent callers share one AssumeRole call.
 */
export function assumeRoleCredentials(sts: STSClient, target: AssumeRoleTarget, now: () => number = Date.now): CredentialsProvider {
  const arn = roleArn(target);
  let current: AwsCredentials | undefined;
  let pending: Promise<AwsCredentials> | undefined;
  const fresh = (c: AwsCredentials | undefined): c is AwsCredentials =>
    c !== undefined && (c.expiration === undefined || c.expiration.getTime() - REFRESH_BEFORE_EXPIRY_MS > now());
  const assume = async (): Promise<AwsCredentials> => {
    let out;
    try {
      out = await sts.send(
        new AssumeRoleCommand({
          RoleArn: arn,
          RoleSessionName: ROLE_SESSION_NAME,
          DurationSeconds: SESSION_SECONDS,
          ...(target.externalId !== undefined ? { ExternalId: target.externalId } : {}),
        }),
      );
    } catch (err) {
      const { code, message } = describeError(err);
      throw new AssumeRoleError(target.accountId, arn, code, message, { cause: err });
    }
    const c = out.Credentials;
    if (!c?.AccessKeyId || !c.SecretAccessKey) {
      throw new AssumeRoleError(target.accountId, arn, 'InvalidResponse', 'STS returned no credentials');
    }
    // The session's ARN names the account the credentials act in: no GetCallerIdentity is needed.
    const sessionAccount = SESSION_ARN.exec(out.AssumedRoleUser?.Arn ?? '')?.[1];
    return {
      accessKeyId: c.AccessKeyId,
      secretAccessKey: c.SecretAccessKey,
      sessionToken: c.SessionToken,
      expiration: c.Expiration,
      accountId: sessionAccount ?? target.accountId,
    };
  };
  return () => {
    if (fresh(current)) return Promise.resolve(current);
    pending ??= assume()
      .then((c) => (current = c))
      .finally(() => (pending = undefined));
    return pending;
  };
}

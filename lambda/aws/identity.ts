import { GetCallerIdentityCommand, type STSClient } from '@aws-sdk/client-sts';
import type { AccountContext } from '../core/types';
import { clientRegion } from './client-region';
import { describeError, InvalidResponseError } from './errors';

const ACCOUNT_ID = /^\d{12}$/;
const ARN = /^arn:(aws[a-z-]*):/;

/** The partition of an ARN (`aws`, `aws-cn`, `aws-us-gov`, ...), or undefined when it is not an ARN. */
export const partitionOf = (arn: string): string | undefined => ARN.exec(arn)?.[1];

/** The calling account and its partition, from STS GetCallerIdentity (needs no permission). */
export async function whoAmI(client: STSClient): Promise<AccountContext> {
  let out;
  try {
    out = await client.send(new GetCallerIdentityCommand({}));
  } catch (err) {
    // Keep the SDK's error name (credential errors are recognised by it), and say which call failed.
    const { code, message } = describeError(err);
    throw Object.assign(
      new Error(
        `STS GetCallerIdentity in ${await clientRegion(client)} failed: ${message}; the account is unknown, so nothing was judged`,
        { cause: err },
      ),
      { name: code },
    );
  }
  const accountId = out.Account ?? '';
  const partition = partitionOf(out.Arn ?? '');
  if (!ACCOUNT_ID.test(accountId) || partition === undefined) {
    throw new InvalidResponseError(
      'STS GetCallerIdentity',
      await clientRegion(client),
      `account "${out.Account ?? ''}" and caller ARN "${out.Arn ?? ''}" do not name a 12-digit account and a partition`,
    );
  }
  return { accountId, partition };
}

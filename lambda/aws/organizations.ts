import { ListAccountsCommand, OrganizationsClient, type Account, type OrganizationsClientConfig } from '@aws-sdk/client-organizations';
import { clientRegion } from './client-region';
import { describeError, InvalidResponseError } from './errors';

/** An Organizations client, for callers that load this module only when they need it. */
export const createOrganizationsClient = (config: OrganizationsClientConfig): OrganizationsClient => new OrganizationsClient(config);

/** ListAccounts' largest page (AWS: MaxResults 1–20). */
export const ACCOUNTS_PER_PAGE = 20;

/** An account of the organization that can be audited. */
export interface OrgAccount {
  id: string;
  name?: string;
}

/** Organizations refused or failed ListAccounts; the message says why and what to do. */
export class OrganizationsError extends Error {
  override readonly name = 'OrganizationsError';

  constructor(
    readonly code: string,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

/**
 * Whether an account is ACTIVE. AWS retires `Status` in favour of `State` (September 2026): `State`
 * decides when present, `Status` otherwise.
 */
export function isActive(a: Pick<Account, 'State' | 'Status'>): boolean {
  return a.State !== undefined ? a.State === 'ACTIVE' : a.Status === 'ACTIVE';
}

function explain(code: string, message: string): string {
  const call = 'Organizations ListAccounts';
  if (/AccessDenied/i.test(code)) {
    return (
      `${call} was refused (${message}): --accounts all needs the organization's management account or a delegated ` +
      'administrator; run from there, or list the accounts with --accounts ID,ID'
    );
  }
  if (code === 'AWSOrganizationsNotInUseException') {
    return `${call}: this account is not in an organization (${message}); list the accounts with --accounts ID,ID`;
  }
  if (code === 'TooManyRequestsException') {
    return `${call} was still throttled after the SDK's retries (${message}); wait a minute and run again`;
  }
  return `${call} failed: ${code}: ${message}`;
}

/**
 * Every ACTIVE account of the organization, by id, following NextToken. `onPage` gets each page's
 * ACTIVE accounts as soon as the page is in, so work on them can start while the next is listed.
 */
export async function listActiveAccounts(client: OrganizationsClient, onPage?: (page: OrgAccount[]) => void): Promise<OrgAccount[]> {
  const accounts: OrgAccount[] = [];
  const seen = new Set<string>();
  let token: string | undefined;
  do {
    let out;
    try {
      out = await client.send(new ListAccountsCommand({ MaxResults: ACCOUNTS_PER_PAGE, NextToken: token }));
    } catch (err) {
      const { code, message } = describeError(err);
      throw new OrganizationsError(code, explain(code, message), { cause: err });
    }
    const page: OrgAccount[] = [];
    for (const a of out.Accounts ?? []) {
      if (!isActive(a)) continue;
      if (!a.Id || !/^\d{12}$/.test(a.Id)) {
        throw new InvalidResponseError(
          'Organizations ListAccounts',
          await clientRegion(client),
          `account id "${a.Id ?? ''}" is not 12 digits`,
        );
      }
      page.push(a.Name ? { id: a.Id, name: a.Name } : { id: a.Id });
    }
    accounts.push(...page);
    onPage?.(page);
    token = out.NextToken || undefined;
    if (token !== undefined) {
      if (seen.has(token)) {
        throw new InvalidResponseError('Organizations ListAccounts', await clientRegion(client), `NextToken "${token}" came back twice`);
      }
      seen.add(token);
    }
  } while (token !== undefined);
  const unique = new Map(accounts.map((a) => [a.id, a]));
  return [...unique.values()].sort((a, b) => a.id.localeCompare(b.id));
}

import {
  ListAccountsCommand,
  ListAccountsForParentCommand,
  ListChildrenCommand,
  OrganizationsClient,
  type Account,
  type OrganizationsClientConfig,
} from '@aws-sdk/client-organizations';
import { clientRegion } from './client-region';
import { describeError, InvalidResponseError } from './errors';
import { Pacer, type RateLimit } from './pace';

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

/**
 * The pace of the OU walk's calls. AWS documents no rate for ListChildren / ListAccountsForParent
 * (they throttle with TooManyRequestsException like ListAccounts; *unverified*): 5 calls a second,
 * a burst of 5, lists an organization of 10,000 accounts in 20-account pages in under two minutes
 * and leaves room for the organization's other callers.
 */
export const ORGANIZATIONS_WALK_RATE: RateLimit = { rate: 5, burst: 5 };

/** Where the walk failed, and what to do about it. */
function explainWalk(call: string, parentId: string, code: string, message: string): string {
  const what = `Organizations ${call} of ${parentId}`;
  if (/AccessDenied/i.test(code)) {
    return `${what} was refused (${message}): the hub must be deployed in the management account or a delegated administrator, and its role needs organizations:ListChildren and organizations:ListAccountsForParent on the organization's OUs and roots`;
  }
  if (code === 'ParentNotFoundException' || code === 'TargetNotFoundException') {
    return `${what}: ${parentId} is not an OU or root of this organization (${message}); correct organizationUnitIds and deploy the hub again`;
  }
  if (code === 'TooManyRequestsException')
    return `${what} was still throttled after the SDK's retries (${message}); the next check tries again`;
  return `${what} failed: ${code}: ${message}`;
}

/** Every item of one paginated Organizations list, each page paced; `page` reads one page: its items and its NextToken. */
async function allPages<T>(
  client: OrganizationsClient,
  pacer: Pacer,
  call: string,
  parentId: string,
  page: (token: string | undefined) => Promise<{ items: T[]; next: string | undefined }>,
): Promise<T[]> {
  const items: T[] = [];
  const seen = new Set<string>();
  let token: string | undefined;
  do {
    await pacer.acquire();
    let out;
    try {
      out = await page(token);
    } catch (err) {
      const { code, message } = describeError(err);
      throw new OrganizationsError(code, explainWalk(call, parentId, code, message), { cause: err });
    }
    items.push(...out.items);
    // An empty page may still have a NextToken (AWS: "continue until NextToken is null").
    token = out.next || undefined;
    if (token !== undefined) {
      if (seen.has(token)) {
        throw new InvalidResponseError(`Organizations ${call}`, await clientRegion(client), `NextToken "${token}" came back twice`);
      }
      seen.add(token);
    }
  } while (token !== undefined);
  return items;
}

/**
 * Every ACTIVE account under the given OUs or roots, at any depth: each parent's accounts
 * (ListAccountsForParent) and its child OUs (ListChildren), walked breadth first, every page
 * followed and every call paced. An OU reached twice (a parent and its child both given) is
 * walked once. Sorted by id.
 */
export async function listActiveAccountsUnder(
  client: OrganizationsClient,
  parentIds: readonly string[],
  pacer: Pacer = new Pacer(ORGANIZATIONS_WALK_RATE),
): Promise<OrgAccount[]> {
  const accounts = new Map<string, OrgAccount>();
  const queued = new Set(parentIds);
  const queue = [...queued];
  for (let parentId = queue.shift(); parentId !== undefined; parentId = queue.shift()) {
    const parent = parentId;
    const listed = await allPages(client, pacer, 'ListAccountsForParent', parent, async (NextToken) => {
      const out = await client.send(new ListAccountsForParentCommand({ ParentId: parent, MaxResults: ACCOUNTS_PER_PAGE, NextToken }));
      return { items: out.Accounts ?? [], next: out.NextToken };
    });
    for (const a of listed.filter(isActive)) {
      if (!a.Id || !/^\d{12}$/.test(a.Id)) {
        throw new InvalidResponseError(
          'Organizations ListAccountsForParent',
          await clientRegion(client),
          `account id "${a.Id ?? ''}" is not 12 digits`,
        );
      }
      accounts.set(a.Id, a.Name ? { id: a.Id, name: a.Name } : { id: a.Id });
    }
    const children = await allPages(client, pacer, 'ListChildren', parent, async (NextToken) => {
      const out = await client.send(
        new ListChildrenCommand({ ParentId: parent, ChildType: 'ORGANIZATIONAL_UNIT', MaxResults: ACCOUNTS_PER_PAGE, NextToken }),
      );
      return { items: (out.Children ?? []).map((c) => c.Id ?? ''), next: out.NextToken };
    });
    for (const child of children) {
      if (!/^ou-[a-z0-9]{4,32}-[a-z0-9]{8,32}$/.test(child)) {
        throw new InvalidResponseError('Organizations ListChildren', await clientRegion(client), `child OU id "${child}" is not an OU id`);
      }
      if (!queued.has(child)) {
        queued.add(child);
        queue.push(child);
      }
    }
  }
  return [...accounts.values()].sort((a, b) => a.id.localeCompare(b.id));
}

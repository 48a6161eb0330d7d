import 'aws-sdk-client-mock-jest';
import { ListAccountsCommand, ListAccountsForParentCommand, ListChildrenCommand, OrganizationsClient } from '@aws-sdk/client-organizations';
import { mockClient } from 'aws-sdk-client-mock';
import { InvalidResponseError } from '../../../lambda/aws/errors';
import {
  ACCOUNTS_PER_PAGE,
  isActive,
  listActiveAccounts,
  listActiveAccountsUnder,
  ORGANIZATIONS_WALK_RATE,
  OrganizationsError,
} from '../../../lambda/aws/organizations';
import { Pacer } from '../../../lambda/aws/pace';

const org = mockClient(OrganizationsClient);
const client = new OrganizationsClient({ region: 'us-east-1' });

beforeEach(() => {
  org.reset();
});

const awsError = (name: string, message: string) => Object.assign(new Error(message), { name });

describe('listActiveAccounts', () => {
  it('follows NextToken at 20 accounts a page and returns the ACTIVE accounts sorted by id', async () => {
    org
      .on(ListAccountsCommand, { NextToken: undefined })
      .resolves({ Accounts: [{ Id: '333333333333', Name: 'c', State: 'ACTIVE' }], NextToken: 'p2' })
      .on(ListAccountsCommand, { NextToken: 'p2' })
      .resolves({
        Accounts: [
          { Id: '111111111111', State: 'ACTIVE' },
          { Id: '222222222222', Name: 'b', State: 'ACTIVE' },
        ],
      });

    const accounts = await listActiveAccounts(client);

    expect(accounts).toEqual([{ id: '111111111111' }, { id: '222222222222', name: 'b' }, { id: '333333333333', name: 'c' }]);
    expect(org).toHaveReceivedCommandTimes(ListAccountsCommand, 2);
    expect(org).toHaveReceivedNthCommandWith(1, ListAccountsCommand, { MaxResults: ACCOUNTS_PER_PAGE });
    expect(org).toHaveReceivedNthCommandWith(2, ListAccountsCommand, { MaxResults: ACCOUNTS_PER_PAGE, NextToken: 'p2' });
    expect(ACCOUNTS_PER_PAGE).toBe(20);
  });

  it('hands each page’s ACTIVE accounts to onPage as soon as that page is in, before asking for the next', async () => {
    const pages: string[][] = [];
    org
      .on(ListAccountsCommand, { NextToken: undefined })
      .resolves({
        Accounts: [
          { Id: '333333333333', State: 'ACTIVE' },
          { Id: '444444444444', State: 'SUSPENDED' },
        ],
        NextToken: 'p2',
      })
      .on(ListAccountsCommand, { NextToken: 'p2' })
      .callsFake(() => {
        pages.push(['(page 2 asked)']);
        return { Accounts: [{ Id: '111111111111', State: 'ACTIVE' }] };
      });

    await listActiveAccounts(client, (page) => pages.push(page.map((a) => a.id)));

    expect(pages).toEqual([['333333333333'], ['(page 2 asked)'], ['111111111111']]);
  });

  it('leaves out suspended, closed and pending accounts, by State, and by Status where State is absent', async () => {
    org.on(ListAccountsCommand).resolves({
      Accounts: [
        { Id: '111111111111', State: 'ACTIVE' },
        { Id: '222222222222', State: 'SUSPENDED', Status: 'SUSPENDED' },
        { Id: '333333333333', State: 'CLOSED' },
        { Id: '444444444444', State: 'PENDING_ACTIVATION' },
        { Id: '555555555555', Status: 'ACTIVE' },
        { Id: '666666666666', Status: 'PENDING_CLOSURE' },
      ],
    });

    const accounts = await listActiveAccounts(client);

    expect(accounts.map((a) => a.id)).toEqual(['111111111111', '555555555555']);
  });

  it('decides by State when State and Status disagree (AWS retires Status)', () => {
    expect(isActive({ State: 'SUSPENDED', Status: 'ACTIVE' })).toBe(false);
    expect(isActive({ State: 'ACTIVE', Status: 'SUSPENDED' })).toBe(true);
    expect(isActive({})).toBe(false);
  });

  it('names the call and says to wait when Organizations still throttles after the retries', async () => {
    org.on(ListAccountsCommand).rejects(awsError('TooManyRequestsException', 'Rate exceeded'));

    const err = await listActiveAccounts(client).catch((e: unknown) => e);

    expect(err).toBeInstanceOf(OrganizationsError);
    expect((err as Error).message).toMatch(/^Organizations ListAccounts was still throttled after the SDK's retries \(Rate exceeded\)/);
  });

  it('says that --accounts all needs the management account or a delegated administrator when refused', async () => {
    org.on(ListAccountsCommand).rejects(awsError('AccessDeniedException', 'You don’t have permissions to access this resource.'));

    await expect(listActiveAccounts(client)).rejects.toThrow(/management account or a delegated administrator.*--accounts ID,ID/);
  });

  it('says the account is not in an organization', async () => {
    org.on(ListAccountsCommand).rejects(awsError('AWSOrganizationsNotInUseException', 'not in use'));

    await expect(listActiveAccounts(client)).rejects.toThrow(/not in an organization/);
  });

  it('refuses a page token that comes back twice rather than looping', async () => {
    org.on(ListAccountsCommand).resolves({ Accounts: [{ Id: '111111111111', State: 'ACTIVE' }], NextToken: 'same' });

    await expect(listActiveAccounts(client)).rejects.toThrow(InvalidResponseError);
    expect(org).toHaveReceivedCommandTimes(ListAccountsCommand, 2);
  });

  it('refuses an ACTIVE account whose id is not 12 digits', async () => {
    org.on(ListAccountsCommand).resolves({ Accounts: [{ Id: '12345', State: 'ACTIVE' }] });

    await expect(listActiveAccounts(client)).rejects.toThrow(/account id "12345" is not 12 digits/);
  });
});

describe('listActiveAccountsUnder (the OU walk)', () => {
  const PROD = 'ou-ab12-prod0001';
  const PAYMENTS = 'ou-ab12-payments';
  const CARDS = 'ou-ab12-cards001';
  /** A pacer that never waits, counting the calls it lets through. */
  const counting = () => {
    const pacer = new Pacer({ rate: 1_000_000, burst: 1_000_000 });
    const acquire = jest.spyOn(pacer, 'acquire');
    return { pacer, acquire };
  };

  /** prod holds one account and payments; payments holds two pages of accounts and cards; cards holds one. */
  function tree() {
    org
      .on(ListAccountsForParentCommand, { ParentId: PROD })
      .resolves({ Accounts: [{ Id: '111111111111', Name: 'prod-web', State: 'ACTIVE' }] })
      .on(ListAccountsForParentCommand, { ParentId: PAYMENTS, NextToken: undefined })
      .resolves({ Accounts: [{ Id: '222222222222', State: 'ACTIVE' }], NextToken: 'a2' })
      .on(ListAccountsForParentCommand, { ParentId: PAYMENTS, NextToken: 'a2' })
      .resolves({ Accounts: [], NextToken: 'a3' })
      .on(ListAccountsForParentCommand, { ParentId: PAYMENTS, NextToken: 'a3' })
      .resolves({
        Accounts: [
          { Id: '333333333333', State: 'SUSPENDED' },
          { Id: '444444444444', Status: 'ACTIVE' },
        ],
      })
      .on(ListAccountsForParentCommand, { ParentId: CARDS })
      .resolves({ Accounts: [{ Id: '555555555555', Name: 'cards', State: 'ACTIVE' }] })
      .on(ListChildrenCommand, { ParentId: PROD, NextToken: undefined })
      .resolves({ Children: [], NextToken: 'c2' })
      .on(ListChildrenCommand, { ParentId: PROD, NextToken: 'c2' })
      .resolves({ Children: [{ Id: PAYMENTS, Type: 'ORGANIZATIONAL_UNIT' }] })
      .on(ListChildrenCommand, { ParentId: PAYMENTS })
      .resolves({ Children: [{ Id: CARDS, Type: 'ORGANIZATIONAL_UNIT' }] })
      .on(ListChildrenCommand, { ParentId: CARDS })
      .resolves({ Children: [] });
  }

  it('lists the ACTIVE accounts of the OU and of its nested OUs, every page (an empty page with a NextToken too), sorted by id', async () => {
    tree();
    const { pacer } = counting();

    const accounts = await listActiveAccountsUnder(client, [PROD], pacer);

    expect(accounts).toEqual([
      { id: '111111111111', name: 'prod-web' },
      { id: '222222222222' },
      { id: '444444444444' },
      { id: '555555555555', name: 'cards' },
    ]);
    expect(org).toHaveReceivedCommandWith(ListChildrenCommand, { ParentId: PROD, ChildType: 'ORGANIZATIONAL_UNIT', MaxResults: 20 });
    expect(org).toHaveReceivedCommandWith(ListAccountsForParentCommand, { ParentId: PAYMENTS, MaxResults: 20, NextToken: 'a3' });
  });

  it('leaves out a SUSPENDED account and never asks about OUs outside the targets', async () => {
    tree();
    const { pacer } = counting();

    const accounts = await listActiveAccountsUnder(client, [CARDS], pacer);

    expect(accounts).toEqual([{ id: '555555555555', name: 'cards' }]);
    const asked = [...org.commandCalls(ListAccountsForParentCommand), ...org.commandCalls(ListChildrenCommand)].map(
      (c) => (c.args[0].input as { ParentId?: string }).ParentId,
    );
    expect(new Set(asked)).toEqual(new Set([CARDS]));
    expect(org).toHaveReceivedCommandTimes(ListAccountsCommand, 0);
  });

  it('walks an OU given twice, or given beside its parent, once', async () => {
    tree();
    const { pacer } = counting();

    const accounts = await listActiveAccountsUnder(client, [PROD, CARDS, PROD], pacer);

    expect(accounts.map((a) => a.id)).toEqual(['111111111111', '222222222222', '444444444444', '555555555555']);
    expect(org.commandCalls(ListAccountsForParentCommand).filter((c) => c.args[0].input.ParentId === CARDS)).toHaveLength(1);
  });

  it('takes a token of the pacer before every call, so the walk keeps to the pace', async () => {
    tree();
    const { pacer, acquire } = counting();

    await listActiveAccountsUnder(client, [PROD], pacer);

    // prod: 1 + 2 pages, payments: 3 + 1, cards: 1 + 1.
    expect(org.calls()).toHaveLength(9);
    expect(acquire).toHaveBeenCalledTimes(9);
    expect(ORGANIZATIONS_WALK_RATE).toEqual({ rate: 5, burst: 5 });
  });

  it('names the call, the OU and the fix when Organizations refuses the walk', async () => {
    org.on(ListAccountsForParentCommand).rejects(awsError('AccessDeniedException', 'not authorized'));
    const { pacer } = counting();

    const failure = listActiveAccountsUnder(client, [PROD], pacer);

    await expect(failure).rejects.toThrow(OrganizationsError);
    await expect(listActiveAccountsUnder(client, [PROD], pacer)).rejects.toThrow(
      `Organizations ListAccountsForParent of ${PROD} was refused (not authorized): the hub must be deployed in the management account or a delegated administrator`,
    );
  });

  it('says a target that is not an OU of the organization is to be corrected in organizationUnitIds', async () => {
    org.on(ListAccountsForParentCommand).rejects(awsError('ParentNotFoundException', 'no such parent'));

    await expect(listActiveAccountsUnder(client, ['ou-ab12-gone0000'], counting().pacer)).rejects.toThrow(
      'Organizations ListAccountsForParent of ou-ab12-gone0000: ou-ab12-gone0000 is not an OU or root of this organization (no such parent); correct organizationUnitIds',
    );
  });

  it('refuses a NextToken that comes back twice instead of looping', async () => {
    org.on(ListAccountsForParentCommand).resolves({ Accounts: [], NextToken: 'same' });

    await expect(listActiveAccountsUnder(client, [PROD], counting().pacer)).rejects.toThrow(InvalidResponseError);
  });
});

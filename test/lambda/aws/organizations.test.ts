import 'aws-sdk-client-mock-jest';
import { ListAccountsCommand, OrganizationsClient } from '@aws-sdk/client-organizations';
import { mockClient } from 'aws-sdk-client-mock';
import { InvalidResponseError } from '../../../lambda/aws/errors';
import { ACCOUNTS_PER_PAGE, isActive, listActiveAccounts, OrganizationsError } from '../../../lambda/aws/organizations';

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

import { accountFlagProblems, parseAccounts, type AccountFlags } from '../../bin/accounts';

const flags = (over: Partial<AccountFlags> = {}): AccountFlags => ({
  accounts: '111111111111,222222222222',
  roleName: 'BacktrackAudit',
  accountConcurrency: '8',
  ...over,
});

describe('--accounts and its flags', () => {
  it('accepts all, or a list of 12-digit ids (sorted, each once)', () => {
    expect(accountFlagProblems(flags())).toEqual([]);
    expect(accountFlagProblems(flags({ accounts: 'all' }))).toEqual([]);
    expect(parseAccounts(' 222222222222, 111111111111,222222222222')).toEqual(['111111111111', '222222222222']);
    expect(parseAccounts('all')).toBe('all');
  });

  it('names an id that is not 12 digits, and says what to give', () => {
    expect(accountFlagProblems(flags({ accounts: '111111111111,12345678901' }))).toEqual([
      '--accounts: "111111111111,12345678901" — "12345678901" is not a 12-digit account id; use "all" for every ACTIVE account of the organization, or a comma list such as 111111111111,222222222222',
    ]);
  });

  it('--account-concurrency: 1 and 64 are allowed, 0 and 65 are out of range, a fraction is not a number of accounts', () => {
    expect(accountFlagProblems(flags({ accountConcurrency: '1' }))).toEqual([]);
    expect(accountFlagProblems(flags({ accountConcurrency: '64' }))).toEqual([]);
    expect(accountFlagProblems(flags({ accountConcurrency: '0' }))).toEqual([
      '--account-concurrency: "0" — out of range 1–64 (accounts audited at once)',
    ]);
    expect(accountFlagProblems(flags({ accountConcurrency: '65' }))).toEqual([
      '--account-concurrency: "65" — out of range 1–64 (accounts audited at once)',
    ]);
    expect(accountFlagProblems(flags({ accountConcurrency: '2.5' }))).toEqual([
      '--account-concurrency: "2.5" — use a whole number of accounts from 1 to 64',
    ]);
  });

  it('needs --role-name, as a role name, not an ARN', () => {
    expect(accountFlagProblems(flags({ roleName: undefined }))).toEqual([
      '--accounts needs --role-name: the role the CLI assumes in each account (lib/audit-role.ts deploys it)',
    ]);
    expect(accountFlagProblems(flags({ roleName: 'arn:aws:iam::111111111111:role/X' }))[0]).toMatch(/^--role-name: .* not an ARN$/);
    expect(accountFlagProblems(flags({ roleName: 'r'.repeat(64) }))).toEqual([]);
    expect(accountFlagProblems(flags({ roleName: 'r'.repeat(65) }))).toHaveLength(1);
  });

  it('checks --external-id: 2 to 1224 characters', () => {
    expect(accountFlagProblems(flags({ externalId: 'ab' }))).toEqual([]);
    expect(accountFlagProblems(flags({ externalId: 'a' }))[0]).toMatch(/^--external-id: "a"/);
    expect(accountFlagProblems(flags({ externalId: 'a'.repeat(1224) }))).toEqual([]);
    expect(accountFlagProblems(flags({ externalId: 'a'.repeat(1225) }))).toHaveLength(1);
  });

  it('refuses --state-table and --alert-topic-arn with --accounts: an audit from one seat keeps no state', () => {
    const problems = accountFlagProblems(flags({ stateTable: 't', alertTopicArn: 'arn:aws:sns:us-east-1:111111111111:x' }));
    expect(problems.map((p) => p.split(':')[0])).toEqual(['--state-table with --accounts', '--alert-topic-arn with --accounts']);
  });

  it('refuses --role-name and --external-id without --accounts', () => {
    expect(accountFlagProblems({ roleName: 'R', externalId: 'xx', accountConcurrency: '8' })).toEqual([
      '--role-name without --accounts: name the accounts to audit (--accounts all or ID,ID)',
      '--external-id without --accounts: name the accounts to audit (--accounts all or ID,ID)',
    ]);
  });
});

describe('scan --accounts through the CLI', () => {
  it('exits 2 before any AWS call and names every bad account flag at once', async () => {
    const { main } = await import('../../bin/cli');
    const err: string[] = [];
    const code = await main(['scan', '--accounts', '12', '--account-concurrency', '65', '--regions', 'us-east-1'], {
      out: () => undefined,
      err: (t) => err.push(t),
      env: {},
    });

    expect(code).toBe(2);
    expect(err.join('\n')).toContain('--accounts: "12"');
    expect(err.join('\n')).toContain('--account-concurrency: "65" — out of range 1–64');
    expect(err.join('\n')).toContain('--accounts needs --role-name');
  });
});

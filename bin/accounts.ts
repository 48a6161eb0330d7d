/**
 * `scan --accounts`: an audit of several accounts of an organization from one seat. The CLI assumes
 * `--role-name` in every listed account (the caller's own account too, so every account is read
 * with the same, audited permissions) and runs the usual scan there with that account's
 * credentials; findings are imported by each account into its own Security Hub.
 */
import { ConfigError } from '../lambda/config';
import type { AccountOutcome, AccountTarget } from '../lambda/accounts';
import type { ComplianceStatus } from '../lambda/core/types';
import type { CheckConfig, Logger, RunSummary } from '../lambda/run';
import { renderAccounts } from './output/accounts';
import type { Format } from './output';
import type { ScanSettings } from './output/html';

/** The flags of an audit of several accounts. */
export interface AccountFlags {
  accounts?: string;
  roleName?: string;
  externalId?: string;
  accountConcurrency: string;
  stateTable?: string;
  alertTopicArn?: string;
}

/** `--account-concurrency`: accounts audited at once. */
export const ACCOUNT_CONCURRENCY = { default: 8, min: 1, max: 64 } as const;

const ACCOUNT_ID = /^\d{12}$/;
/** IAM role names: 1–64 of letters, digits and + = , . @ _ - */
const ROLE_NAME = /^[\w+=,.@-]{1,64}$/;
/** STS ExternalId: 2–1224 of letters, digits and + = , . @ : / - _ */
const EXTERNAL_ID = /^[\w+=,.@:/-]{2,1224}$/;

/** The accounts `--accounts` names: `all`, or the listed ids (sorted, each once). */
export function parseAccounts(value: string): 'all' | string[] {
  if (value.trim() === 'all') return 'all';
  return [...new Set(value.split(',').map((a) => a.trim()))].sort();
}

/** Problems with the flags of an audit of several accounts (reported with every other bad flag). */
export function accountFlagProblems(flags: AccountFlags): string[] {
  const problems: string[] = [];
  const { min, max } = ACCOUNT_CONCURRENCY;
  if (!/^\d+$/.test(flags.accountConcurrency.trim())) {
    problems.push(`--account-concurrency: "${flags.accountConcurrency}" — use a whole number of accounts from ${min} to ${max}`);
  } else if (Number(flags.accountConcurrency) < min || Number(flags.accountConcurrency) > max) {
    problems.push(`--account-concurrency: "${flags.accountConcurrency}" — out of range ${min}–${max} (accounts audited at once)`);
  }
  if (flags.accounts === undefined) {
    if (flags.roleName !== undefined) problems.push('--role-name without --accounts: name the accounts to audit (--accounts all or ID,ID)');
    if (flags.externalId !== undefined)
      problems.push('--external-id without --accounts: name the accounts to audit (--accounts all or ID,ID)');
    return problems;
  }
  const accounts = parseAccounts(flags.accounts);
  if (accounts !== 'all') {
    const bad = accounts.filter((a) => !ACCOUNT_ID.test(a));
    if (bad.length || accounts.length === 0) {
      problems.push(
        `--accounts: "${flags.accounts}" — ${bad.map((b) => `"${b}"`).join(', ') || 'empty'} is not a 12-digit account id; ` +
          'use "all" for every ACTIVE account of the organization, or a comma list such as 111111111111,222222222222',
      );
    }
  }
  if (flags.roleName === undefined) {
    problems.push('--accounts needs --role-name: the role the CLI assumes in each account (lib/audit-role.ts deploys it)');
  } else if (!ROLE_NAME.test(flags.roleName)) {
    problems.push(`--role-name: "${flags.roleName}" — use an IAM role name (1–64 of letters, digits and + = , . @ _ -), not an ARN`);
  }
  if (flags.externalId !== undefined && !EXTERNAL_ID.test(flags.externalId)) {
    problems.push(`--external-id: "${flags.externalId}" — use 2–1224 of letters, digits and + = , . @ : / - _`);
  }
  if (flags.stateTable !== undefined) {
    problems.push(
      '--state-table with --accounts: an audit from one seat keeps no state; each account keeps its own through its deployed checker. Drop one of the two',
    );
  }
  if (flags.alertTopicArn !== undefined) {
    problems.push(
      '--alert-topic-arn with --accounts: an audit from one seat sends no change alert (it keeps no state to tell a change); drop one of the two',
    );
  }
  return problems;
}

export interface AccountsScan {
  homeRegion: string;
  /** Epoch ms the whole audit must be over by (--timeout). */
  deadline: number;
  log: Logger;
  format: Format;
  color: boolean;
  /** How the audit was asked for (the HTML page states it). */
  settings?: ScanSettings;
  /** The exit status of one account's run (--fail-on applied). */
  exitCodeFor: (s: RunSummary) => number;
  /** Writes the result (stdout or --output). */
  emit: (text: string) => void;
  err: (text: string) => void;
  progress?: (text: string) => void;
  /** `--status`: only these verdicts are shown (the totals count every cluster). */
  statuses?: readonly ComplianceStatus[];
  /**
   * With `--cluster`: the problem to report when the filter matched no cluster in any account
   * audited (given how many it matched), else undefined.
   */
  unmatched?: (matched: number) => string | undefined;
}

/** A log whose lines name the account they are about. */
const forAccount = (log: Logger, accountId: string): Logger => ({
  info: (m, ...x) => log.info(`account ${accountId}: ${m}`, ...x),
  warn: (m, ...x) => log.warn(`account ${accountId}: ${m}`, ...x),
  error: (m, ...x) => log.error(`account ${accountId}: ${m}`, ...x),
});

/** Audits the accounts, prints the result, and resolves to the exit status. */
export async function scanAccounts(config: CheckConfig, flags: AccountFlags, run: AccountsScan): Promise<number> {
  const [
    { createOrganizationsClient, listActiveAccounts },
    { createStsClient, assumeRoleCredentials },
    { whoAmI },
    deps,
    { runCheck },
    audit,
    { Semaphore },
  ] = await Promise.all([
    import('../lambda/aws/organizations'),
    import('../lambda/aws/assume-role'),
    import('../lambda/aws/identity'),
    import('../lambda/default-deps'),
    import('../lambda/run'),
    import('../lambda/accounts'),
    import('../lambda/concurrency'),
  ]);
  const startedAt = new Date();
  const sts = createStsClient({ region: run.homeRegion, ...deps.CLIENT_SETTINGS });
  const caller = await whoAmI(sts);
  const listed = parseAccounts(flags.accounts ?? '');
  let done = 0;
  let total = 0;
  const runOne = async (target: AccountTarget) => {
    try {
      const credentials = assumeRoleCredentials(sts, {
        partition: caller.partition,
        accountId: target.accountId,
        roleName: flags.roleName ?? '',
        ...(flags.externalId !== undefined ? { externalId: flags.externalId } : {}),
      });
      // The role is assumed before the run starts, so an account without it is named with AWS's reason.
      await credentials();
      const accountDeps = deps.awsDeps({
        homeRegion: run.homeRegion,
        log: forAccount(run.log, target.accountId),
        credentials,
        regionsModule: () => import('../lambda/aws/regions'),
        // The account the session acts in, as STS named it: one GetCallerIdentity less per account.
        account: async () => ({ accountId: (await credentials()).accountId ?? target.accountId, partition: caller.partition }),
      });
      return await runCheck(config, accountDeps, { mode: 'scan' }, { deadline: run.deadline });
    } finally {
      run.progress?.(`\r\u001b[K${++done}/${total} accounts done`);
    }
  };
  // Each account starts as soon as the page that lists it is in, at most --account-concurrency at once.
  const slots = new Semaphore(Number(flags.accountConcurrency));
  const started = new Map<string, Promise<AccountOutcome[]>>();
  const start = (targets: AccountTarget[]) => {
    for (const t of targets) {
      if (started.has(t.accountId)) continue;
      total += 1;
      started.set(
        t.accountId,
        slots.run(() => audit.runAccounts([t], 1, runOne)),
      );
    }
  };
  const settled = () => Promise.all(started.values()).then((o) => o.flat().sort((a, b) => a.accountId.localeCompare(b.accountId)));
  if (listed === 'all') {
    try {
      await listActiveAccounts(createOrganizationsClient({ region: run.homeRegion, ...deps.CLIENT_SETTINGS }), (page) =>
        start(page.map((a) => ({ accountId: a.id, ...(a.name !== undefined ? { name: a.name } : {}) }))),
      );
    } catch (err) {
      // The organization's list is incomplete: the accounts already started finish (nothing is left
      // half done), then the audit fails as a whole, saying so.
      const audited = await settled();
      if (audited.length > 0) {
        run.err(
          `error: the organization's account list is incomplete; ${audited.length} account(s) listed before the failure were audited` +
            `${config.publishFindings ? ' (their findings were imported)' : ''}, but no result is reported for an incomplete organization`,
        );
      }
      throw err;
    }
  } else start(listed.map((accountId) => ({ accountId })));
  const outcomes = await settled();
  run.progress?.('\r\u001b[K');
  const summary = audit.summarizeAccounts(caller, startedAt, new Date(), outcomes);
  for (const o of outcomes.filter((x) => x.error)) run.err(`error: account ${o.accountId} not audited: ${o.error?.message}`);
  // A filter that matched nothing anywhere is a typo, not a clean audit (unless an account or Region was missed).
  const unmatched = audit.isAuditDegraded(summary)
    ? undefined
    : run.unmatched?.(outcomes.reduce((n, o) => n + (o.summary?.totals.clusters ?? 0), 0));
  if (unmatched) throw new ConfigError([unmatched]);
  run.emit(
    renderAccounts(run.format, summary, {
      color: run.color,
      actualWindow: config.actualWindow,
      settings: run.settings,
      ...(run.statuses ? { statuses: run.statuses } : {}),
    }),
  );
  if (audit.isAuditDegraded(summary)) return 3;
  return Math.max(0, ...outcomes.map((o) => (o.summary ? run.exitCodeFor(o.summary) : 0)));
}

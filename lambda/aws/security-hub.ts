import {
  BatchImportFindingsCommand,
  BatchUpdateFindingsCommand,
  GetFindingsCommand,
  type AwsSecurityFinding,
  type BatchUpdateFindingsCommandInput,
  type BatchImportFindingsResponse,
  type SecurityHubClient,
} from '@aws-sdk/client-securityhub';
import { clientRegion } from './client-region';
import { describeError, FindingsBatchTooLargeError, SecurityHubNotEnabledError } from './errors';

/** BatchImportFindings and BatchUpdateFindings take at most 100 findings per call. */
export const FINDINGS_PER_CALL = 100;
/** BatchUpdateFindings limits Note.Text to 512 characters. */
export const NOTE_MAX_CHARS = 512;
import { GENERATOR_ID, NOTE_AUTHOR as NOTE_UPDATED_BY, productArn } from '../core/finding';
import { chunk } from './chunk';
import { Pacer, type RateLimit } from './pace';
export { NOTE_UPDATED_BY };

export interface FindingFailure {
  id: string;
  code: string;
  message: string;
}

export interface ImportResult {
  imported: number;
  failed: FindingFailure[];
  /** Why the first call that failed as a whole (after the SDK's retries) failed; its findings are in `failed`. */
  callError?: { code: string; message: string };
}

export interface WorkflowUpdate {
  id: string;
  productArn: string;
  status: 'SUPPRESSED' | 'NEW';
  note?: string;
}

export interface UpdateResult {
  updated: number;
  failed: FindingFailure[];
}

/** The product ARN under which an account imports its own findings in a Region (defined with the finding). */
export { productArn };

const NOT_ENABLED_CODES = new Set(['InvalidAccess', 'InvalidAccessException']);

const errorName = (err: unknown): string | undefined => (err as { name?: unknown })?.name as string | undefined;
const errorMessage = (err: unknown): string => (err instanceof Error ? err.message : String(err));
const httpStatus = (err: unknown): number | undefined => (err as { $metadata?: { httpStatusCode?: number } })?.$metadata?.httpStatusCode;

/** A 4xx refusal whose message is about the number of findings in the call. */
function isBatchTooLarge(err: unknown): boolean {
  const status = httpStatus(err);
  const message = errorMessage(err);
  return (
    status !== undefined &&
    status >= 400 &&
    status < 500 &&
    /finding/i.test(message) &&
    /(more than|at most|maximum|exceed\w*|less than or equal to|between 1 and)\D{0,20}\b100\b/i.test(message)
  );
}

/** Turns the errors that concern the whole Region into typed errors; leaves the rest alone. */
async function regionWideError(client: SecurityHubClient, err: unknown, sent: number): Promise<Error | undefined> {
  if (errorName(err) === 'InvalidAccessException') {
    return new SecurityHubNotEnabledError(await clientRegion(client), errorMessage(err), { cause: err });
  }
  if (isBatchTooLarge(err)) {
    return new FindingsBatchTooLargeError(await clientRegion(client), sent, errorMessage(err), { cause: err });
  }
  return undefined;
}

interface CallOutcome {
  imported: number;
  /** Entries AWS listed in FailedFindings: worth sending again. */
  rejected: FindingFailure[];
  /** Findings of calls that failed as a whole (after the SDK's own retries). */
  errored: FindingFailure[];
}

/**
 * One BatchImportFindings call; throws only for Region-wide problems. Every entry rejected with
 * InvalidAccess means Security Hub is off, but only in a first round: a retry of entries that
 * were each refused on their own proves nothing about the Region.
 */
async function importBatch(client: SecurityHubClient, batch: AwsSecurityFinding[], firstRound: boolean): Promise<CallOutcome> {
  let out: BatchImportFindingsResponse;
  try {
    out = await client.send(new BatchImportFindingsCommand({ Findings: batch }));
  } catch (err) {
    const regionWide = await regionWideError(client, err, batch.length);
    if (regionWide) throw regionWide;
    const { code, message } = describeError(err);
    return { imported: 0, rejected: [], errored: batch.map((f) => ({ id: f.Id ?? '', code, message })) };
  }
  const rejected: FindingFailure[] = (out.FailedFindings ?? []).map((f) => ({
    id: f.Id ?? '',
    code: f.ErrorCode ?? 'Unknown',
    message: f.ErrorMessage ?? '',
  }));
  if (firstRound && rejected.length === batch.length && rejected.every((f) => NOT_ENABLED_CODES.has(f.code))) {
    throw new SecurityHubNotEnabledError(await clientRegion(client), rejected[0]?.message ?? '');
  }
  const imported = typeof out.SuccessCount === 'number' ? out.SuccessCount : batch.length - rejected.length;
  return { imported, rejected, errored: [] };
}

async function importAll(client: SecurityHubClient, findings: AwsSecurityFinding[], firstRound: boolean): Promise<CallOutcome> {
  const total: CallOutcome = { imported: 0, rejected: [], errored: [] };
  for (const batch of chunk(findings, FINDINGS_PER_CALL)) {
    const outcome = await importBatch(client, batch, firstRound);
    total.imported += outcome.imported;
    total.rejected.push(...outcome.rejected);
    total.errored.push(...outcome.errored);
  }
  return total;
}

/**
 * Imports findings into the client's Region, 100 per call, one call at a time. The entries AWS lists
 * in FailedFindings are sent once more; those that fail again are reported. Security Hub not
 * enabled raises SecurityHubNotEnabledError; any other failed call is reported for its findings.
 */
export async function importFindings(client: SecurityHubClient, findings: AwsSecurityFinding[]): Promise<ImportResult> {
  const first = await importAll(client, findings, true);
  const byId = new Map(findings.map((f) => [f.Id ?? '', f]));
  const retryIds = new Set(first.rejected.map((f) => f.id).filter((id) => id !== '' && byId.has(id)));
  const notRetried = first.rejected.filter((f) => !retryIds.has(f.id));
  const retry =
    retryIds.size > 0
      ? await importAll(
          client,
          [...retryIds].map((id) => byId.get(id)!),
          false,
        )
      : { imported: 0, rejected: [], errored: [] };
  const errored = first.errored[0] ?? retry.errored[0];
  return {
    imported: first.imported + retry.imported,
    failed: [...first.errored, ...notRetried, ...retry.rejected, ...retry.errored],
    ...(errored && { callError: { code: errored.code, message: errored.message } }),
  };
}

/** `(status, note)` pairs, in the order first seen, each with its updates. */
function groupByWorkflow(updates: WorkflowUpdate[]): { status: WorkflowUpdate['status']; note?: string; items: WorkflowUpdate[] }[] {
  const groups = new Map<string, { status: WorkflowUpdate['status']; note?: string; items: WorkflowUpdate[] }>();
  for (const u of updates) {
    const key = JSON.stringify([u.status, u.note ?? null]);
    let group = groups.get(key);
    if (!group) {
      group = { status: u.status, ...(u.note !== undefined && { note: u.note }), items: [] };
      groups.set(key, group);
    }
    group.items.push(u);
  }
  return [...groups.values()];
}

const clip = (note: string): string => (note.length <= NOTE_MAX_CHARS ? note : `${note.slice(0, NOTE_MAX_CHARS - 1)}…`);

/**
 * The BatchUpdateFindings calls for these updates, each with the updates it carries: one
 * (status, note) pair and at most 100 findings a call, the note clipped to Security Hub's limit.
 */
export function workflowCalls(updates: WorkflowUpdate[]): { input: BatchUpdateFindingsCommandInput; batch: WorkflowUpdate[] }[] {
  return groupByWorkflow(updates).flatMap((group) =>
    chunk(group.items, FINDINGS_PER_CALL).map((batch) => ({
      input: {
        FindingIdentifiers: batch.map((u) => ({ Id: u.id, ProductArn: u.productArn })),
        Workflow: { Status: group.status },
        ...(group.note !== undefined && { Note: { Text: clip(group.note), UpdatedBy: NOTE_UPDATED_BY } }),
      },
      batch,
    })),
  );
}

/**
 * BatchUpdateFindings calls in flight at once per Region: the workflow is set after the Region's
 * imports, so its calls need not wait for one another; 3 stays within Security Hub's burst of 30.
 */
export const UPDATE_LANES = 3;

/**
 * Security Hub's BatchUpdateFindings limit per account and Region is 10 requests per second with
 * a burst of 30. A first run sets the workflow of every cluster (100 per call), so a Region of
 * thousands of clusters sends more than the burst: the calls are paced to the rate, keeping one
 * token of the burst in reserve, rather than throttled and retried with the SDK's back-off.
 */
export const UPDATE_RATE: RateLimit = { rate: 10, burst: 29 };

/**
 * Sets the workflow status (and note) of existing findings with BatchUpdateFindings. Each call
 * carries one (status, note) pair and at most 100 findings; up to UPDATE_LANES calls run at once,
 * paced to UPDATE_RATE.
 * Findings AWS did not process are reported with its error code; Security Hub not enabled raises
 * SecurityHubNotEnabledError (no call starts after it).
 */
export async function updateWorkflow(
  client: SecurityHubClient,
  updates: WorkflowUpdate[],
  pacer: Pacer = new Pacer(UPDATE_RATE),
): Promise<UpdateResult> {
  const result: UpdateResult = { updated: 0, failed: [] };
  const calls = workflowCalls(updates);
  let regionWide: Error | undefined;
  const send = async ({ input, batch }: (typeof calls)[number]): Promise<void> => {
    await pacer.acquire();
    try {
      const out = await client.send(new BatchUpdateFindingsCommand(input));
      const unprocessed = out.UnprocessedFindings ?? [];
      result.updated += out.ProcessedFindings?.length ?? batch.length - unprocessed.length;
      for (const u of unprocessed) {
        result.failed.push({
          id: u.FindingIdentifier?.Id ?? '',
          code: u.ErrorCode ?? 'Unknown',
          message: u.ErrorMessage ?? '',
        });
      }
    } catch (err) {
      const wide = await regionWideError(client, err, batch.length);
      if (wide) {
        regionWide ??= wide;
        return;
      }
      const { code, message } = describeError(err);
      result.failed.push(...batch.map((u) => ({ id: u.id, code, message })));
    }
  };
  const lane = async () => {
    for (let call = calls.shift(); call && !regionWide; call = calls.shift()) await send(call);
  };
  await Promise.all(Array.from({ length: Math.min(UPDATE_LANES, calls.length) }, lane));
  if (regionWide) throw regionWide;
  return result;
}

/** GetFindings returns at most 100 findings a page. */
export const FINDINGS_PER_PAGE = 100;

/**
 * GetFindings is slower than the batch calls (about 3 requests per second per account and Region):
 * its pages are paced to that rate, one token of burst, rather than throttled and retried.
 */
export const GET_FINDINGS_RATE: RateLimit = { rate: 3, burst: 1 };

/** The workflow statuses that take a finding out of people's view. */
export const HIDING_STATUSES = ['SUPPRESSED', 'RESOLVED'] as const;

/** One of the checker's findings whose workflow takes a failing cluster out of view. */
export interface HiddenFinding {
  id: string;
  status: (typeof HIDING_STATUSES)[number];
}

const isHiding = (s: string | undefined): s is HiddenFinding['status'] => (HIDING_STATUSES as readonly string[]).includes(s ?? '');

/**
 * The checker's own ACTIVE findings in the client's Region (its product ARN and generator id) whose
 * compliance is FAILED or WARNING and whose workflow is SUPPRESSED or RESOLVED, all pages, paced to
 * GetFindings' rate. Security Hub filters them; the same filter is applied again here, so a filter
 * the service did not apply cannot widen the answer.
 */
export async function hiddenFindings(
  client: SecurityHubClient,
  product: string,
  pacer: Pacer = new Pacer(GET_FINDINGS_RATE),
): Promise<HiddenFinding[]> {
  const equals = (...values: string[]) => values.map((Value) => ({ Value, Comparison: 'EQUALS' as const }));
  const filters = {
    ProductArn: equals(product),
    GeneratorId: equals(GENERATOR_ID),
    RecordState: equals('ACTIVE'),
    ComplianceStatus: equals('FAILED', 'WARNING'),
    WorkflowStatus: equals(...HIDING_STATUSES),
  };
  const found: HiddenFinding[] = [];
  let token: string | undefined;
  do {
    await pacer.acquire();
    const out = await client.send(
      new GetFindingsCommand({ Filters: filters, MaxResults: FINDINGS_PER_PAGE, ...(token !== undefined && { NextToken: token }) }),
    );
    for (const f of out.Findings ?? []) {
      const status = f.Workflow?.Status;
      const failing = f.Compliance?.Status === 'FAILED' || f.Compliance?.Status === 'WARNING';
      const ours = f.ProductArn === product && f.GeneratorId === GENERATOR_ID && (f.RecordState ?? 'ACTIVE') === 'ACTIVE';
      if (ours && failing && isHiding(status) && f.Id) found.push({ id: f.Id, status });
    }
    token = out.NextToken || undefined;
  } while (token !== undefined);
  return found;
}

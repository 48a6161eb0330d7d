/**
 * The run deadline: when Region work must stop so the alert and the state still go out in time.
 * A Region not finished by then is abandoned (its in-flight SDK calls aborted) and reported as not
 * scanned; every other Region's findings, alert and state are unaffected.
 */

/** Error name for work abandoned at the deadline (shown in the Region's report and the alert). */
export const DEADLINE_EXCEEDED = 'DeadlineExceeded';

/** Work still running when the run's deadline passed. */
export class DeadlineExceededError extends Error {
  override readonly name = DEADLINE_EXCEEDED;

  constructor(what: string, budgetMs: number) {
    super(`${what} did not finish within the run's deadline (${seconds(budgetMs)} s)`);
  }
}

/** Whole seconds, or tenths under 10 s: a half-second budget reads 0.5, not 0 or 1. */
function seconds(ms: number): string {
  if (ms <= 0) return '0';
  return ms < 10_000 ? (ms / 1000).toFixed(1) : String(Math.round(ms / 1000));
}

/** The finish phase (alert, state save, lease release) gets a fifth of the run, at least 2 s, at most 60 s. */
export function finishReserveMs(budgetMs: number): number {
  return Math.min(60_000, Math.max(2_000, Math.floor(budgetMs / 5)));
}

/** What runCheck knows about time: when it started, and when Region work must be done by. */
export interface RunClock {
  /** Epoch ms (wall clock) the run started. */
  startedMs: number;
  /** Epoch ms by which every Region must be finished; undefined: no deadline. */
  regionsBy?: number;
  /** Epoch ms the whole run must be over by (the shell's hard end); undefined: no deadline. */
  until?: number;
}

/** The clock of a run that must end by `until` (epoch ms): Regions stop early enough to finish. */
export function runClock(until: number | undefined, startedMs = Date.now()): RunClock {
  if (until === undefined) return { startedMs };
  const budget = Math.max(0, until - startedMs);
  return { startedMs, until, regionsBy: until - finishReserveMs(budget) };
}

/**
 * Runs `work` with an AbortSignal that fires at `deadline` (epoch ms). When the deadline comes first
 * the signal aborts the work's SDK calls and `late()` answers instead; the work's own outcome is
 * then ignored (whatever it still does is on a discarded copy).
 */
export async function beforeDeadline<T>(
  deadline: number | undefined,
  work: (signal: AbortSignal) => Promise<T>,
  late: () => T,
): Promise<{ value: T; late: boolean }> {
  const controller = new AbortController();
  if (deadline === undefined) return { value: await work(controller.signal), late: false };
  const wait = deadline - Date.now();
  if (wait <= 0) {
    controller.abort(new DeadlineExceededError('the work', 0));
    return { value: late(), late: true };
  }
  let timer: NodeJS.Timeout | undefined;
  const expired = new Promise<'late'>((resolve) => {
    timer = setTimeout(() => resolve('late'), wait);
  });
  const running = work(controller.signal);
  // A rejection after the deadline belongs to abandoned work: nobody waits for it any more.
  running.catch(() => undefined);
  try {
    const first = await Promise.race([running.then((value) => ({ value })), expired]);
    if (first !== 'late') return { value: first.value, late: false };
    controller.abort(new DeadlineExceededError('the work', wait));
    return { value: late(), late: true };
  } finally {
    clearTimeout(timer);
  }
}

interface Sends {
  send(...args: never[]): Promise<unknown>;
}

/**
 * The same SDK client, with every `send` carrying `signal` as its abortSignal: aborting the signal
 * ends the client's in-flight and later calls at once (an AbortError), whatever their retries.
 */
export function withAbortSignal<C extends Sends>(client: C, signal: AbortSignal): C {
  return new Proxy(client, {
    get(target, prop, receiver) {
      if (prop !== 'send') return Reflect.get(target, prop, receiver) as unknown;
      return (command: unknown, options?: Record<string, unknown>) =>
        (target.send as (c: unknown, o: Record<string, unknown>) => Promise<unknown>).call(target, command, {
          ...options,
          abortSignal: signal,
        });
    },
  });
}

/**
 * The finish phase's budget, once the Regions are done: everything it sends (the alert, the hub
 * report, the state save, the lease release) is aborted at the run's hard end, whatever the SDK's
 * retries would still try. The alert and the hub report get at most half of the time left, so an
 * endpoint that never answers cannot starve the state save, which records what was not alerted
 * (the next run repeats it). No deadline: no budget (undefined signals).
 */
export interface FinishBudget {
  /** Aborts at the run's hard end: the state save and the lease release. */
  save?: AbortSignal;
  /** Aborts half-way to the hard end: the alert and the hub report. */
  notify?: AbortSignal;
}

/** Kept back from the finish budget: aborted calls unwind and the summary is written before the hard end. */
export const UNWIND_MS = 250;

export function finishBudget(clock: RunClock, nowMs = Date.now()): FinishBudget {
  if (clock.until === undefined) return {};
  const left = Math.max(0, clock.until - UNWIND_MS - nowMs);
  return { save: AbortSignal.timeout(left), notify: AbortSignal.timeout(Math.floor(left / 2)) };
}

/** The cause to report for work that `signal` cut off at the run's deadline; undefined when it did not. */
export function abortedByDeadline(signal: AbortSignal | undefined, what: string): { code: string; message: string } | undefined {
  if (!signal?.aborted) return undefined;
  return { code: DEADLINE_EXCEEDED, message: `${what} was cut off at the run's deadline (the function's remaining time)` };
}

/**
 * `work`, or a DeadlineExceededError as soon as `signal` aborts: the finish phase stops waiting
 * at its budget even for a client that does not end its call on the signal.
 */
export function cutOffAt<T>(signal: AbortSignal | undefined, what: string, work: Promise<T>): Promise<T> {
  if (!signal) return work;
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(new DeadlineExceededError(what, 0));
    if (signal.aborted) return onAbort();
    signal.addEventListener('abort', onAbort, { once: true });
    work.then(resolve, reject).finally(() => signal.removeEventListener('abort', onAbort));
  });
}

/**
 * What a bench child process reports to the runner over IPC: the handler child (child.ts) and the
 * SDK-floor child (sdk-floor-child.ts), and the zero-filled report of a run that failed. Types
 * and builders only, so the children and the runner depend on this file and never on each other.
 */

export interface ChildReport {
  ok: boolean;
  /** The handler's return value (JSON, cut at 20 000 characters). */
  result?: string;
  error?: { name: string; message: string; details?: string };
  /** require() of the bundle. */
  loadMs: number;
  /** The handler call alone. */
  wallMs: number;
  cpuUserMs: number;
  cpuSystemMs: number;
  /** CPU of the whole process (load included). */
  processCpuMs: number;
  /** Peak resident set of the process, KiB (process.resourceUsage().maxRSS). */
  maxRssKb: number;
  heapUsedMb: number;
}

export interface SdkFloorReport {
  ok: boolean;
  error?: { name: string; message: string };
  /** From the first call to the last answer (client creation included, as in the handler). */
  wallMs: number;
  cpuUserMs: number;
  cpuSystemMs: number;
  /** Peak resident set of the process, KiB. */
  maxRssKb: number;
  heapUsedMb: number;
  imported: number;
  /** Findings Security Hub listed in FailedFindings. */
  importFailed: number;
  /** When each phase ended, ms after the start. */
  phases: { listedMs: number; importedMs: number; publishedMs: number; writtenMs: number };
}

type Failure = { name: string; message: string };

export const failedChildReport = (error: Failure): ChildReport => ({
  ok: false,
  error,
  loadMs: 0,
  wallMs: 0,
  cpuUserMs: 0,
  cpuSystemMs: 0,
  processCpuMs: 0,
  maxRssKb: 0,
  heapUsedMb: 0,
});

export const failedSdkFloorReport = (error: Failure): SdkFloorReport => ({
  ok: false,
  error,
  wallMs: 0,
  cpuUserMs: 0,
  cpuSystemMs: 0,
  maxRssKb: 0,
  heapUsedMb: 0,
  imported: 0,
  importFailed: 0,
  phases: { listedMs: 0, importedMs: 0, publishedMs: 0, writtenMs: 0 },
});

/** The organization's SDK floor (sdk-floor-org-child.ts): the SDK floor's figures, and what reading its plan cost. */
export interface OrgSdkFloorReport extends SdkFloorReport {
  accounts: number;
  /** Reading and parsing the plan (not part of the floor: the parent subtracts it). */
  planMs: number;
  planCpuMs: number;
  /** CPU of the whole process up to the report, plan reading included. */
  processCpuMs: number;
}

export const failedOrgSdkFloorReport = (error: Failure): OrgSdkFloorReport => ({
  ...failedSdkFloorReport(error),
  accounts: 0,
  planMs: 0,
  planCpuMs: 0,
  processCpuMs: 0,
});

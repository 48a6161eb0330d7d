/** Shape of bench/results/latest.json. */
import type { CliScanFigures, StartFigures } from './cli-point';
import type { Binding } from './floor';
import type { ColdLoad } from './invoke';
import type { RunKind } from './minimum-calls';

/** An organization point: <accounts>x<regions>x<clusters per account> (bench/org-point.ts). */
export interface OrgPoint {
  accounts: number;
  regions: number;
  /** Clusters in each account, spread over its Regions. */
  clustersPerAccount: number;
}

/** `scan --accounts all` over the organization point, through the CLI in a fresh process. */
export interface OrgFigures extends OrgPoint {
  clusters: number;
  concurrency: number;
  latencyMs: number;
  wallMs: number;
  /** Model floor of the audit (ListAccounts, AssumeRole, each account's scan) + a bare Node start. */
  floorMs: number;
  modelFloorMs: number;
  bareStartMs: number;
  /** wall / model floor. */
  ratio: number;
  /** The SDK floor of the audit; absent when not measured. */
  sdkFloor?: OrgSdkFloorFigures;
  /** wall / max(model floor, SDK floor); the model ratio when no SDK floor was measured. */
  ratioToFloors: number;
  listPages: number;
  /** One account's floor (AssumeRole and its scan), the longest. */
  accountFloorMs: number;
  totalCalls: number;
  totalMinimum: number;
  operations: Record<string, OperationCalls>;
  maxRssKb: number;
  /** User + system CPU of the CLI's process. */
  cpuMs: number;
  exitCode: number;
  ok: boolean;
  /** The first failures and notes (each list cut at 20, with the count of the rest). */
  failures: string[];
  notes: string[];
}

/** The organization's SDK floor, measured in a fresh process. */
export interface OrgSdkFloorFigures {
  /** Spawn to exit, less reading the plan. */
  wallMs: number;
  /** Spawn to exit as measured. */
  processMs: number;
  /** Reading and parsing the plan of pre-built findings, inside the process. */
  planMs: number;
  /** CPU of the process, less the plan's reading. */
  cpuMs: number;
  maxRssKb: number;
  totalCalls: number;
  operations: Record<string, OperationCalls>;
  ok: boolean;
  failures: string[];
  notes: string[];
}

export interface OperationCalls {
  calls: number;
  minimum: number;
  throttled: number;
}

/** The SDK floor of one run: the minimal calls made by the real SDK clients, no checker logic. */
export interface SdkFloorResult {
  ok: boolean;
  wallMs: number;
  /** User + system CPU of the timed part. */
  cpuMs: number;
  maxRssMb: number;
  heapUsedMb: number;
  totalCalls: number;
  totalMinimum: number;
  throttled: number;
  /** When each phase ended, ms after the start: last page, last import, alert, state writes. */
  phases: { listedMs: number; importedMs: number; publishedMs: number; writtenMs: number };
  failures: string[];
  notes: string[];
  logFile: string;
}

export interface RunResult {
  run: RunKind;
  ok: boolean;
  wallMs: number;
  floorMs: number;
  ratio: number;
  /** What sets the floor in its slowest Region. */
  floorBinding?: Binding;
  floorSlowestRegion?: string;
  /** Part of the floor after every Region is done: the alert, then the state writes. */
  floorTailMs: number;
  /** Measured SDK floor of the same run (absent when it was not run). */
  sdkFloor?: SdkFloorResult;
  /** wall / max(floor, SDK floor). */
  ratioToFloors?: number;
  loadMs: number;
  cpuUserMs: number;
  cpuSystemMs: number;
  maxRssMb: number;
  heapUsedMb: number;
  totalCalls: number;
  totalMinimum: number;
  operations: Record<string, OperationCalls>;
  /** When the last response of each operation went out, ms after the run's first call arrived. */
  lastResponseMs: Record<string, number>;
  /** Alerts the run published (subject, size with attributes, protocol keys). */
  published: { subject?: string; bytes: number; keys: string[] }[];
  failures: string[];
  notes: string[];
  /** The handler's return value or error, cut short. */
  handlerResult?: string;
  handlerError?: string;
  /** The handler's logs (kept when a run failed, or with --keep). */
  logFile: string;
}

export interface PointResult {
  clusters: number;
  regions: number;
  latencyMs: number;
  fleet: { inScope: number; byStatus: Record<string, number>; alertable: number };
  runs: RunResult[];
}

export interface BenchResults {
  generatedAt: string;
  machine: { cpus: number; cpuModel: string; memoryMb: number; node: string; platform: string; arch: string };
  /** nodeArgs: BENCH_NODE_ARGS, the extra Node flags of the handler's process. */
  /** org: the organization point (<accounts>x<regions>x<clusters per account>) and the CLI's --account-concurrency. */
  options: {
    quick: boolean;
    latencyMs: number;
    seed: number;
    points: string[];
    org?: string;
    accountConcurrency?: number;
    nodeArgs?: string[];
  };
  bundle?: { bytes: number; gzipBytes: number; byPackage: { name: string; bytes: number }[] };
  coldLoad?: ColdLoad;
  points: PointResult[];
  /** The CLI in a fresh process: `--help` beside a bare `node -e 0`, and one scan through the fake. */
  cli?: { start: StartFigures; scan: CliScanFigures };
  /** `scan --accounts all` over an organization through the CLI in a fresh process. */
  organization?: OrgFigures;
  ok: boolean;
  /** Why the benchmark could not run at all (missing handler, bundling failed). */
  fatal?: string;
}

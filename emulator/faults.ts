/**
 * Fault injection rules for the AWS-behaviour proxy: which requests (service, Region, operation)
 * get which fault, how many times, with what probability. Randomness comes from a seeded generator
 * so a run with the same seed and the same request order injects the same faults.
 */
import { normalizeService, type AwsRequestInfo } from './aws-request';

export type FaultKind = 'throttle' | '5xx' | 'latency' | 'drop' | 'hang' | 'access-denied' | 'error';

export interface FaultSpec {
  /** Service name(s): `rds`, `securityhub`, `sns`, `sqs`, `dynamodb`, `cloudwatch` (or `monitoring`), `ec2`, `sts`. Absent: all. */
  service?: string | readonly string[];
  region?: string | readonly string[];
  /** Operation name(s), e.g. `DescribeDBClusters`, `BatchImportFindings`. Absent: all. */
  operation?: string | readonly string[];
  /**
   * - `throttle`: the service's own throttling error (RDS `Throttling`, Security Hub `TooManyRequestsException`...)
   * - `5xx`: the service's server error (503 / 500) in its protocol
   * - `latency`: waits `latencyMs` before forwarding (combines with any other fault)
   * - `drop`: destroys the connection without a response
   * - `hang`: accepts the request and never answers (a stalled endpoint); the connection stays open
   *   until the client gives up, or the proxy is reset or closed
   * - `access-denied`: the service's authorisation error (RDS `AccessDenied`, Security Hub `AccessDeniedException`...)
   * - `error`: any error given by `code` and `status`
   */
  kind: FaultKind;
  /** How many matching requests to affect before the fault is spent; default unlimited. */
  count?: number;
  /** Chance (0–1) that a matching request is affected; default 1. */
  probability?: number;
  /** For `latency`; default 1000. */
  latencyMs?: number;
  /** Overrides the error code (e.g. DynamoDB `ProvisionedThroughputExceededException`); required for `error`. */
  code?: string;
  /** Overrides the HTTP status; required for `error`. */
  status?: number;
  message?: string;
}

export interface Fault {
  readonly id: number;
  readonly spec: Readonly<FaultSpec>;
  /** Requests affected so far. */
  readonly hits: number;
  /** Requests still to affect (Infinity when unlimited). */
  readonly remaining: number;
}

/** Deterministic PRNG (mulberry32). */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function list(value: string | readonly string[] | undefined): readonly string[] | undefined {
  if (value === undefined) return undefined;
  return typeof value === 'string' ? [value] : value;
}

class FaultRule implements Fault {
  hits = 0;
  constructor(
    readonly id: number,
    readonly spec: Readonly<FaultSpec>,
  ) {}

  get remaining(): number {
    return this.spec.count === undefined ? Infinity : Math.max(0, this.spec.count - this.hits);
  }

  matches(info: Pick<AwsRequestInfo, 'service' | 'region' | 'operation'>): boolean {
    const services = list(this.spec.service)?.map(normalizeService);
    if (services && !services.includes(info.service)) return false;
    const regions = list(this.spec.region);
    if (regions && !regions.includes(info.region)) return false;
    const operations = list(this.spec.operation);
    if (operations && !operations.includes(info.operation)) return false;
    return this.remaining > 0;
  }
}

export function validateFault(spec: FaultSpec): void {
  if (spec.count !== undefined && (!Number.isInteger(spec.count) || spec.count < 1))
    throw new Error(`fault count must be a positive integer, got ${spec.count}`);
  if (spec.probability !== undefined && !(spec.probability >= 0 && spec.probability <= 1)) {
    throw new Error(`fault probability must be between 0 and 1, got ${spec.probability}`);
  }
  if (spec.kind === 'error' && (!spec.code || !spec.status)) throw new Error("a fault of kind 'error' needs code and status");
  if (spec.latencyMs !== undefined && !(spec.latencyMs >= 0)) throw new Error(`latencyMs must be >= 0, got ${spec.latencyMs}`);
}

export interface FaultDecision {
  /** Total delay to add before anything else. */
  latencyMs: number;
  /** The fault that answers instead of the emulator, if any. */
  fault?: Fault & { spec: Readonly<FaultSpec> };
}

export class FaultSet {
  private rules: FaultRule[] = [];
  private nextId = 1;
  private random: () => number;

  constructor(private readonly seed = 42) {
    this.random = seededRandom(seed);
  }

  add(spec: FaultSpec): Fault {
    validateFault(spec);
    const rule = new FaultRule(this.nextId++, { ...spec });
    this.rules.push(rule);
    return rule;
  }

  remove(fault: Fault): void {
    this.rules = this.rules.filter((r) => r.id !== fault.id);
  }

  clear(): void {
    this.rules = [];
    this.random = seededRandom(this.seed);
  }

  get active(): readonly Fault[] {
    return this.rules.filter((r) => r.remaining > 0);
  }

  /**
   * Decides what happens to one request: every matching latency fault adds its delay; the first
   * matching other fault (in the order added) answers. Each fault applied uses one of its count.
   */
  decide(info: Pick<AwsRequestInfo, 'service' | 'region' | 'operation'>): FaultDecision {
    const decision: FaultDecision = { latencyMs: 0 };
    for (const rule of this.rules) {
      if (!rule.matches(info)) continue;
      if (rule.spec.kind !== 'latency' && decision.fault) continue;
      if (rule.spec.probability !== undefined && this.random() >= rule.spec.probability) continue;
      rule.hits++;
      if (rule.spec.kind === 'latency') decision.latencyMs += rule.spec.latencyMs ?? 1000;
      else decision.fault = rule;
    }
    return decision;
  }
}

/**
 * What Security Hub (CSPM) does and moto does not: ASFF validation on import, the 100-finding
 * limit, GetFindings filters and pagination, and the workflow (Workflow.Status, Note) that only
 * BatchUpdateFindings may change. Pure functions and a small per-Region ledger; the proxy wires
 * them to HTTP.
 */
import { SECURITY_HUB_LIMITS } from './aws-limits';

/** A value as text for comparisons and messages (strings as they are, anything else as JSON). */
const asText = (v: unknown): string => (typeof v === 'string' ? v : JSON.stringify(v));
export type Finding = Record<string, unknown>;

const LIMITS = SECURITY_HUB_LIMITS;

const SEVERITY_LABELS = ['INFORMATIONAL', 'LOW', 'MEDIUM', 'HIGH', 'CRITICAL'];
const COMPLIANCE_STATUSES = ['PASSED', 'WARNING', 'FAILED', 'NOT_AVAILABLE'];
const RECORD_STATES = ['ACTIVE', 'ARCHIVED'];
export const WORKFLOW_STATUSES = ['NEW', 'NOTIFIED', 'RESOLVED', 'SUPPRESSED'] as const;
export type WorkflowStatus = (typeof WORKFLOW_STATUSES)[number];

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function get(obj: unknown, ...keys: string[]): unknown {
  let cur = obj;
  for (const k of keys) {
    if (!isObject(cur)) return undefined;
    cur = cur[k];
  }
  return cur;
}

function isIsoDate(v: unknown): boolean {
  return typeof v === 'string' && /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}/.test(v) && !Number.isNaN(Date.parse(v));
}

/** Why a whole BatchImportFindings request is rejected (InvalidInputException), if it is. */
export function importBatchError(findings: unknown): string | undefined {
  if (!Array.isArray(findings)) return 'Findings is required and must be a list';
  if (findings.length < 1 || findings.length > LIMITS.findingsPerImport) {
    return `Invalid parameter 'Findings'. Findings must contain between 1 and ${LIMITS.findingsPerImport} findings (got ${findings.length})`;
  }
  return undefined;
}

export interface ImportContext {
  region: string;
  accountId: string;
}

/**
 * The problems that make Security Hub reject one finding (FailedFindings, ErrorCode InvalidInput):
 * missing or malformed required ASFF fields, limits, and a ProductArn or account that is not the
 * caller's in this Region. Empty when the finding is accepted.
 */
export function findingProblems(finding: unknown, ctx: ImportContext): string[] {
  if (!isObject(finding)) return ['data should be object'];
  const problems: string[] = [];
  const str = (key: string, max: number) => {
    const v = finding[key];
    if (v === undefined) problems.push(`data should have required property '${key}'`);
    else if (typeof v !== 'string' || v.length < 1) problems.push(`data.${key} should be a non-empty string`);
    else if (v.length > max) problems.push(`data.${key} should NOT be longer than ${max} characters`);
  };
  if (finding.SchemaVersion === undefined) problems.push("data should have required property 'SchemaVersion'");
  else if (finding.SchemaVersion !== '2018-10-08') problems.push("data.SchemaVersion should be equal to '2018-10-08'");
  str('Id', LIMITS.idChars);
  str('ProductArn', LIMITS.productArnChars);
  str('GeneratorId', LIMITS.generatorIdChars);
  str('Title', LIMITS.titleChars);
  str('Description', LIMITS.descriptionChars);
  for (const key of ['CreatedAt', 'UpdatedAt']) {
    if (finding[key] === undefined) problems.push(`data should have required property '${key}'`);
    else if (!isIsoDate(finding[key])) problems.push(`data.${key} should match format "date-time"`);
  }
  if (finding.AwsAccountId === undefined) problems.push("data should have required property 'AwsAccountId'");
  else if (finding.AwsAccountId !== ctx.accountId) {
    problems.push(`data.AwsAccountId ${asText(finding.AwsAccountId)} is not the calling account ${ctx.accountId}`);
  }
  const types = finding.Types;
  if (types === undefined) problems.push("data should have required property 'Types'");
  else if (
    !Array.isArray(types) ||
    types.length < 1 ||
    types.length > LIMITS.typesPerFinding ||
    !types.every((t) => typeof t === 'string' && t.length > 0)
  ) {
    problems.push(`data.Types should be a list of 1 to ${LIMITS.typesPerFinding} strings`);
  }
  const severity = finding.Severity;
  if (severity === undefined) problems.push("data should have required property 'Severity'");
  else if (!isObject(severity) || (severity.Label === undefined && severity.Normalized === undefined)) {
    problems.push("data.Severity should have required property 'Label'");
  } else if (severity.Label !== undefined && !SEVERITY_LABELS.includes(asText(severity.Label))) {
    problems.push(`data.Severity.Label should be one of ${SEVERITY_LABELS.join(', ')}`);
  }
  const resources = finding.Resources;
  if (resources === undefined) problems.push("data should have required property 'Resources'");
  else if (!Array.isArray(resources) || resources.length < 1 || resources.length > LIMITS.resourcesPerFinding) {
    problems.push(`data.Resources should contain 1 to ${LIMITS.resourcesPerFinding} items`);
  } else {
    resources.forEach((r, i) => {
      if (!isObject(r) || typeof r.Type !== 'string' || !r.Type) problems.push(`data.Resources[${i}] should have required property 'Type'`);
      if (!isObject(r) || typeof r.Id !== 'string' || !r.Id) problems.push(`data.Resources[${i}] should have required property 'Id'`);
    });
  }
  const compliance = get(finding, 'Compliance', 'Status');
  if (compliance !== undefined && !COMPLIANCE_STATUSES.includes(asText(compliance))) {
    problems.push(`data.Compliance.Status should be one of ${COMPLIANCE_STATUSES.join(', ')}`);
  }
  if (finding.RecordState !== undefined && !RECORD_STATES.includes(asText(finding.RecordState))) {
    problems.push(`data.RecordState should be one of ${RECORD_STATES.join(', ')}`);
  }
  const workflow = get(finding, 'Workflow', 'Status');
  if (workflow !== undefined && !(WORKFLOW_STATUSES as readonly string[]).includes(asText(workflow))) {
    problems.push(`data.Workflow.Status should be one of ${WORKFLOW_STATUSES.join(', ')}`);
  }
  const recommendation = get(finding, 'Remediation', 'Recommendation', 'Text');
  if (typeof recommendation === 'string' && recommendation.length > LIMITS.recommendationTextChars) {
    problems.push(`data.Remediation.Recommendation.Text should NOT be longer than ${LIMITS.recommendationTextChars} characters`);
  }
  const note = finding.Note;
  if (note !== undefined) {
    if (!isObject(note) || typeof note.Text !== 'string' || typeof note.UpdatedBy !== 'string' || !isIsoDate(note.UpdatedAt)) {
      problems.push('data.Note should have Text, UpdatedBy and UpdatedAt');
    } else if (note.Text.length > LIMITS.noteChars)
      problems.push(`data.Note.Text should NOT be longer than ${LIMITS.noteChars} characters`);
  }
  if (typeof finding.ProductArn === 'string') {
    const arn = /^arn:[\w-]+:securityhub:([\w-]+):(\d{12})?:product\/([^/]+)\/(.+)$/.exec(finding.ProductArn);
    if (!arn) problems.push(`data.ProductArn ${finding.ProductArn} is not a product ARN`);
    else if (arn[1] !== ctx.region)
      problems.push(`data.ProductArn ${finding.ProductArn} is not in the Region of the request (${ctx.region})`);
    else if (arn[4] === 'default' && arn[3] !== ctx.accountId) {
      problems.push(`data.ProductArn ${finding.ProductArn} is the default product of another account`);
    }
  }
  if (Buffer.byteLength(JSON.stringify(finding), 'utf8') > LIMITS.findingBytes) {
    problems.push(`finding is larger than ${LIMITS.findingBytes / 1024} KB`);
  }
  return problems;
}

export function findingProblemMessage(problems: readonly string[]): string {
  return `Finding does not adhere to Amazon Finding Format. ${problems.join('; ')}`;
}

// ---------------------------------------------------------------------------------------------
// GetFindings filters

export interface StringFilter {
  Value?: string;
  Comparison?: string;
}

type Extractor = (f: Finding) => readonly string[];

const one =
  (...path: string[]): Extractor =>
  (f) => {
    const v = get(f, ...path);
    return typeof v === 'string' ? [v] : [];
  };

/** The string filters the proxy evaluates, by their GetFindings name. */
const FILTER_FIELDS: Readonly<Record<string, Extractor>> = {
  Id: one('Id'),
  ProductArn: one('ProductArn'),
  GeneratorId: one('GeneratorId'),
  AwsAccountId: one('AwsAccountId'),
  Region: one('Region'),
  Title: one('Title'),
  ProductName: one('ProductName'),
  CompanyName: one('CompanyName'),
  RecordState: one('RecordState'),
  ComplianceStatus: one('Compliance', 'Status'),
  WorkflowStatus: one('Workflow', 'Status'),
  SeverityLabel: one('Severity', 'Label'),
  Type: (f) => (Array.isArray(f.Types) ? f.Types.filter((t): t is string => typeof t === 'string') : []),
  ResourceId: (f) => resourcesField(f, 'Id'),
  ResourceType: (f) => resourcesField(f, 'Type'),
};

function resourcesField(f: Finding, key: string): string[] {
  if (!Array.isArray(f.Resources)) return [];
  return f.Resources.map((r) => get(r, key)).filter((v): v is string => typeof v === 'string');
}

export const SUPPORTED_FILTERS = Object.keys(FILTER_FIELDS);

const POSITIVE = new Set(['EQUALS', 'PREFIX', 'CONTAINS']);
const NEGATIVE = new Set(['NOT_EQUALS', 'PREFIX_NOT_EQUALS', 'NOT_CONTAINS']);

/** Why the filters cannot be evaluated here (an unknown field or comparison), if so. */
export function filtersError(filters: unknown): string | undefined {
  if (filters === undefined || filters === null) return undefined;
  if (!isObject(filters)) return 'Filters must be an object';
  for (const [name, list] of Object.entries(filters)) {
    if (!FILTER_FIELDS[name]) {
      return `GetFindings filter '${name}' is not emulated (supported: ${SUPPORTED_FILTERS.join(', ')})`;
    }
    if (!Array.isArray(list)) return `Filters.${name} must be a list`;
    for (const f of list as StringFilter[]) {
      if (!isObject(f) || typeof f.Value !== 'string' || !(POSITIVE.has(String(f.Comparison)) || NEGATIVE.has(String(f.Comparison)))) {
        return `Filters.${name} entries need a Value and a Comparison of ${[...POSITIVE, ...NEGATIVE].join(', ')}`;
      }
    }
  }
  return undefined;
}

function compare(value: string, filter: StringFilter): boolean {
  const target = filter.Value ?? '';
  switch (filter.Comparison) {
    case 'EQUALS':
    case 'NOT_EQUALS':
      return value === target;
    case 'PREFIX':
    case 'PREFIX_NOT_EQUALS':
      return value.startsWith(target);
    default:
      return value.includes(target);
  }
}

/**
 * AWS semantics: fields are ANDed; within a field, EQUALS / PREFIX / CONTAINS values are ORed and
 * the NOT_ forms are ANDed. A list-valued field (ResourceId, Type) matches when any element does.
 */
export function matchesFilters(finding: Finding, filters: Record<string, StringFilter[]> | undefined): boolean {
  if (!filters) return true;
  for (const [name, list] of Object.entries(filters)) {
    const values = FILTER_FIELDS[name]?.(finding) ?? [];
    const positives = list.filter((f) => POSITIVE.has(String(f.Comparison)));
    const negatives = list.filter((f) => NEGATIVE.has(String(f.Comparison)));
    if (positives.length && !positives.some((f) => values.some((v) => compare(v, f)))) return false;
    if (negatives.some((f) => values.some((v) => compare(v, f)))) return false;
  }
  return true;
}

export function encodeNextToken(offset: number): string {
  return Buffer.from(`findings:${offset}`, 'utf8').toString('base64');
}

export function decodeNextToken(token: string): number | undefined {
  const m = /^findings:(\d+)$/.exec(Buffer.from(token, 'base64').toString('utf8'));
  return m?.[1] === undefined ? undefined : Number(m[1]);
}

// ---------------------------------------------------------------------------------------------
// Workflow: what BatchUpdateFindings sets, and what Security Hub keeps across re-imports

export interface WorkflowEntry {
  productArn: string;
  workflowStatus: WorkflowStatus;
  note?: { Text: string; UpdatedBy: string; UpdatedAt: string };
  /** From the last accepted import: for the UpdatedAt rule and the automatic status resets. */
  updatedAt: string;
  recordState: string;
  complianceStatus?: string;
}

export interface WorkflowUpdate {
  region: string;
  findings: { id: string; productArn: string }[];
  workflowStatus?: WorkflowStatus;
  note?: { text: string; updatedBy: string };
  /** The request body as sent, for assertions on other fields (Severity, UserDefinedFields...). */
  request: Record<string, unknown>;
}

/**
 * Per-Region record of each finding's workflow, kept the way Security Hub keeps it:
 * - a new finding starts with the Workflow.Status it was imported with (default NEW) and its Note;
 * - re-imports cannot change Workflow or Note; an UpdatedAt not newer than the stored one is ignored;
 * - NOTIFIED or RESOLVED goes back to NEW when RecordState goes ARCHIVED → ACTIVE or
 *   Compliance.Status goes from PASSED to FAILED, WARNING or NOT_AVAILABLE (SUPPRESSED stays);
 * - BatchUpdateFindings sets Workflow.Status and Note.
 */
export class WorkflowLedger {
  private readonly regions = new Map<string, Map<string, WorkflowEntry>>();

  private table(region: string): Map<string, WorkflowEntry> {
    let t = this.regions.get(region);
    if (!t) this.regions.set(region, (t = new Map<string, WorkflowEntry>()));
    return t;
  }

  get(region: string, id: string): WorkflowEntry | undefined {
    return this.regions.get(region)?.get(id);
  }

  /** Records a valid imported finding; false when Security Hub would ignore it (not newer). */
  recordImport(region: string, finding: Finding): boolean {
    const id = String(finding.Id);
    const updatedAt = String(finding.UpdatedAt);
    const recordState = typeof finding.RecordState === 'string' ? finding.RecordState : 'ACTIVE';
    const complianceStatus = get(finding, 'Compliance', 'Status') as string | undefined;
    const table = this.table(region);
    const prev = table.get(id);
    if (!prev) {
      const status = get(finding, 'Workflow', 'Status') as WorkflowStatus | undefined;
      const note = isObject(finding.Note) ? (finding.Note as WorkflowEntry['note']) : undefined;
      table.set(id, {
        productArn: String(finding.ProductArn),
        workflowStatus: status ?? 'NEW',
        note,
        updatedAt,
        recordState,
        complianceStatus,
      });
      return true;
    }
    if (Date.parse(updatedAt) <= Date.parse(prev.updatedAt)) return false;
    let workflowStatus = prev.workflowStatus;
    const reactivated = prev.recordState === 'ARCHIVED' && recordState === 'ACTIVE';
    const failingAgain = prev.complianceStatus === 'PASSED' && complianceStatus !== undefined && complianceStatus !== 'PASSED';
    if ((workflowStatus === 'NOTIFIED' || workflowStatus === 'RESOLVED') && (reactivated || failingAgain)) workflowStatus = 'NEW';
    table.set(id, { ...prev, workflowStatus, updatedAt, recordState, complianceStatus });
    return true;
  }

  /** Applies a BatchUpdateFindings to one known finding. */
  applyUpdate(region: string, id: string, productArn: string, status: WorkflowStatus | undefined, note: WorkflowEntry['note']): void {
    const table = this.table(region);
    const prev = table.get(id) ?? {
      productArn,
      workflowStatus: 'NEW' as WorkflowStatus,
      updatedAt: new Date(0).toISOString(),
      recordState: 'ACTIVE',
    };
    table.set(id, { ...prev, workflowStatus: status ?? prev.workflowStatus, note: note ?? prev.note });
  }

  /** The finding as Security Hub would show it: Workflow.Status (and WorkflowState) and Note from the ledger. */
  overlay(region: string, finding: Finding): Finding {
    const entry = this.get(region, String(finding.Id));
    if (!entry) return finding;
    const out: Finding = {
      ...finding,
      Workflow: { Status: entry.workflowStatus },
      WorkflowState:
        entry.workflowStatus === 'NEW'
          ? 'NEW'
          : entry.workflowStatus === 'SUPPRESSED'
            ? 'DEFERRED'
            : entry.workflowStatus === 'RESOLVED'
              ? 'RESOLVED'
              : 'ASSIGNED',
    };
    if (entry.note) out.Note = entry.note;
    else delete out.Note;
    return out;
  }

  clear(): void {
    this.regions.clear();
  }
}

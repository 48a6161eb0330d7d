/**
 * Security Hub (CSPM) findings API, restJson1: BatchImportFindings, BatchUpdateFindings,
 * GetFindings, DescribeHub. Rate limits are enforced by the server (token buckets per Region).
 */
import { SECURITY_HUB_LIMITS as LIMITS } from '../../emulator/aws-limits';
import { AwsError, isRecord } from './wire';

const MAX_IMPORT = LIMITS.findingsPerImport;
const MAX_FINDING_BYTES = LIMITS.findingBytes;
const SEVERITY_LABELS = new Set(['INFORMATIONAL', 'LOW', 'MEDIUM', 'HIGH', 'CRITICAL']);
const COMPLIANCE = new Set(['PASSED', 'WARNING', 'FAILED', 'NOT_AVAILABLE']);
const WORKFLOW = new Set(['NEW', 'NOTIFIED', 'RESOLVED', 'SUPPRESSED']);
const RECORD_STATE = new Set(['ACTIVE', 'ARCHIVED']);
const TYPE_PATTERN = /^[^/]+(\/[^/]+){0,2}$/;

export interface StoredFinding {
  id: string;
  productArn: string;
  resourceId?: string;
  updatedAt: string;
  complianceStatus?: string;
  recordState: string;
  workflowStatus: string;
  noteText?: string;
  generatorId: string;
  raw: Record<string, unknown>;
}

export interface FailedEntry {
  Id: string;
  ErrorCode: string;
  ErrorMessage: string;
}

export const productArnFor = (region: string, accountId: string) =>
  `arn:aws:securityhub:${region}:${accountId}:product/${accountId}/default`;

const isIso = (v: unknown): v is string => typeof v === 'string' && /^\d{4}-\d{2}-\d{2}T/.test(v) && !Number.isNaN(Date.parse(v));
const str = (v: unknown, max: number): v is string => typeof v === 'string' && v.length > 0 && v.length <= max;
/** A request value as text for messages and keys: strings as they are, anything else as JSON. */
const text = (v: unknown): string => (typeof v === 'string' ? v : (JSON.stringify(v) ?? 'undefined'));

/** Why AWS would reject this finding (one message), or undefined when it is valid ASFF. */
export function findingProblem(f: Record<string, unknown>, region: string, accountId: string): string | undefined {
  const product = productArnFor(region, accountId);
  if (f['SchemaVersion'] !== '2018-10-08') return 'SchemaVersion must be 2018-10-08';
  if (!str(f['Id'], LIMITS.idChars)) return `Id is required (1–${LIMITS.idChars} characters)`;
  if (f['ProductArn'] !== product) return `ProductArn ${String(f['ProductArn'])} is not ${product} (the caller's product in this Region)`;
  if (!str(f['GeneratorId'], LIMITS.generatorIdChars)) return `GeneratorId is required (1–${LIMITS.generatorIdChars} characters)`;
  if (f['AwsAccountId'] !== accountId) return `AwsAccountId ${String(f['AwsAccountId'])} is not the calling account ${accountId}`;
  if (!isIso(f['CreatedAt'])) return 'CreatedAt must be an ISO 8601 date-time';
  if (!isIso(f['UpdatedAt'])) return 'UpdatedAt must be an ISO 8601 date-time';
  if (!str(f['Title'], LIMITS.titleChars)) return `Title is required (1–${LIMITS.titleChars} characters)`;
  if (!str(f['Description'], LIMITS.descriptionChars)) return `Description is required (1–${LIMITS.descriptionChars} characters)`;
  const types = f['Types'];
  if (
    !Array.isArray(types) ||
    types.length === 0 ||
    types.length > LIMITS.typesPerFinding ||
    !types.every((t) => typeof t === 'string' && TYPE_PATTERN.test(t))
  ) {
    return `Types is required: 1–${LIMITS.typesPerFinding} strings of the form namespace/category/classifier`;
  }
  const sev = f['Severity'];
  if (!isRecord(sev) || !SEVERITY_LABELS.has(String(sev['Label'])))
    return 'Severity.Label must be INFORMATIONAL, LOW, MEDIUM, HIGH or CRITICAL';
  const res = f['Resources'];
  if (
    !Array.isArray(res) ||
    res.length === 0 ||
    res.length > LIMITS.resourcesPerFinding ||
    !res.every((r) => isRecord(r) && str(r['Type'], LIMITS.resourceTypeChars) && str(r['Id'], LIMITS.resourceIdChars))
  ) {
    return `Resources is required: 1–${LIMITS.resourcesPerFinding} entries each with Type and Id`;
  }
  const comp = f['Compliance'];
  if (comp !== undefined && (!isRecord(comp) || (comp['Status'] !== undefined && !COMPLIANCE.has(text(comp['Status']))))) {
    return 'Compliance.Status must be PASSED, WARNING, FAILED or NOT_AVAILABLE';
  }
  if (f['RecordState'] !== undefined && !RECORD_STATE.has(text(f['RecordState']))) return 'RecordState must be ACTIVE or ARCHIVED';
  const rem = f['Remediation'];
  if (isRecord(rem) && isRecord(rem['Recommendation'])) {
    const text = rem['Recommendation']['Text'];
    if (text !== undefined && (typeof text !== 'string' || text.length > LIMITS.recommendationTextChars))
      return `Remediation.Recommendation.Text is at most ${LIMITS.recommendationTextChars} characters`;
  }
  const pf = f['ProductFields'];
  if (
    pf !== undefined &&
    (!isRecord(pf) || Object.keys(pf).length > LIMITS.productFieldsPairs || !Object.values(pf).every((v) => typeof v === 'string'))
  ) {
    return `ProductFields is a map of at most ${LIMITS.productFieldsPairs} string values`;
  }
  return undefined;
}

export class SecurityHubFake {
  /** Region → finding key (productArn|id) → finding. */
  readonly findings = new Map<string, Map<string, StoredFinding>>();
  /** Ids accepted by BatchImportFindings since the last reset, per Region. */
  readonly importedSinceReset = new Map<string, Set<string>>();
  readonly failedSinceReset: { region: string; entry: FailedEntry }[] = [];
  /** BatchUpdateFindings applied since the last reset: Region → id → workflow status. */
  readonly updatedSinceReset = new Map<string, Map<string, string>>();

  constructor(
    private readonly accountId: string,
    private readonly disabledRegions: ReadonlySet<string> = new Set(),
  ) {}

  resetRunRecords(): void {
    this.importedSinceReset.clear();
    this.failedSinceReset.length = 0;
    this.updatedSinceReset.clear();
  }

  private store(region: string): Map<string, StoredFinding> {
    let m = this.findings.get(region);
    if (!m) this.findings.set(region, (m = new Map<string, StoredFinding>()));
    return m;
  }

  private assertEnabled(region: string): void {
    if (this.disabledRegions.has(region)) {
      throw new AwsError('InvalidAccessException', `Account ${this.accountId} is not subscribed to AWS Security Hub in ${region}`, 401);
    }
  }

  /** POST /findings/import */
  batchImport(body: Record<string, unknown>, region: string): { FailedCount: number; SuccessCount: number; FailedFindings: FailedEntry[] } {
    this.assertEnabled(region);
    const findings = body['Findings'];
    if (!Array.isArray(findings) || findings.length < 1 || findings.length > MAX_IMPORT) {
      throw new AwsError(
        'InvalidInputException',
        `Findings must contain between 1 and ${MAX_IMPORT} items (got ${Array.isArray(findings) ? findings.length : 'none'})`,
      );
    }
    const failed: FailedEntry[] = [];
    const store = this.store(region);
    const imported = this.importedSinceReset.get(region) ?? new Set<string>();
    this.importedSinceReset.set(region, imported);
    for (const f of findings) {
      const id = isRecord(f) && typeof f['Id'] === 'string' ? f['Id'] : '';
      if (!isRecord(f)) {
        failed.push({ Id: id, ErrorCode: 'InvalidInput', ErrorMessage: 'finding is not an object' });
        continue;
      }
      const size = Buffer.byteLength(JSON.stringify(f));
      const problem =
        size > MAX_FINDING_BYTES ? `finding is ${size} bytes, more than ${MAX_FINDING_BYTES}` : findingProblem(f, region, this.accountId);
      if (problem) {
        failed.push({ Id: id, ErrorCode: 'InvalidInput', ErrorMessage: problem });
        continue;
      }
      const key = `${String(f['ProductArn'])}|${id}`;
      const existing = store.get(key);
      imported.add(id);
      // An UpdatedAt not newer than the stored one is ignored (AWS counts it as a success).
      if (existing && Date.parse(String(f['UpdatedAt'])) <= Date.parse(existing.updatedAt)) continue;
      const res = (f['Resources'] as Record<string, unknown>[])[0];
      const comp = f['Compliance'];
      // Workflow and Note can be set when a finding is created; after that only BatchUpdateFindings
      // changes them, so an update keeps what is stored.
      const workflow = isRecord(f['Workflow']) && WORKFLOW.has(String(f['Workflow']['Status'])) ? String(f['Workflow']['Status']) : 'NEW';
      const note = isRecord(f['Note']) && typeof f['Note']['Text'] === 'string' ? f['Note']['Text'] : undefined;
      store.set(key, {
        id,
        productArn: String(f['ProductArn']),
        ...(res && { resourceId: String(res['Id']) }),
        updatedAt: String(f['UpdatedAt']),
        ...(isRecord(comp) && comp['Status'] !== undefined && { complianceStatus: text(comp['Status']) }),
        recordState: text(f['RecordState'] ?? 'ACTIVE'),
        workflowStatus: existing ? existing.workflowStatus : workflow,
        ...(existing ? existing.noteText !== undefined && { noteText: existing.noteText } : note !== undefined && { noteText: note }),
        generatorId: String(f['GeneratorId']),
        raw: f,
      });
    }
    for (const entry of failed) this.failedSinceReset.push({ region, entry });
    return { FailedCount: failed.length, SuccessCount: findings.length - failed.length, FailedFindings: failed };
  }

  /** PATCH /findings/batchupdate */
  batchUpdate(body: Record<string, unknown>, region: string) {
    this.assertEnabled(region);
    const ids = body['FindingIdentifiers'];
    if (!Array.isArray(ids) || ids.length < 1 || ids.length > LIMITS.findingIdsPerUpdate) {
      throw new AwsError('InvalidInputException', `FindingIdentifiers must contain between 1 and ${LIMITS.findingIdsPerUpdate} items`);
    }
    const workflow = body['Workflow'];
    const status = isRecord(workflow) ? workflow['Status'] : undefined;
    if (status !== undefined && !WORKFLOW.has(text(status)))
      throw new AwsError('InvalidInputException', `Workflow.Status ${text(status)} is not valid`);
    const note = body['Note'];
    if (note !== undefined) {
      if (!isRecord(note) || !str(note['Text'], LIMITS.noteChars) || !str(note['UpdatedBy'], LIMITS.noteChars)) {
        throw new AwsError('InvalidInputException', `Note needs Text (1–${LIMITS.noteChars} characters) and UpdatedBy`);
      }
    }
    const store = this.store(region);
    const updated = this.updatedSinceReset.get(region) ?? new Map<string, string>();
    this.updatedSinceReset.set(region, updated);
    const processed: unknown[] = [];
    const unprocessed: unknown[] = [];
    for (const ref of ids as unknown[]) {
      const key = isRecord(ref) ? `${String(ref['ProductArn'])}|${String(ref['Id'])}` : '';
      const f = store.get(key);
      if (!f) {
        unprocessed.push({ FindingIdentifier: ref, ErrorCode: 'FindingNotFound', ErrorMessage: 'Finding not found' });
        continue;
      }
      if (status !== undefined) f.workflowStatus = text(status);
      if (isRecord(note)) f.noteText = String(note['Text']);
      updated.set(f.id, f.workflowStatus);
      processed.push(ref);
    }
    return { ProcessedFindings: processed, UnprocessedFindings: unprocessed };
  }

  /** POST /findings: filters Id, ProductArn, GeneratorId, RecordState, ComplianceStatus, WorkflowStatus, ResourceId (EQUALS). */
  getFindings(body: Record<string, unknown>, region: string) {
    this.assertEnabled(region);
    const pageMax = LIMITS.findingsPerPage;
    const max = body['MaxResults'] === undefined ? pageMax : Number(body['MaxResults']);
    if (!Number.isInteger(max) || max < 1 || max > pageMax) throw new AwsError('InvalidInputException', `MaxResults must be 1–${pageMax}`);
    const filters = isRecord(body['Filters']) ? body['Filters'] : {};
    const field: Record<string, (f: StoredFinding) => string | undefined> = {
      Id: (f) => f.id,
      ProductArn: (f) => f.productArn,
      GeneratorId: (f) => f.generatorId,
      RecordState: (f) => f.recordState,
      ComplianceStatus: (f) => f.complianceStatus,
      WorkflowStatus: (f) => f.workflowStatus,
      ResourceId: (f) => f.resourceId,
      AwsAccountId: () => this.accountId,
    };
    const tests: ((f: StoredFinding) => boolean)[] = [];
    for (const [name, list] of Object.entries(filters)) {
      const get = field[name];
      if (!get || !Array.isArray(list))
        throw new AwsError('InvalidInputException', `filter ${name} is not supported by the benchmark's fake Security Hub`);
      const values = list
        .filter(isRecord)
        .filter((c) => c['Comparison'] === 'EQUALS')
        .map((c) => String(c['Value']));
      if (values.length !== list.length)
        throw new AwsError('InvalidInputException', `filter ${name}: only EQUALS is supported by the benchmark's fake`);
      tests.push((f) => values.includes(get(f) ?? ''));
    }
    const all = [...this.store(region).values()].filter((f) => tests.every((t) => t(f)));
    const start = typeof body['NextToken'] === 'string' && body['NextToken'] !== '' ? Number(body['NextToken']) : 0;
    if (!Number.isInteger(start) || start < 0) throw new AwsError('InvalidInputException', 'NextToken is not valid');
    const page = all.slice(start, start + max).map((f) => ({
      ...f.raw,
      Workflow: { Status: f.workflowStatus },
      WorkflowState: f.workflowStatus,
      ...(f.noteText !== undefined && { Note: { Text: f.noteText, UpdatedBy: 'account', UpdatedAt: f.updatedAt } }),
    }));
    return { Findings: page, ...(start + max < all.length && { NextToken: String(start + max) }) };
  }

  /** GET /accounts */
  describeHub(region: string) {
    this.assertEnabled(region);
    return {
      HubArn: `arn:aws:securityhub:${region}:${this.accountId}:hub/default`,
      SubscribedAt: '2024-01-01T00:00:00.000Z',
      AutoEnableControls: true,
      ControlFindingGenerator: 'SECURITY_CONTROL',
    };
  }
}

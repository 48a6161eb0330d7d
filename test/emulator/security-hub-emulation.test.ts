import {
  WorkflowLedger,
  decodeNextToken,
  encodeNextToken,
  filtersError,
  findingProblems,
  importBatchError,
  matchesFilters,
  type Finding,
} from '../../emulator/security-hub-emulation';

const ACCOUNT = '123456789012';
const REGION = 'us-east-1';
const ctx = { region: REGION, accountId: ACCOUNT };

function finding(extra: Finding = {}): Finding {
  return {
    SchemaVersion: '2018-10-08',
    Id: 'f-1',
    ProductArn: `arn:aws:securityhub:${REGION}:${ACCOUNT}:product/${ACCOUNT}/default`,
    GeneratorId: 'gen',
    AwsAccountId: ACCOUNT,
    Types: ['Software and Configuration Checks/AWS Security Best Practices'],
    CreatedAt: '2026-11-25T10:00:00Z',
    UpdatedAt: '2026-11-25T10:00:00Z',
    Severity: { Label: 'HIGH' },
    Title: 'title',
    Description: 'description',
    Resources: [{ Type: 'AwsRdsDbCluster', Id: 'arn:aws:rds:us-east-1:123456789012:cluster:a' }],
    ...extra,
  };
}

describe('BatchImportFindings request size', () => {
  it.each([[0], [101]])('rejects %i findings', (n) => {
    expect(importBatchError(Array.from({ length: n }, () => finding()))).toMatch(/between 1 and 100/);
  });

  it('accepts 100 findings', () => {
    expect(importBatchError(Array.from({ length: 100 }, () => finding()))).toBeUndefined();
  });
});

describe('ASFF validation of one finding', () => {
  it('accepts a complete finding', () => {
    expect(findingProblems(finding(), ctx)).toEqual([]);
  });

  it.each([
    'SchemaVersion',
    'Id',
    'ProductArn',
    'GeneratorId',
    'AwsAccountId',
    'Types',
    'CreatedAt',
    'UpdatedAt',
    'Severity',
    'Title',
    'Description',
    'Resources',
  ])('reports the missing required field %s', (field) => {
    const { [field]: _removed, ...rest } = finding();

    expect(findingProblems(rest, ctx)).toContain(`data should have required property '${field}'`);
  });

  it('reports limits, enums and dates', () => {
    const problems = findingProblems(
      finding({
        Title: 'x'.repeat(257),
        Severity: { Label: 'SEVERE' },
        Compliance: { Status: 'OK' },
        UpdatedAt: 'yesterday',
        Resources: [{ Type: 'AwsRdsDbCluster' }],
      }),
      ctx,
    );

    expect(problems).toEqual([
      'data.Title should NOT be longer than 256 characters',
      'data.UpdatedAt should match format "date-time"',
      'data.Severity.Label should be one of INFORMATIONAL, LOW, MEDIUM, HIGH, CRITICAL',
      "data.Resources[0] should have required property 'Id'",
      'data.Compliance.Status should be one of PASSED, WARNING, FAILED, NOT_AVAILABLE',
    ]);
  });

  it('rejects a finding for another account or with the ProductArn of another Region', () => {
    expect(findingProblems(finding({ AwsAccountId: '210987654321' }), ctx)).toEqual([
      'data.AwsAccountId 210987654321 is not the calling account 123456789012',
    ]);
    expect(findingProblems(finding({ ProductArn: `arn:aws:securityhub:eu-west-1:${ACCOUNT}:product/${ACCOUNT}/default` }), ctx)).toEqual([
      `data.ProductArn arn:aws:securityhub:eu-west-1:${ACCOUNT}:product/${ACCOUNT}/default is not in the Region of the request (us-east-1)`,
    ]);
  });
});

describe('GetFindings filters', () => {
  const a = finding({
    Id: 'a',
    RecordState: 'ACTIVE',
    Resources: [
      { Type: 'AwsRdsDbCluster', Id: 'arn:x:cluster:one' },
      { Type: 'AwsRdsDbCluster', Id: 'arn:x:cluster:two' },
    ],
  });
  const b = finding({ Id: 'b', RecordState: 'ARCHIVED' });

  it('ORs EQUALS values of one field and ANDs different fields', () => {
    const filters = {
      Id: [
        { Value: 'a', Comparison: 'EQUALS' },
        { Value: 'b', Comparison: 'EQUALS' },
      ],
      RecordState: [{ Value: 'ACTIVE', Comparison: 'EQUALS' }],
    };

    expect([a, b].filter((f) => matchesFilters(f, filters)).map((f) => f.Id)).toEqual(['a']);
  });

  it('ANDs NOT_EQUALS values', () => {
    const filters = {
      Id: [
        { Value: 'a', Comparison: 'NOT_EQUALS' },
        { Value: 'c', Comparison: 'NOT_EQUALS' },
      ],
    };

    expect([a, b].filter((f) => matchesFilters(f, filters)).map((f) => f.Id)).toEqual(['b']);
  });

  it('matches a list field (ResourceId) when any element matches, with PREFIX and CONTAINS', () => {
    expect(matchesFilters(a, { ResourceId: [{ Value: 'arn:x:cluster:two', Comparison: 'EQUALS' }] })).toBe(true);
    expect(matchesFilters(a, { ResourceId: [{ Value: 'arn:x:', Comparison: 'PREFIX' }] })).toBe(true);
    expect(matchesFilters(a, { ResourceId: [{ Value: 'cluster:one', Comparison: 'CONTAINS' }] })).toBe(true);
    expect(matchesFilters(a, { ResourceId: [{ Value: 'cluster:one', Comparison: 'NOT_CONTAINS' }] })).toBe(false);
  });

  it('names a filter it does not evaluate rather than ignoring it', () => {
    expect(filtersError({ UpdatedAt: [{ Start: '2026-01-01' }] })).toMatch(/'UpdatedAt' is not emulated/);
    expect(filtersError({ Id: [{ Value: 'a', Comparison: 'LIKE' }] })).toMatch(/Comparison/);
    expect(filtersError({ Id: [{ Value: 'a', Comparison: 'EQUALS' }] })).toBeUndefined();
  });

  it('round-trips a NextToken and rejects one it did not issue', () => {
    expect(decodeNextToken(encodeNextToken(7))).toBe(7);
    expect(decodeNextToken('garbage')).toBeUndefined();
  });
});

describe('workflow ledger', () => {
  it('starts a new finding as NEW and shows the imported Note', () => {
    const ledger = new WorkflowLedger();
    ledger.recordImport(REGION, finding());

    expect(ledger.overlay(REGION, finding()).Workflow).toEqual({ Status: 'NEW' });
  });

  it('keeps BatchUpdateFindings status and note over a later import that tries to change them', () => {
    const ledger = new WorkflowLedger();
    ledger.recordImport(REGION, finding());
    ledger.applyUpdate(REGION, 'f-1', 'p', 'SUPPRESSED', { Text: 'exempt', UpdatedBy: 'me', UpdatedAt: '2026-11-25T11:00:00Z' });
    const reimport = finding({
      UpdatedAt: '2026-11-26T10:00:00Z',
      Workflow: { Status: 'NEW' },
      Note: { Text: 'other', UpdatedBy: 'x', UpdatedAt: '2026-11-26T10:00:00Z' },
    });

    expect(ledger.recordImport(REGION, reimport)).toBe(true);
    expect(ledger.overlay(REGION, reimport)).toMatchObject({ Workflow: { Status: 'SUPPRESSED' }, Note: { Text: 'exempt' } });
  });

  it('ignores an import whose UpdatedAt is not newer', () => {
    const ledger = new WorkflowLedger();
    ledger.recordImport(REGION, finding());

    expect(ledger.recordImport(REGION, finding())).toBe(false);
  });

  it('resets RESOLVED to NEW when an archived finding becomes active again, but leaves SUPPRESSED alone', () => {
    const ledger = new WorkflowLedger();
    ledger.recordImport(REGION, finding({ Id: 'r', RecordState: 'ARCHIVED' }));
    ledger.recordImport(REGION, finding({ Id: 's', RecordState: 'ARCHIVED' }));
    ledger.applyUpdate(REGION, 'r', 'p', 'RESOLVED', undefined);
    ledger.applyUpdate(REGION, 's', 'p', 'SUPPRESSED', undefined);

    ledger.recordImport(REGION, finding({ Id: 'r', RecordState: 'ACTIVE', UpdatedAt: '2026-11-26T10:00:00Z' }));
    ledger.recordImport(REGION, finding({ Id: 's', RecordState: 'ACTIVE', UpdatedAt: '2026-11-26T10:00:00Z' }));

    expect(ledger.get(REGION, 'r')?.workflowStatus).toBe('NEW');
    expect(ledger.get(REGION, 's')?.workflowStatus).toBe('SUPPRESSED');
  });

  it('resets RESOLVED to NEW when a PASSED finding fails again', () => {
    const ledger = new WorkflowLedger();
    ledger.recordImport(REGION, finding({ Compliance: { Status: 'PASSED' } }));
    ledger.applyUpdate(REGION, 'f-1', 'p', 'RESOLVED', undefined);

    ledger.recordImport(REGION, finding({ Compliance: { Status: 'FAILED' }, UpdatedAt: '2026-11-26T10:00:00Z' }));

    expect(ledger.get(REGION, 'f-1')?.workflowStatus).toBe('NEW');
  });

  it('keeps Regions apart', () => {
    const ledger = new WorkflowLedger();
    ledger.recordImport(REGION, finding());

    expect(ledger.get('eu-west-1', 'f-1')).toBeUndefined();
    expect(ledger.overlay('eu-west-1', finding({ Note: { Text: 'kept' } })).Note).toEqual({ Text: 'kept' });
  });
});

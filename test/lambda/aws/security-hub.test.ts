import 'aws-sdk-client-mock-jest';
import {
  BatchImportFindingsCommand,
  BatchUpdateFindingsCommand,
  InvalidAccessException,
  InvalidInputException,
  SecurityHubClient,
  type AwsSecurityFinding,
  type BatchImportFindingsCommandInput,
  type BatchUpdateFindingsCommandInput,
} from '@aws-sdk/client-securityhub';
import { mockClient } from 'aws-sdk-client-mock';
import { FindingsBatchTooLargeError, SecurityHubNotEnabledError } from '../../../lambda/aws/errors';
import { Pacer } from '../../../lambda/aws/pace';
import {
  importFindings,
  productArn,
  UPDATE_LANES,
  UPDATE_RATE,
  updateWorkflow,
  type WorkflowUpdate,
} from '../../../lambda/aws/security-hub';

const sh = mockClient(SecurityHubClient);
const client = new SecurityHubClient({ region: 'eu-west-1' });
const PRODUCT = 'arn:aws:securityhub:eu-west-1:111122223333:product/111122223333/default';

const finding = (i: number): AwsSecurityFinding => ({ Id: `f-${i}`, ProductArn: PRODUCT }) as AwsSecurityFinding;
const findings = (n: number) => Array.from({ length: n }, (_, i) => finding(i));
const sentIds = (call: number) =>
  ((sh.commandCalls(BatchImportFindingsCommand)[call]?.args[0].input as BatchImportFindingsCommandInput).Findings ?? []).map((f) => f.Id);

beforeEach(() => {
  sh.reset();
});

describe('productArn', () => {
  it.each([
    ['aws', 'us-east-1', 'arn:aws:securityhub:us-east-1:111122223333:product/111122223333/default'],
    ['aws-us-gov', 'us-gov-west-1', 'arn:aws-us-gov:securityhub:us-gov-west-1:111122223333:product/111122223333/default'],
  ])('builds the default product ARN in partition %s', (partition, region, expected) => {
    expect(productArn(partition, region, '111122223333')).toBe(expected);
  });
});

describe('importFindings', () => {
  it('imports 250 findings in three calls, retries the rejected entries once and reports the one that fails twice', async () => {
    const attempts = new Map<string, number>();
    sh.on(BatchImportFindingsCommand).callsFake((input: BatchImportFindingsCommandInput) => {
      const failed = [];
      for (const f of input.Findings ?? []) {
        const n = (attempts.get(f.Id!) ?? 0) + 1;
        attempts.set(f.Id!, n);
        if (f.Id === 'f-7' && n === 1) failed.push({ Id: 'f-7', ErrorCode: 'InternalFailure', ErrorMessage: 'try again' });
        if (f.Id === 'f-150') failed.push({ Id: 'f-150', ErrorCode: 'InvalidInput', ErrorMessage: 'Title too long' });
      }
      const total = input.Findings?.length ?? 0;
      return { SuccessCount: total - failed.length, FailedCount: failed.length, FailedFindings: failed };
    });

    const result = await importFindings(client, findings(250));

    expect(sh).toHaveReceivedCommandTimes(BatchImportFindingsCommand, 4);
    expect([0, 1, 2].map((c) => sentIds(c).length)).toEqual([100, 100, 50]);
    expect(sentIds(3)).toEqual(['f-7', 'f-150']);
    expect(result).toEqual({
      imported: 249,
      failed: [{ id: 'f-150', code: 'InvalidInput', message: 'Title too long' }],
    });
  });

  it('makes no retry call when nothing was rejected', async () => {
    sh.on(BatchImportFindingsCommand).resolves({ SuccessCount: 3, FailedCount: 0, FailedFindings: [] });

    const result = await importFindings(client, findings(3));

    expect(sh).toHaveReceivedCommandTimes(BatchImportFindingsCommand, 1);
    expect(result).toEqual({ imported: 3, failed: [] });
  });

  it('makes no call for an empty list', async () => {
    await expect(importFindings(client, [])).resolves.toEqual({ imported: 0, failed: [] });
    expect(sh).not.toHaveReceivedCommand(BatchImportFindingsCommand);
  });

  it('raises SecurityHubNotEnabledError naming the Region when AWS throws InvalidAccessException', async () => {
    sh.on(BatchImportFindingsCommand).rejects(
      new InvalidAccessException({ message: 'Account 111122223333 is not subscribed to AWS Security Hub', $metadata: {} }),
    );

    const error: unknown = await importFindings(client, findings(2)).catch((e: unknown) => e);

    expect(error).toBeInstanceOf(SecurityHubNotEnabledError);
    expect(error).toMatchObject({ region: 'eu-west-1', message: expect.stringContaining('not subscribed') });
  });

  it.each(['InvalidAccess', 'InvalidAccessException'])('raises SecurityHubNotEnabledError when every entry fails with %s', async (code) => {
    sh.on(BatchImportFindingsCommand).resolves({
      SuccessCount: 0,
      FailedCount: 2,
      FailedFindings: [
        { Id: 'f-0', ErrorCode: code, ErrorMessage: 'not enabled' },
        { Id: 'f-1', ErrorCode: code, ErrorMessage: 'not enabled' },
      ],
    });

    await expect(importFindings(client, findings(2))).rejects.toThrow(SecurityHubNotEnabledError);
  });

  it('reports, rather than calls "not enabled", an InvalidAccess on only some entries', async () => {
    sh.on(BatchImportFindingsCommand).callsFake((input: BatchImportFindingsCommandInput) => {
      const failed = (input.Findings ?? [])
        .filter((f) => f.Id === 'f-1')
        .map(() => ({ Id: 'f-1', ErrorCode: 'InvalidAccess', ErrorMessage: 'not yours' }));
      return { SuccessCount: (input.Findings?.length ?? 0) - failed.length, FailedCount: failed.length, FailedFindings: failed };
    });

    const result = await importFindings(client, findings(2));

    expect(sh).toHaveReceivedCommandTimes(BatchImportFindingsCommand, 2);
    expect(result).toEqual({ imported: 1, failed: [{ id: 'f-1', code: 'InvalidAccess', message: 'not yours' }] });
  });

  it('raises FindingsBatchTooLargeError when AWS refuses a call for carrying more than 100 findings', async () => {
    sh.on(BatchImportFindingsCommand).rejects(
      new InvalidInputException({
        message: 'Findings must contain between 1 and 100 findings',
        $metadata: { httpStatusCode: 400 },
      }),
    );

    await expect(importFindings(client, findings(5))).rejects.toThrow(FindingsBatchTooLargeError);
  });

  it('does not mistake another 4xx that mentions a finding numbered 100 for a batch-size refusal', async () => {
    sh.on(BatchImportFindingsCommand).rejects(
      new InvalidInputException({ message: 'Finding f-100 has an invalid ProductArn', $metadata: { httpStatusCode: 400 } }),
    );

    const result = await importFindings(client, findings(2));

    expect(result.failed.map((f) => f.code)).toEqual(['InvalidInputException', 'InvalidInputException']);
  });

  it('reports the findings of a call that failed as a whole and still sends the other calls', async () => {
    sh.on(BatchImportFindingsCommand)
      .rejectsOnce(Object.assign(new Error('Rate exceeded'), { name: 'ThrottlingException', $metadata: { httpStatusCode: 429 } }))
      .resolves({ SuccessCount: 20, FailedCount: 0, FailedFindings: [] });

    const result = await importFindings(client, findings(120));

    expect(sh).toHaveReceivedCommandTimes(BatchImportFindingsCommand, 2);
    expect(result.imported).toBe(20);
    expect(result.failed).toHaveLength(100);
    expect(result.failed[0]).toEqual({ id: 'f-0', code: 'ThrottlingException', message: 'Rate exceeded' });
    expect(result.callError).toEqual({ code: 'ThrottlingException', message: 'Rate exceeded' });
  });

  it('names no call error when AWS only rejected single entries', async () => {
    sh.on(BatchImportFindingsCommand).resolves({
      SuccessCount: 1,
      FailedCount: 1,
      FailedFindings: [{ Id: 'f-1', ErrorCode: 'InvalidInput', ErrorMessage: 'bad' }],
    });

    const result = await importFindings(client, findings(2));

    expect(result.failed.map((f) => f.id)).toEqual(['f-1']);
    expect(result.callError).toBeUndefined();
  });
});

describe('updateWorkflow', () => {
  const update = (i: number, status: WorkflowUpdate['status'], note?: string): WorkflowUpdate => ({
    id: `f-${i}`,
    productArn: PRODUCT,
    status,
    ...(note !== undefined && { note }),
  });
  const inputs = () => sh.commandCalls(BatchUpdateFindingsCommand).map((c) => c.args[0].input);

  it('sends one (status, note) pair per call and at most 100 findings per call', async () => {
    sh.on(BatchUpdateFindingsCommand).callsFake((input: BatchUpdateFindingsCommandInput) => ({
      ProcessedFindings: input.FindingIdentifiers,
      UnprocessedFindings: [],
    }));
    const updates = [
      ...Array.from({ length: 150 }, (_, i) => update(i, 'SUPPRESSED', 'exempt: migration, until 2027-01-01')),
      ...Array.from({ length: 10 }, (_, i) => update(200 + i, 'SUPPRESSED', 'exempt: test cluster')),
      ...Array.from({ length: 5 }, (_, i) => update(300 + i, 'NEW')),
    ];

    const result = await updateWorkflow(client, updates);

    expect(result).toEqual({ updated: 165, failed: [] });
    expect(inputs().map((i) => [i.FindingIdentifiers?.length, i.Workflow?.Status, i.Note?.Text])).toEqual([
      [100, 'SUPPRESSED', 'exempt: migration, until 2027-01-01'],
      [50, 'SUPPRESSED', 'exempt: migration, until 2027-01-01'],
      [10, 'SUPPRESSED', 'exempt: test cluster'],
      [5, 'NEW', undefined],
    ]);
    expect(inputs()[0]?.Note?.UpdatedBy).toBe('aurora-backtrack-checker');
    expect(inputs()[0]?.FindingIdentifiers?.[0]).toEqual({ Id: 'f-0', ProductArn: PRODUCT });
    expect(inputs()[3]).not.toHaveProperty('Note');
  });

  it('cuts a note longer than 512 characters', async () => {
    sh.on(BatchUpdateFindingsCommand).resolves({ ProcessedFindings: [{ Id: 'f-0', ProductArn: PRODUCT }], UnprocessedFindings: [] });

    await updateWorkflow(client, [update(0, 'SUPPRESSED', 'x'.repeat(600))]);

    expect(inputs()[0]?.Note?.Text).toHaveLength(512);
  });

  it('reports the findings AWS did not process', async () => {
    sh.on(BatchUpdateFindingsCommand).resolves({
      ProcessedFindings: [{ Id: 'f-0', ProductArn: PRODUCT }],
      UnprocessedFindings: [
        { FindingIdentifier: { Id: 'f-1', ProductArn: PRODUCT }, ErrorCode: 'FindingNotFound', ErrorMessage: 'no such finding' },
      ],
    });

    const result = await updateWorkflow(client, [update(0, 'NEW'), update(1, 'NEW')]);

    expect(result).toEqual({ updated: 1, failed: [{ id: 'f-1', code: 'FindingNotFound', message: 'no such finding' }] });
  });

  it('has the calls of one Region in flight together, never more than UPDATE_LANES (3) at once', async () => {
    let inFlight = 0;
    let most = 0;
    sh.on(BatchUpdateFindingsCommand).callsFake(async (input: BatchUpdateFindingsCommandInput) => {
      most = Math.max(most, ++inFlight);
      await new Promise((r) => setTimeout(r, 5));
      inFlight -= 1;
      return { ProcessedFindings: input.FindingIdentifiers, UnprocessedFindings: [] };
    });
    const updates = Array.from({ length: 7 }, (_, g) =>
      Array.from({ length: 150 }, (_, i) => update(g * 1000 + i, 'SUPPRESSED', `note ${g}`)),
    ).flat();

    const result = await updateWorkflow(client, updates);

    expect(result).toEqual({ updated: 1050, failed: [] });
    expect(inputs()).toHaveLength(14);
    expect(UPDATE_LANES).toBe(3);
    expect(most).toBe(UPDATE_LANES);
  });

  it("paces its calls to Security Hub's 10 per second after a burst of 29, so a first run of thousands of clusters is not throttled", async () => {
    let now = 0;
    const sentAt: number[] = [];
    sh.on(BatchUpdateFindingsCommand).callsFake((input: BatchUpdateFindingsCommandInput) => {
      sentAt.push(now);
      return { ProcessedFindings: input.FindingIdentifiers };
    });
    const pacer = new Pacer(
      UPDATE_RATE,
      () => now,
      (ms) => {
        now += ms;
        return Promise.resolve();
      },
    );
    const updates = Array.from({ length: 40 }, (_, g) => update(g, 'SUPPRESSED', `note ${g}`));

    await updateWorkflow(client, updates, pacer);

    expect(UPDATE_RATE).toEqual({ rate: 10, burst: 29 });
    expect(sentAt).toHaveLength(40);
    expect(sentAt.filter((t) => t === 0)).toHaveLength(29);
    // The 11 calls after the burst: one per 100 ms (and 1 ms), never sooner.
    expect(sentAt[39]).toBeGreaterThanOrEqual(1_100);
    for (let i = 30; i < 40; i++) expect((sentAt[i] ?? 0) - (sentAt[i - 1] ?? 0)).toBeGreaterThanOrEqual(100);
  });

  it('starts no call after Security Hub answers that it is not enabled, and raises that', async () => {
    sh.on(BatchUpdateFindingsCommand).rejects(new InvalidAccessException({ message: 'not subscribed', $metadata: {} }));
    const updates = Array.from({ length: 10 }, (_, g) => update(g, 'SUPPRESSED', `note ${g}`));

    await expect(updateWorkflow(client, updates)).rejects.toThrow(SecurityHubNotEnabledError);
    expect(inputs()).toHaveLength(UPDATE_LANES);
  });

  it('raises SecurityHubNotEnabledError on InvalidAccessException', async () => {
    sh.on(BatchUpdateFindingsCommand).rejects(new InvalidAccessException({ message: 'not subscribed', $metadata: {} }));

    await expect(updateWorkflow(client, [update(0, 'NEW')])).rejects.toThrow(SecurityHubNotEnabledError);
  });
});

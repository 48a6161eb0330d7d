import 'aws-sdk-client-mock-jest';
import { GetFindingsCommand, SecurityHubClient, type AwsSecurityFinding } from '@aws-sdk/client-securityhub';
import { mockClient } from 'aws-sdk-client-mock';
import { Pacer } from '../../../lambda/aws/pace';
import { FINDINGS_PER_PAGE, GET_FINDINGS_RATE, hiddenFindings } from '../../../lambda/aws/security-hub';
import { GENERATOR_ID } from '../../../lambda/core/finding';

const sh = mockClient(SecurityHubClient);
const client = new SecurityHubClient({ region: 'eu-west-1' });
const PRODUCT = 'arn:aws:securityhub:eu-west-1:111122223333:product/111122223333/default';

const shown = (id: string, over: Partial<AwsSecurityFinding> = {}): AwsSecurityFinding =>
  ({
    Id: id,
    ProductArn: PRODUCT,
    GeneratorId: GENERATOR_ID,
    RecordState: 'ACTIVE',
    Compliance: { Status: 'FAILED' },
    Workflow: { Status: 'SUPPRESSED' },
    ...over,
  }) as AwsSecurityFinding;

beforeEach(() => sh.reset());

describe('hiddenFindings', () => {
  it('returns the failing findings of this product and generator that are SUPPRESSED or RESOLVED, with their status', async () => {
    sh.on(GetFindingsCommand).resolves({
      Findings: [shown('a'), shown('b', { Workflow: { Status: 'RESOLVED' }, Compliance: { Status: 'WARNING' } })],
    });

    expect(await hiddenFindings(client, PRODUCT)).toEqual([
      { id: 'a', status: 'SUPPRESSED' },
      { id: 'b', status: 'RESOLVED' },
    ]);
    expect(sh).toHaveReceivedCommandWith(GetFindingsCommand, { MaxResults: FINDINGS_PER_PAGE });
  });

  it('filters again what a service that ignores filters sends back: other products, generators, passing, archived, NEW', async () => {
    sh.on(GetFindingsCommand).resolves({
      Findings: [
        shown('guardduty', { ProductArn: 'arn:aws:securityhub:eu-west-1::product/aws/guardduty' }),
        shown('other-generator', { GeneratorId: 'someone-else' }),
        shown('passing', { Compliance: { Status: 'PASSED' } }),
        shown('archived', { RecordState: 'ARCHIVED' }),
        shown('open', { Workflow: { Status: 'NEW' } }),
        shown('notified', { Workflow: { Status: 'NOTIFIED' } }),
      ],
    });

    expect(await hiddenFindings(client, PRODUCT)).toEqual([]);
  });

  it('follows NextToken, each page paced to GetFindings’ rate of about 3 a second', async () => {
    sh.on(GetFindingsCommand)
      .resolvesOnce({ Findings: [shown('a')], NextToken: 't2' })
      .resolvesOnce({ Findings: [shown('b')], NextToken: 't3' })
      .resolvesOnce({ Findings: [shown('c')] });
    let now = 0;
    const pacer = new Pacer(
      GET_FINDINGS_RATE,
      () => now,
      (ms) => {
        now += ms;
        return Promise.resolve();
      },
    );

    const found = await hiddenFindings(client, PRODUCT, pacer);

    expect(found.map((f) => f.id)).toEqual(['a', 'b', 'c']);
    expect(sh).toHaveReceivedCommandTimes(GetFindingsCommand, 3);
    expect(sh).toHaveReceivedNthSpecificCommandWith(3, GetFindingsCommand, { NextToken: 't3' });
    expect(GET_FINDINGS_RATE).toEqual({ rate: 3, burst: 1 });
    // Three pages at 3 a second from a bucket of one: the second and third wait a third of a second each.
    expect(now).toBeGreaterThanOrEqual(666);
    expect(now).toBeLessThan(700);
  });

  it('lets a failure through to the caller, which reports it', async () => {
    sh.on(GetFindingsCommand).rejects(Object.assign(new Error('Rate exceeded'), { name: 'TooManyRequestsException' }));

    await expect(hiddenFindings(client, PRODUCT)).rejects.toThrow('Rate exceeded');
  });
});

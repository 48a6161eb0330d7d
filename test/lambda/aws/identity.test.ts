import 'aws-sdk-client-mock-jest';
import { GetCallerIdentityCommand, STSClient } from '@aws-sdk/client-sts';
import { mockClient } from 'aws-sdk-client-mock';
import { InvalidResponseError } from '../../../lambda/aws/errors';
import { partitionOf, whoAmI } from '../../../lambda/aws/identity';

const sts = mockClient(STSClient);
const client = new STSClient({ region: 'us-east-1' });

beforeEach(() => {
  sts.reset();
});

describe('whoAmI', () => {
  it.each([
    ['arn:aws:sts::111122223333:assumed-role/checker/session', 'aws'],
    ['arn:aws-us-gov:iam::111122223333:user/auditor', 'aws-us-gov'],
    ['arn:aws-cn:sts::111122223333:assumed-role/checker/s', 'aws-cn'],
  ])('reads the account and the partition from caller ARN %s', async (arn, partition) => {
    sts.on(GetCallerIdentityCommand).resolves({ Account: '111122223333', Arn: arn, UserId: 'AIDA' });

    await expect(whoAmI(client)).resolves.toEqual({ accountId: '111122223333', partition });
  });

  it('names the call and the Region when STS fails, keeping the SDK error name for the credentials hint', async () => {
    sts.on(GetCallerIdentityCommand).rejects(Object.assign(new Error('Service unavailable'), { name: 'ServiceUnavailable' }));

    const err = (await whoAmI(client).catch((e: unknown) => e)) as Error;

    expect(err.name).toBe('ServiceUnavailable');
    expect(err.message).toBe(
      'STS GetCallerIdentity in us-east-1 failed: Service unavailable; the account is unknown, so nothing was judged',
    );
  });

  it('raises InvalidResponseError when the answer names no account', async () => {
    sts.on(GetCallerIdentityCommand).resolves({ Arn: 'arn:aws:iam::111122223333:user/x' });

    await expect(whoAmI(client)).rejects.toThrow(InvalidResponseError);
  });

  it('raises InvalidResponseError when the caller ARN is not an ARN', async () => {
    sts.on(GetCallerIdentityCommand).resolves({ Account: '111122223333', Arn: 'user/x' });

    await expect(whoAmI(client)).rejects.toThrow(/caller ARN "user\/x"/);
  });
});

describe('partitionOf', () => {
  it('returns undefined for text that is not an ARN', () => {
    expect(partitionOf('not-an-arn')).toBeUndefined();
  });
});

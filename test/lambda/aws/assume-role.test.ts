import 'aws-sdk-client-mock-jest';
import { AssumeRoleCommand, STSClient } from '@aws-sdk/client-sts';
import { mockClient } from 'aws-sdk-client-mock';
import {
  assumeRoleCredentials,
  AssumeRoleError,
  REFRESH_BEFORE_EXPIRY_MS,
  ROLE_SESSION_NAME,
  roleArn,
} from '../../../lambda/aws/assume-role';

const sts = mockClient(STSClient);
const client = new STSClient({ region: 'us-east-1' });
const T0 = Date.parse('2026-11-29T12:00:00Z');
const target = { partition: 'aws', accountId: '222222222222', roleName: 'BacktrackAudit' };

beforeEach(() => {
  sts.reset();
});

const issued = (key: string, expiresAt: number) => ({
  Credentials: { AccessKeyId: key, SecretAccessKey: 's', SessionToken: 't', Expiration: new Date(expiresAt) },
});

describe('assumeRoleCredentials', () => {
  it('assumes the role by its ARN in the partition, with the session name and the external id', async () => {
    sts.on(AssumeRoleCommand).resolves(issued('ASIA1', T0 + 3_600_000));

    const creds = await assumeRoleCredentials(client, { ...target, partition: 'aws-cn', externalId: 'ext-1' }, () => T0)();

    expect(creds).toMatchObject({ accessKeyId: 'ASIA1', secretAccessKey: 's', sessionToken: 't', accountId: '222222222222' });
    expect(sts).toHaveReceivedCommandWith(AssumeRoleCommand, {
      RoleArn: 'arn:aws-cn:iam::222222222222:role/BacktrackAudit',
      RoleSessionName: ROLE_SESSION_NAME,
      ExternalId: 'ext-1',
    });
  });

  it("names the account the session's ARN names, so a session in another account is told apart without GetCallerIdentity", async () => {
    sts.on(AssumeRoleCommand).resolves({
      ...issued('ASIA1', T0 + 3_600_000),
      AssumedRoleUser: { AssumedRoleId: 'AROA1:s', Arn: 'arn:aws:sts::333333333333:assumed-role/BacktrackAudit/s' },
    });

    const creds = await assumeRoleCredentials(client, target, () => T0)();

    expect(creds.accountId).toBe('333333333333');
  });

  it('sends no ExternalId when none is given', async () => {
    sts.on(AssumeRoleCommand).resolves(issued('ASIA1', T0 + 3_600_000));

    await assumeRoleCredentials(client, target, () => T0)();

    expect(sts.commandCalls(AssumeRoleCommand)[0]?.args[0].input).not.toHaveProperty('ExternalId');
  });

  it('keeps the credentials until five minutes before they expire, then assumes the role again', async () => {
    const expiry = T0 + 3_600_000;
    sts
      .on(AssumeRoleCommand)
      .resolvesOnce(issued('ASIA1', expiry))
      .resolvesOnce(issued('ASIA2', expiry + 3_600_000));
    let now = T0;
    const provider = assumeRoleCredentials(client, target, () => now);

    await provider();
    now = expiry - REFRESH_BEFORE_EXPIRY_MS - 1;
    const before = await provider();
    now = expiry - REFRESH_BEFORE_EXPIRY_MS;
    const at = await provider();

    expect(before.accessKeyId).toBe('ASIA1');
    expect(at.accessKeyId).toBe('ASIA2');
    expect(sts).toHaveReceivedCommandTimes(AssumeRoleCommand, 2);
  });

  it('makes one AssumeRole call for callers that ask at the same time', async () => {
    sts.on(AssumeRoleCommand).resolves(issued('ASIA1', T0 + 3_600_000));
    const provider = assumeRoleCredentials(client, target, () => T0);

    const all = await Promise.all([provider(), provider(), provider()]);

    expect(all.map((c) => c.accessKeyId)).toEqual(['ASIA1', 'ASIA1', 'ASIA1']);
    expect(sts).toHaveReceivedCommandTimes(AssumeRoleCommand, 1);
  });

  it('names the account, the role and AWS’s reason when the role cannot be assumed, and tries again next time', async () => {
    sts
      .on(AssumeRoleCommand)
      .rejectsOnce(Object.assign(new Error('not authorized to perform: sts:AssumeRole'), { name: 'AccessDenied' }))
      .resolves(issued('ASIA1', T0 + 3_600_000));
    const provider = assumeRoleCredentials(client, target, () => T0);

    const err = await provider().catch((e: unknown) => e);

    expect(err).toBeInstanceOf(AssumeRoleError);
    expect(err).toMatchObject({ accountId: '222222222222', code: 'AccessDenied' });
    expect((err as Error).message).toContain(`cannot assume ${roleArn(target)} (AccessDenied: not authorized to perform: sts:AssumeRole)`);
    expect((await provider()).accessKeyId).toBe('ASIA1');
  });

  it('refuses an answer without credentials', async () => {
    sts.on(AssumeRoleCommand).resolves({});

    await expect(assumeRoleCredentials(client, target, () => T0)()).rejects.toThrow(/STS returned no credentials/);
  });
});

import { RECHECK_EVENT_NAMES, toRequest, UnrecognisedEventError } from '../../lambda/events';

const ARN_PREFIX = 'arn:aws:rds:eu-west-1:111122223333';

/** An EventBridge "AWS API Call via CloudTrail" event from RDS. */
const cloudTrail = (eventName: string, requestParameters: Record<string, unknown>, detail: Record<string, unknown> = {}) => ({
  version: '0',
  id: 'e-1',
  'detail-type': 'AWS API Call via CloudTrail',
  source: 'aws.rds',
  account: '111122223333',
  time: '2026-11-20T12:00:00Z',
  region: 'eu-west-1',
  resources: [],
  detail: { eventSource: 'rds.amazonaws.com', eventName, awsRegion: 'eu-west-1', requestParameters, ...detail },
});

describe('toRequest', () => {
  it.each(['scan', 'reminder'] as const)('reads the scheduled {"mode":"%s"}', (mode) => {
    expect(toRequest({ mode })).toEqual({ mode });
  });

  const BY_ARN = [
    'AddTagsToResource',
    'RemoveTagsFromResource',
    'CreateGlobalCluster',
    'RemoveFromGlobalCluster',
    'SwitchoverBlueGreenDeployment',
  ];

  it.each(RECHECK_EVENT_NAMES.filter((n) => !BY_ARN.includes(n)))('%s re-checks the cluster named in the request', (eventName) => {
    expect(toRequest(cloudTrail(eventName, { dBClusterIdentifier: 'orders' }))).toMatchObject({
      mode: 'recheck',
      region: 'eu-west-1',
      identifier: 'orders',
      trigger: eventName,
    });
  });

  it('re-checks a renamed cluster under its new name', () => {
    const event = cloudTrail('ModifyDBCluster', {
      dBClusterIdentifier: 'orders',
      newDBClusterIdentifier: 'orders-v2',
      applyImmediately: true,
    });

    expect(toRequest(event)).toMatchObject({ mode: 'recheck', identifier: 'orders-v2' });
  });

  it.each(['AddTagsToResource', 'RemoveTagsFromResource'])('%s on a cluster ARN re-checks that cluster', (eventName) => {
    const event = cloudTrail(eventName, {
      resourceName: `${ARN_PREFIX}:cluster:orders`,
      tags: [{ key: 'backtrack-check:exempt', value: 'true' }],
    });

    expect(toRequest(event)).toMatchObject({ mode: 'recheck', region: 'eu-west-1', identifier: 'orders', trigger: eventName });
  });

  it('re-checks the cluster restored from S3 (RestoreDBClusterFromS3 sets a window)', () => {
    const event = cloudTrail('RestoreDBClusterFromS3', {
      dBClusterIdentifier: 'imported',
      engine: 'aurora-mysql',
      sourceEngine: 'mysql',
      s3BucketName: 'backups',
      backtrackWindow: 86400,
    });

    expect(toRequest(event)).toMatchObject({
      mode: 'recheck',
      region: 'eu-west-1',
      identifier: 'imported',
      trigger: 'RestoreDBClusterFromS3',
    });
  });

  it('re-checks the source cluster of CreateGlobalCluster in the Region of its ARN', () => {
    const event = cloudTrail('CreateGlobalCluster', {
      globalClusterIdentifier: 'payments-global',
      sourceDBClusterIdentifier: 'arn:aws:rds:eu-central-1:111122223333:cluster:payments',
    });

    expect(toRequest(event)).toMatchObject({
      mode: 'recheck',
      region: 'eu-central-1',
      identifier: 'payments',
      trigger: 'CreateGlobalCluster',
    });
  });

  it('ignores CreateGlobalCluster without a source cluster (an empty global database changes no cluster)', () => {
    const event = cloudTrail('CreateGlobalCluster', { globalClusterIdentifier: 'payments-global', engine: 'aurora-mysql' });

    expect(toRequest(event)).toBeUndefined();
  });

  it('re-checks the cluster RemoveFromGlobalCluster detaches, in the Region of its ARN', () => {
    const event = cloudTrail('RemoveFromGlobalCluster', {
      globalClusterIdentifier: 'payments-global',
      dbClusterIdentifier: 'arn:aws:rds:ap-southeast-2:111122223333:cluster:payments-replica',
    });

    expect(toRequest(event)).toMatchObject({
      mode: 'recheck',
      region: 'ap-southeast-2',
      identifier: 'payments-replica',
      trigger: 'RemoveFromGlobalCluster',
    });
  });

  it('re-checks the promoted cluster after PromoteReadReplicaDBCluster', () => {
    expect(toRequest(cloudTrail('PromoteReadReplicaDBCluster', { dBClusterIdentifier: 'orders-replica' }))).toMatchObject({
      mode: 'recheck',
      region: 'eu-west-1',
      identifier: 'orders-replica',
      trigger: 'PromoteReadReplicaDBCluster',
    });
  });

  it('re-checks the blue cluster name after SwitchoverBlueGreenDeployment (the green cluster now carries it)', () => {
    const event = cloudTrail(
      'SwitchoverBlueGreenDeployment',
      { blueGreenDeploymentIdentifier: 'bgd-abc123' },
      {
        responseElements: {
          blueGreenDeployment: {
            blueGreenDeploymentIdentifier: 'bgd-abc123',
            source: `${ARN_PREFIX}:cluster:orders`,
            target: `${ARN_PREFIX}:cluster:orders-green-x1y2z3`,
            switchoverDetails: [
              { sourceMember: `${ARN_PREFIX}:cluster:orders`, targetMember: `${ARN_PREFIX}:cluster:orders-green-x1y2z3` },
              { sourceMember: `${ARN_PREFIX}:db:orders-1`, targetMember: `${ARN_PREFIX}:db:orders-1-green-a1b2c3` },
            ],
            status: 'SWITCHOVER_IN_PROGRESS',
          },
        },
      },
    );

    expect(toRequest(event)).toMatchObject({
      mode: 'recheck',
      region: 'eu-west-1',
      identifier: 'orders',
      trigger: 'SwitchoverBlueGreenDeployment',
    });
  });

  it('takes the blue cluster from the switchover details when the deployment names no source', () => {
    const event = cloudTrail(
      'SwitchoverBlueGreenDeployment',
      { blueGreenDeploymentIdentifier: 'bgd-abc123' },
      { responseElements: { blueGreenDeployment: { switchoverDetails: [{ sourceMember: `${ARN_PREFIX}:cluster:orders` }] } } },
    );

    expect(toRequest(event)).toMatchObject({ identifier: 'orders' });
  });

  it('ignores SwitchoverBlueGreenDeployment when only the deployment id is known (the scheduled scan judges both clusters)', () => {
    const event = cloudTrail('SwitchoverBlueGreenDeployment', { blueGreenDeploymentIdentifier: 'bgd-abc123' }, { responseElements: null });

    expect(toRequest(event)).toBeUndefined();
  });

  it('ignores a tag change on a DB instance', () => {
    expect(toRequest(cloudTrail('AddTagsToResource', { resourceName: `${ARN_PREFIX}:db:orders-1` }))).toBeUndefined();
  });

  it('ignores a call that failed (errorCode set)', () => {
    const event = cloudTrail('ModifyDBCluster', { dBClusterIdentifier: 'orders' }, { errorCode: 'InvalidParameterCombination' });

    expect(toRequest(event)).toBeUndefined();
  });

  it('ignores RDS calls that cannot change a verdict', () => {
    expect(toRequest(cloudTrail('CreateDBInstance', { dBInstanceIdentifier: 'orders-2', dBClusterIdentifier: 'orders' }))).toBeUndefined();
  });

  it('ignores an event without a cluster identifier', () => {
    expect(toRequest(cloudTrail('ModifyDBCluster', {}))).toBeUndefined();
  });

  it('takes the Region from the event when the detail has none', () => {
    const event = cloudTrail('DeleteDBCluster', { dBClusterIdentifier: 'orders' }, { awsRegion: undefined });

    expect(toRequest({ ...event, region: 'ap-southeast-2' })).toMatchObject({ region: 'ap-southeast-2' });
  });

  it.each([
    ['an unknown mode', { mode: 'audit' }],
    ['an event from another service', { ...cloudTrail('ModifyDBCluster', { dBClusterIdentifier: 'x' }), source: 'aws.ec2' }],
    ['another detail type', { ...cloudTrail('ModifyDBCluster', { dBClusterIdentifier: 'x' }), 'detail-type': 'RDS DB Cluster Event' }],
    ['null', null],
    ['a string', 'scan'],
  ])('rejects %s with UnrecognisedEventError naming what is expected', (_name, event) => {
    expect(() => toRequest(event)).toThrow(UnrecognisedEventError);
    expect(() => toRequest(event)).toThrow(/expected \{"mode":"scan"\}/);
  });
});

describe('toRequest: who made the call', () => {
  const modify = (identity: unknown, params: Record<string, unknown> = { dBClusterIdentifier: 'orders', backtrackWindow: 0 }) =>
    toRequest(cloudTrail('ModifyDBCluster', params, { userIdentity: identity, eventTime: '2026-11-20T11:59:00Z' }));

  it("carries the caller's ARN and the window a ModifyDBCluster set, typed, into the re-check", () => {
    const identity = { type: 'AssumedRole', principalId: 'AROAEXAMPLE:alice', arn: 'arn:aws:sts::111122223333:assumed-role/Admin/alice' };

    expect(modify(identity)).toEqual({
      mode: 'recheck',
      region: 'eu-west-1',
      identifier: 'orders',
      trigger: 'ModifyDBCluster',
      call: {
        eventName: 'ModifyDBCluster',
        actor: { kind: 'arn', arn: 'arn:aws:sts::111122223333:assumed-role/Admin/alice' },
        backtrackWindow: 0,
        eventTime: '2026-11-20T11:59:00Z',
      },
    });
  });

  it('names the type and principal id when the identity has no ARN, the service when only that is known, else unknown', () => {
    expect(modify({ type: 'SAMLUser', principalId: 'idp:bob' })).toMatchObject({
      call: { actor: { kind: 'principal', type: 'SAMLUser', principalId: 'idp:bob' } },
    });
    expect(modify({ type: 'AWSService', invokedBy: 'cloudformation.amazonaws.com' })).toMatchObject({
      call: { actor: { kind: 'service', service: 'cloudformation.amazonaws.com' } },
    });
    expect(modify(undefined)).toMatchObject({ call: { actor: { kind: 'unknown' } } });
  });

  it('reads backtrackWindow only from ModifyDBCluster, and only as a number', () => {
    expect(modify({}, { dBClusterIdentifier: 'orders', backtrackWindow: '0' })).not.toHaveProperty('call.backtrackWindow');
    expect(
      toRequest(cloudTrail('RestoreDBClusterToPointInTime', { dBClusterIdentifier: 'orders', backtrackWindow: 0 })),
    ).not.toHaveProperty('call.backtrackWindow');
  });

  it('keeps at most 256 characters of a caller-chosen identity', () => {
    const arn = `arn:aws:sts::111122223333:assumed-role/Admin/${'x'.repeat(400)}`;

    const request = modify({ arn });
    expect(request?.mode === 'recheck' && request.call?.actor).toEqual({ kind: 'arn', arn: arn.slice(0, 256) });
  });
});

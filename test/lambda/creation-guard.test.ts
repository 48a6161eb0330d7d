import { answerHook, MAX_HOOK_MESSAGE, type GuardSettings } from '../../lambda/creation-guard';
import { NOW, policy } from './fixtures';
import { hookRequest } from './hook-requests';

const settings =
  (overrides: Partial<GuardSettings> = {}) =>
  () => ({ policy: policy({ minWindowHours: 24 }), ...overrides });
const answer = (event: unknown, s = settings()) => answerHook(event, s, NOW);

/** The request with its cluster's properties changed. */
function withProperties(name: string, change: (p: Record<string, unknown>) => Record<string, unknown>) {
  const r = hookRequest(name) as { requestData: { targetModel: { resourceProperties: Record<string, unknown> } } };
  r.requestData.targetModel.resourceProperties = change(r.requestData.targetModel.resourceProperties);
  return r;
}

describe('the creation guard (CloudFormation Lambda hook)', () => {
  it('fails the creation of an Aurora MySQL cluster without Backtrack, NonCompliant, with the reason and the fix, echoing the token', () => {
    const r = answer(hookRequest('cluster-create-without-backtrack'));

    expect(r).toEqual({
      hookStatus: 'FAILED',
      errorCode: 'NonCompliant',
      clientRequestToken: '4b90a7e4-b790-456b-a937-0cfdfa211dfe',
      message: expect.any(String) as string,
    });
    expect(r.message).toContain('create of AWS::RDS::DBCluster OrdersDb (orders-db): FAILED, Backtrack is disabled (window not set)');
    expect(r.message).toContain(
      'Fix: Backtrack can only be turned on when a cluster is created or restored: set BacktrackWindow: 86400 (24 h) on OrdersDb.',
    );
  });

  it('passes a compliant creation whose BacktrackWindow CloudFormation sends as a string ("86400")', () => {
    const r = answer(hookRequest('cluster-create-compliant'));

    expect(r).toMatchObject({ hookStatus: 'SUCCESS', clientRequestToken: '4b90a7e4-b790-456b-a937-0cfdfa211dfe' });
    expect(r.errorCode).toBeUndefined();
    expect(r.message).toContain('OrdersDb (orders-db): PASSED');
  });

  it('judges an update by the proposed properties: a window lowered to 1 h fails against the 24 h minimum, with the value to set', () => {
    const r = answer(hookRequest('cluster-update-window-lowered'));

    expect(r).toMatchObject({ hookStatus: 'FAILED', errorCode: 'NonCompliant' });
    expect(r.message).toContain(
      'update of AWS::RDS::DBCluster OrdersDb (orders-db): FAILED, Backtrack window 3600 s (1 h) is below the required',
    );
    expect(r.message).toContain('set BacktrackWindow: 86400 (24 h) on OrdersDb');
  });

  /** The window-lowered update, with its previous and proposed windows set. */
  function update(previous: string | undefined, proposed: string | undefined, change: Record<string, string> = {}) {
    const r = hookRequest('cluster-update-window-lowered') as {
      requestData: { targetModel: { resourceProperties: Record<string, unknown>; previousResourceProperties: Record<string, unknown> } };
    };
    const m = r.requestData.targetModel;
    m.previousResourceProperties = { ...m.previousResourceProperties, BacktrackWindow: previous };
    m.resourceProperties = { ...m.resourceProperties, BacktrackWindow: proposed, ...change };
    if (previous === undefined) delete m.previousResourceProperties.BacktrackWindow;
    if (proposed === undefined) delete m.resourceProperties.BacktrackWindow;
    return r;
  }

  it('stops an update that would turn Backtrack on for a cluster that exists without it (RDS refuses it), naming migrate, not "set BacktrackWindow"', () => {
    const r = answer(update(undefined, '86400'));

    expect(r).toMatchObject({ hookStatus: 'FAILED', errorCode: 'NonCompliant' });
    expect(r.message).toContain('the cluster exists without Backtrack and RDS refuses to turn it on in place');
    expect(r.message).toContain('aurora-backtrack-check migrate --cluster orders-db --region us-west-2');
    expect(r.message).not.toContain('set BacktrackWindow');
  });

  it('lets another update of a cluster that exists without Backtrack through (blocking it fixes nothing), saying how to fix it', () => {
    const r = answer(update('0', '0'));

    expect(r.hookStatus).toBe('SUCCESS');
    expect(r.message).toContain('FAILED, Backtrack is disabled');
    expect(r.message).toContain('this update is not blocked');
    expect(r.message).toContain('migrate --cluster orders-db');
  });

  it('judges an update that replaces the cluster (a new DBClusterIdentifier) like a creation: the new cluster may have a window', () => {
    expect(answer(update(undefined, '86400', { DBClusterIdentifier: 'orders-db-2' })).hookStatus).toBe('SUCCESS');
    const r = answer(update(undefined, undefined, { DBClusterIdentifier: 'orders-db-2' }));
    expect(r).toMatchObject({ hookStatus: 'FAILED', errorCode: 'NonCompliant' });
    expect(r.message).toContain('set BacktrackWindow: 86400 (24 h)');
  });

  it('follows the policy it is given, the per-cluster tag included: the same update passes with a 1 h minimum', () => {
    expect(answer(hookRequest('cluster-update-window-lowered'), settings({ policy: policy({ minWindowHours: 1 }) })).hookStatus).toBe(
      'SUCCESS',
    );
    const tagged = withProperties('cluster-update-window-lowered', (p) => ({
      ...p,
      Tags: [{ Key: 'backtrack-check:min-window-hours', Value: '1' }],
    }));
    expect(answer(tagged).hookStatus).toBe('SUCCESS');
  });

  it('lets a cluster exempted by tag through, saying until when (capped at maxExemptionDays) and why', () => {
    const r = answer(hookRequest('cluster-create-exempt-by-tag'));

    expect(r.hookStatus).toBe('SUCCESS');
    expect(r.message).toContain('exempt by tag until 2027-02-18T12:00:00Z, reason: scratch cluster for the load test, deleted after');
    expect(r.message).toContain('without the exemption it is FAILED: Backtrack is disabled');
  });

  it('does not honour an exemption whose expiry has passed', () => {
    const expired = withProperties('cluster-create-exempt-by-tag', (p) => ({
      ...p,
      Tags: [
        { Key: 'backtrack-check:exempt', Value: 'true' },
        { Key: 'backtrack-check:exempt-until', Value: '2026-01-01' },
      ],
    }));

    expect(answer(expired)).toMatchObject({ hookStatus: 'FAILED', errorCode: 'NonCompliant' });
  });

  it.each([
    [
      'the documented resource example (an AWS::DynamoDB::Table update)',
      'documented-resource-update-dynamodb',
      'AWS::DynamoDB::Table DDBTable',
    ],
    [
      'the documented stack example (target STACK, a template without a cluster)',
      'documented-stack-update',
      'STACK my-cloudformation-stack',
    ],
  ])('lets %s through: nothing to judge', (_name, fixture, what) => {
    const r = answer(hookRequest(fixture));

    expect(r.hookStatus).toBe('SUCCESS');
    expect(r.message).toBe(`Aurora Backtrack creation guard: ${what} is not an AWS::RDS::DBCluster: nothing to judge.`);
  });

  it("echoes the documented stack example's clientRequestToken, and sends none where the documented resource example has none", () => {
    expect(answer(hookRequest('documented-stack-update')).clientRequestToken).toBe('f8da6d11-b23f-48f4-814c-0fb6a667f50e');
    expect(answer(hookRequest('documented-resource-update-dynamodb'))).not.toHaveProperty('clientRequestToken');
  });

  it.each([
    [
      'Aurora PostgreSQL',
      { Engine: 'aurora-postgresql', EngineVersion: '16.4' },
      'not judged, engine aurora-postgresql is not Aurora MySQL',
    ],
    ['a Serverless v1 cluster', { EngineMode: 'serverless' }, 'NOT_AVAILABLE, Backtrack cannot be used here'],
    [
      'a global database member',
      { GlobalClusterIdentifier: 'orders-global' },
      'NOT_AVAILABLE, Backtrack cannot be used here: member of the Aurora global database',
    ],
  ])('lets %s through, saying why Backtrack does not apply', (_name, change, words) => {
    const r = answer(withProperties('cluster-create-without-backtrack', (p) => ({ ...p, ...change })));

    expect(r.hookStatus).toBe('SUCCESS');
    expect(r.message).toContain(words);
  });

  it("takes the Region from the stack's ARN: a cluster in Stockholm cannot have Backtrack", () => {
    const r = answer({
      ...hookRequest('cluster-create-without-backtrack'),
      stackId: 'arn:aws:cloudformation:eu-north-1:123456789012:stack/OrdersStack/1a2345b6-0000-00a0-a123-00abc0abc000',
    });

    expect(r.hookStatus).toBe('SUCCESS');
    expect(r.message).toContain('AWS does not offer Backtrack in eu-north-1');
  });

  it("without a stack ARN (Cloud Control) judges in the function's own Region", () => {
    const request = { ...hookRequest('cluster-create-without-backtrack'), stackId: '' };

    expect(answer(request, settings({ homeRegion: 'eu-north-1' })).message).toContain('AWS does not offer Backtrack in eu-north-1');
    expect(answer(request, settings({ homeRegion: 'eu-west-1' })).hookStatus).toBe('FAILED');
  });

  it("lets a copy-on-write clone through as NOT VERIFIED, never as passing: its source's window is not in the request", () => {
    const r = answer(hookRequest('cluster-create-clone'));

    expect(r.hookStatus).toBe('SUCCESS');
    expect(r.message).toContain('OrdersTestClone (orders-db-test): NOT VERIFIED (WARNING)');
    expect(r.message).toContain("clone source's Backtrack window");
    expect(r.message).toContain('the checker judges the cluster once it exists and alerts if it fails');
    expect(r.message).not.toContain('PASSED');
  });

  it.each([
    ['a request without requestData', hookRequest('malformed-without-request-data'), 'requestData is missing or not an object'],
    ['not an object', 'CREATE', 'the request is not a JSON object'],
    ['null', null, 'the request is not a JSON object'],
    [
      'an unknown invocation point',
      { ...hookRequest('cluster-create-compliant'), actionInvocationPoint: 'CREATE' },
      'actionInvocationPoint is "CREATE"',
    ],
    [
      'a cluster without properties',
      withProperties('cluster-create-compliant', () => null as never),
      'resourceProperties of OrdersDb is not an object',
    ],
  ])('answers %s with FAILED InternalFailure, naming what is wrong, and never throws', (_name, event, words) => {
    const r = answer(event);

    expect(r).toMatchObject({ hookStatus: 'FAILED', errorCode: 'InternalFailure' });
    expect(r.message).toContain('Aurora Backtrack creation guard could not evaluate the request: ');
    expect(r.message).toContain(words);
  });

  it("keeps the malformed request's token, so CloudFormation can match the answer", () => {
    expect(answer(hookRequest('malformed-without-request-data')).clientRequestToken).toBe('4b90a7e4-b790-456b-a937-0cfdfa211dfe');
  });

  it('answers InternalFailure when its own settings are invalid, instead of throwing', () => {
    const r = answerHook(
      hookRequest('cluster-create-compliant'),
      () => {
        throw new Error('MIN_WINDOW_HOURS: "abc" — is not a number');
      },
      NOW,
    );

    expect(r).toMatchObject({ hookStatus: 'FAILED', errorCode: 'InternalFailure' });
    expect(r.message).toContain("the function's settings are invalid: MIN_WINDOW_HOURS");
  });

  it('does not judge a deletion', () => {
    const r = answer({ ...hookRequest('cluster-create-without-backtrack'), actionInvocationPoint: 'DELETE_PRE_PROVISION' });

    expect(r).toMatchObject({ hookStatus: 'SUCCESS', message: 'Aurora Backtrack creation guard: deleting OrdersDb is not judged.' });
  });

  it('keeps the message within the 1,024 characters a hook status reason holds, whatever the tags say', () => {
    const r = answer(
      withProperties('cluster-create-without-backtrack', (p) => ({
        ...p,
        Tags: [
          { Key: 'backtrack-check:min-window-hours', Value: 'x'.repeat(250) },
          { Key: 'backtrack-check:exempt', Value: 'true' },
          { Key: 'backtrack-check:exempt-until', Value: 'z'.repeat(250) },
        ],
      })),
    );

    expect(r.hookStatus).toBe('FAILED');
    expect(r.message.length).toBeLessThanOrEqual(MAX_HOOK_MESSAGE);
    expect(r.message.endsWith('…')).toBe(true);
  });
});

import {
  arnMatch,
  evaluateResourcePolicy,
  globMatch,
  notAuthorizedMessage,
  UnsupportedPolicyError,
  type PolicyRequest,
} from '../../emulator/resource-policy';

const ORG = 'o-a1b2c3d4e5';
const TOPIC = 'arn:aws:sns:eu-west-1:111122223333:hub-alerts';
const FUNCTION_ROLE = 'AuroraBacktrackChecker-Function';

/** The hub topic policy's statements, as the synthesized template has them (intrinsics resolved). */
const sslOnly = {
  Sid: 'AllowPublishThroughSSLOnly',
  Effect: 'Deny',
  Principal: '*',
  Action: 'sns:Publish',
  Resource: TOPIC,
  Condition: { Bool: { 'aws:SecureTransport': 'false' } },
};
const alarms = {
  Sid: 'AllowThisStacksAlarmsToPublish',
  Effect: 'Allow',
  Principal: { Service: 'cloudwatch.amazonaws.com' },
  Action: 'sns:Publish',
  Resource: TOPIC,
  Condition: {
    StringEquals: { 'aws:SourceAccount': '111122223333' },
    ArnLike: { 'aws:SourceArn': 'arn:aws:cloudwatch:eu-west-1:111122223333:alarm:Hub-Alerts-*' },
  },
};
const members = {
  Sid: 'AllowMemberCheckersOfTheOrganizationToPublish',
  Effect: 'Allow',
  Principal: { AWS: '*' },
  Action: 'sns:Publish',
  Resource: TOPIC,
  Condition: {
    StringEquals: { 'aws:PrincipalOrgID': ORG },
    ArnLike: { 'aws:PrincipalArn': [`arn:aws:iam::*:role/${FUNCTION_ROLE}`, 'arn:aws:iam::*:role/AuroraBacktrackChecker-AlarmForwarder'] },
  },
};
const hubPolicy = { Version: '2012-10-17', Statement: [sslOnly, alarms, members] };

function request(overrides: Partial<PolicyRequest> = {}): PolicyRequest {
  return {
    action: 'sns:Publish',
    resource: TOPIC,
    principalArn: `arn:aws:iam::444455556666:role/${FUNCTION_ROLE}`,
    principalAccount: '444455556666',
    principalOrgId: ORG,
    secureTransport: true,
    ...overrides,
  };
}

describe("the hub topic policy, judged for a member's publish", () => {
  it("allows the member checker's function role of the organization", () => {
    expect(evaluateResourcePolicy(hubPolicy, request())).toEqual({ effect: 'allow', sid: 'AllowMemberCheckersOfTheOrganizationToPublish' });
  });

  it('reads the policy from its JSON text as moto stores it', () => {
    expect(evaluateResourcePolicy(JSON.stringify(hubPolicy), request()).effect).toBe('allow');
  });

  it('refuses a role whose name only starts with the admitted name', () => {
    const decision = evaluateResourcePolicy(hubPolicy, request({ principalArn: `arn:aws:iam::444455556666:role/${FUNCTION_ROLE}2` }));
    expect(decision).toEqual({ effect: 'implicit-deny' });
  });

  it('refuses a role whose name is the admitted name without its last character', () => {
    const decision = evaluateResourcePolicy(
      hubPolicy,
      request({ principalArn: `arn:aws:iam::444455556666:role/${FUNCTION_ROLE.slice(0, -1)}` }),
    );
    expect(decision.effect).toBe('implicit-deny');
  });

  it('refuses the admitted role name under a path (aws:PrincipalArn carries the path)', () => {
    const decision = evaluateResourcePolicy(hubPolicy, request({ principalArn: `arn:aws:iam::444455556666:role/team/${FUNCTION_ROLE}` }));
    expect(decision.effect).toBe('implicit-deny');
  });

  it('refuses the admitted role in an account of another organization', () => {
    expect(evaluateResourcePolicy(hubPolicy, request({ principalOrgId: 'o-zzzzzzzzzz' })).effect).toBe('implicit-deny');
  });

  it('refuses the admitted role in an account of no organization', () => {
    expect(evaluateResourcePolicy(hubPolicy, request({ principalOrgId: undefined })).effect).toBe('implicit-deny');
  });

  it('refuses an organization id that differs only in case (StringEquals is case-sensitive)', () => {
    expect(evaluateResourcePolicy(hubPolicy, request({ principalOrgId: ORG.toUpperCase() })).effect).toBe('implicit-deny');
  });

  it('denies explicitly a request without TLS, whatever allows it', () => {
    expect(evaluateResourcePolicy(hubPolicy, request({ secureTransport: false }))).toEqual({
      effect: 'explicit-deny',
      sid: 'AllowPublishThroughSSLOnly',
    });
  });

  it("does not let a principal's call pass as the CloudWatch alarms' (their Source keys are absent)", () => {
    const onlyAlarms = { Statement: [{ ...alarms, Principal: { AWS: '*' } }] };
    expect(evaluateResourcePolicy(onlyAlarms, request()).effect).toBe('implicit-deny');
  });

  it('refuses an action the statement does not name', () => {
    expect(evaluateResourcePolicy(hubPolicy, request({ action: 'sns:Subscribe' })).effect).toBe('implicit-deny');
  });

  it('refuses another topic than the statement names', () => {
    expect(evaluateResourcePolicy(hubPolicy, request({ resource: `${TOPIC}-2` })).effect).toBe('implicit-deny');
  });
});

describe('statements and their parts', () => {
  const allowAll = { Effect: 'Allow', Principal: '*', Action: 'sns:*', Resource: '*' };

  it('lets an explicit Deny win over an Allow that also matches', () => {
    const policy = { Statement: [allowAll, { ...allowAll, Sid: 'NoPublish', Effect: 'Deny', Action: 'sns:Publish' }] };
    expect(evaluateResourcePolicy(policy, request())).toEqual({ effect: 'explicit-deny', sid: 'NoPublish' });
  });

  it('matches sns:* and a single statement object, and action names in any case', () => {
    expect(evaluateResourcePolicy({ Statement: allowAll }, request({ action: 'SNS:Publish' })).effect).toBe('allow');
  });

  it.each([
    ['the role ARN', 'arn:aws:iam::444455556666:role/AuroraBacktrackChecker-Function', 'allow'],
    ["the caller's account root", 'arn:aws:iam::444455556666:root', 'allow'],
    ["the caller's account id", '444455556666', 'allow'],
    ["another account's root", 'arn:aws:iam::777788889999:root', 'implicit-deny'],
    ['another role of the account', 'arn:aws:iam::444455556666:role/Other', 'implicit-deny'],
  ])('an AWS principal naming %s: %s', (_, principal, effect) => {
    const policy = { Statement: [{ ...allowAll, Principal: { AWS: principal } }] };
    expect(evaluateResourcePolicy(policy, request()).effect).toBe(effect);
  });

  it('never lets a service principal statement admit a role', () => {
    const policy = { Statement: [{ ...allowAll, Principal: { Service: ['sns.amazonaws.com', 'lambda.amazonaws.com'] } }] };
    expect(evaluateResourcePolicy(policy, request()).effect).toBe('implicit-deny');
  });

  it('requires every condition operator and every key of a statement (and any one value of a key)', () => {
    const both = {
      ...allowAll,
      Condition: {
        StringEquals: { 'aws:PrincipalOrgID': ['o-other00000', ORG], 'aws:PrincipalAccount': '444455556666' },
        StringLike: { 'aws:PrincipalArn': 'arn:aws:iam::*:role/AuroraBacktrack*' },
      },
    };
    expect(evaluateResourcePolicy({ Statement: [both] }, request()).effect).toBe('allow');
    expect(evaluateResourcePolicy({ Statement: [both] }, request({ principalAccount: '444455556667' })).effect).toBe('implicit-deny');
  });

  it('reads condition key names in any case, as AWS does', () => {
    const policy = { Statement: [{ ...allowAll, Condition: { StringEquals: { 'AWS:PrincipalOrgId': ORG } } }] };
    expect(evaluateResourcePolicy(policy, request()).effect).toBe('allow');
  });

  it('judges kms:ViaService for a key used through SNS', () => {
    const keyPolicy = {
      Statement: [
        {
          ...allowAll,
          Action: ['kms:GenerateDataKey*', 'kms:Decrypt'],
          Condition: { StringEquals: { 'kms:ViaService': 'sns.eu-west-1.amazonaws.com' } },
        },
      ],
    };
    const key = { action: 'kms:GenerateDataKey', resource: 'arn:aws:kms:eu-west-1:111122223333:key/k' };
    expect(evaluateResourcePolicy(keyPolicy, request({ ...key, viaService: 'sns.eu-west-1.amazonaws.com' })).effect).toBe('allow');
    expect(evaluateResourcePolicy(keyPolicy, request({ ...key, viaService: 'sqs.eu-west-1.amazonaws.com' })).effect).toBe('implicit-deny');
    expect(evaluateResourcePolicy(keyPolicy, request(key)).effect).toBe('implicit-deny');
  });
});

describe('what the emulation cannot judge fails closed, naming it', () => {
  const base = { Effect: 'Allow', Principal: '*', Action: 'sns:Publish', Resource: '*' };

  it.each([
    [
      'the operator StringNotEquals',
      { ...base, Condition: { StringNotEquals: { 'aws:PrincipalOrgID': ORG } } },
      /condition operator StringNotEquals/,
    ],
    [
      'an IfExists operator',
      { ...base, Condition: { StringEqualsIfExists: { 'aws:PrincipalOrgID': ORG } } },
      /condition operator StringEqualsIfExists/,
    ],
    [
      'a set operator on a single-valued key',
      { ...base, Condition: { 'ForAnyValue:StringEquals': { 'aws:PrincipalOrgID': ORG } } },
      /ForAnyValue:StringEquals on the single-valued key aws:PrincipalOrgID/,
    ],
    [
      'the set operator ForAllValues',
      { ...base, Condition: { 'ForAllValues:StringLike': { 'aws:PrincipalOrgPaths': 'o-x/*' } } },
      /condition operator ForAllValues:StringLike/,
    ],
    [
      'the multivalued key aws:PrincipalOrgPaths without a set operator',
      { ...base, Condition: { StringEquals: { 'aws:PrincipalOrgPaths': 'o-x/r-y/' } } },
      /StringEquals on the multivalued key aws:PrincipalOrgPaths without ForAnyValue/,
    ],
    ['NotPrincipal', { ...base, NotPrincipal: { AWS: '*' } }, /element NotPrincipal/],
    ['NotAction', { Effect: 'Allow', Principal: '*', NotAction: 'sns:Subscribe', Resource: '*' }, /element NotAction/],
    ['an Organization principal', { ...base, Principal: { Organization: 'o-x' } }, /principal of type Organization/],
    ['an Effect in lower case', { ...base, Effect: 'allow' }, /Effect "allow"/],
  ])('refuses a statement with %s', (_, statement, message) => {
    const judge = () => evaluateResourcePolicy({ Statement: [statement] }, request());
    expect(judge).toThrow(UnsupportedPolicyError);
    expect(judge).toThrow(message);
  });

  it('refuses an unsupported key even in a statement whose principal does not match the caller', () => {
    const other = { ...base, Principal: { Service: 'events.amazonaws.com' }, Condition: { StringEquals: { 'aws:SourceOrgID': ORG } } };
    expect(() => evaluateResourcePolicy({ Statement: [members, other] }, request())).toThrow(/condition key aws:SourceOrgID/);
  });

  it('refuses a policy that is not JSON', () => {
    expect(() => evaluateResourcePolicy('{not json', request())).toThrow(/not JSON/);
  });
});

describe('wildcards', () => {
  it.each([
    ['abc', 'a*', true],
    ['abc', 'a?c', true],
    ['abc', 'a?', false],
    ['a.c', 'a.c', true],
    ['abc', 'a.c', false],
    ['a/b/c', 'a*c', true],
  ])('globMatch(%s, %s) is %s', (value, pattern, expected) => {
    expect(globMatch(value, pattern)).toBe(expected);
  });

  it('keeps each ARN part apart in ArnLike: * does not reach across a colon', () => {
    expect(arnMatch('arn:aws:iam::444455556666:role/R', 'arn:aws:iam::*:role/R')).toBe(true);
    expect(arnMatch('arn:aws:iam::444455556666:role/R', 'arn:aws:*:role/R')).toBe(false);
    expect(arnMatch('arn:aws:sns:eu-west-1:111122223333:topic:with:colons', 'arn:aws:sns:*:*:topic:with:*')).toBe(true);
    expect(arnMatch('not-an-arn', '*')).toBe(false);
  });
});

describe("AWS's refusal message", () => {
  const caller = 'arn:aws:sts::444455556666:assumed-role/Other/session';

  it('names the missing Allow', () => {
    expect(notAuthorizedMessage(caller, 'SNS:Publish', TOPIC, { effect: 'implicit-deny' })).toBe(
      `User: ${caller} is not authorized to perform: SNS:Publish on resource: ${TOPIC} because no resource-based policy allows the SNS:Publish action`,
    );
  });

  it('names the explicit deny', () => {
    expect(notAuthorizedMessage(caller, 'SNS:Publish', TOPIC, { effect: 'explicit-deny' })).toBe(
      `User: ${caller} is not authorized to perform: SNS:Publish on resource: ${TOPIC} with an explicit deny in a resource-based policy`,
    );
  });
});

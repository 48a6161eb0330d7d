import { publishRefusal, putEventsRoute, type CallerIdentity, type PolicySources } from '../../emulator/cross-account';

const ORG = 'o-a1b2c3d4e5';
const HUB = '111122223333';
const MEMBER = '444455556666';
const TOPIC = `arn:aws:sns:eu-west-1:${HUB}:hub-alerts`;
const KEY = `arn:aws:kms:eu-west-1:${HUB}:key/1234abcd-12ab-34cd-56ef-1234567890ab`;
const ROLE = 'AuroraBacktrackChecker-Function';

const caller = (account = MEMBER, role = ROLE): CallerIdentity => ({
  account,
  principalArn: `arn:aws:iam::${account}:role/${role}`,
  callerArn: `arn:aws:sts::${account}:assumed-role/${role}/run-1`,
});

const admitMembers = (actions: string[]) => ({
  Effect: 'Allow',
  Principal: { AWS: '*' },
  Action: actions,
  Resource: '*',
  Condition: { StringEquals: { 'aws:PrincipalOrgID': ORG }, ArnLike: { 'aws:PrincipalArn': `arn:aws:iam::*:role/${ROLE}` } },
});
const topicPolicy = JSON.stringify({ Statement: [admitMembers(['sns:Publish'])] });
const keyStatement = (actions: string[]) => ({
  ...admitMembers(actions),
  Condition: {
    ...admitMembers(actions).Condition,
    StringEquals: { 'aws:PrincipalOrgID': ORG, 'kms:ViaService': 'sns.eu-west-1.amazonaws.com' },
  },
});
const keyPolicy = JSON.stringify({ Statement: [keyStatement(['kms:GenerateDataKey*', 'kms:Decrypt'])] });

/** The emulator's answers, and what the authorization asked of it. */
function sources(
  opts: {
    attributes?: Record<string, string>;
    keyPolicy?: string;
    busPolicy?: string;
    orgs?: Record<string, string>;
    paths?: Record<string, string>;
  } = {},
) {
  const asked: string[] = [];
  const s: PolicySources = {
    topicAttributes: (arn) => {
      asked.push(`topic ${arn}`);
      return Promise.resolve(opts.attributes);
    },
    keyPolicy: (arn) => {
      asked.push(`key ${arn}`);
      return Promise.resolve(opts.keyPolicy);
    },
    busPolicy: (arn) => {
      asked.push(`bus ${arn}`);
      return Promise.resolve(opts.busPolicy);
    },
    organizationOf: (account) => {
      asked.push(`org ${account}`);
      return Promise.resolve((opts.orgs ?? { [MEMBER]: ORG, [HUB]: ORG })[account]);
    },
    organizationPathOf: (account) => {
      asked.push(`path ${account}`);
      return Promise.resolve((opts.paths ?? { [MEMBER]: `${ORG}/r-ab12/ou-ab12-prod0001/`, [HUB]: `${ORG}/r-ab12/` })[account]);
    },
  };
  return { s, asked };
}

describe('a Publish from another account', () => {
  it('passes when the topic policy admits the caller (unencrypted topic)', async () => {
    const { s } = sources({ attributes: { Policy: topicPolicy } });
    expect(await publishRefusal(caller(), TOPIC, s)).toBeUndefined();
  });

  it("is refused with AWS's AuthorizationError (403) when no statement admits the role", async () => {
    const { s } = sources({ attributes: { Policy: topicPolicy } });
    expect(await publishRefusal(caller(MEMBER, `${ROLE}-Copy`), TOPIC, s)).toEqual({
      code: 'AuthorizationError',
      status: 403,
      message:
        `User: arn:aws:sts::${MEMBER}:assumed-role/${ROLE}-Copy/run-1 is not authorized to perform: SNS:Publish on resource: ${TOPIC} ` +
        'because no resource-based policy allows the SNS:Publish action',
    });
  });

  it("is refused when the caller's account is in no organization", async () => {
    const { s } = sources({ attributes: { Policy: topicPolicy }, orgs: {} });
    expect((await publishRefusal(caller(), TOPIC, s))?.code).toBe('AuthorizationError');
  });

  it('passes an encrypted topic when the key policy lets the caller use the key through SNS', async () => {
    const { s, asked } = sources({ attributes: { Policy: topicPolicy, KmsMasterKeyId: KEY }, keyPolicy });
    expect(await publishRefusal(caller(), TOPIC, s)).toBeUndefined();
    expect(asked).toContain(`key ${KEY}`);
  });

  it("finds a key given by id in the topic's account and Region", async () => {
    const { s, asked } = sources({
      attributes: { Policy: topicPolicy, KmsMasterKeyId: '1234abcd-12ab-34cd-56ef-1234567890ab' },
      keyPolicy,
    });
    expect(await publishRefusal(caller(), TOPIC, s)).toBeUndefined();
    expect(asked).toContain(`key ${KEY}`);
  });

  it('is refused with KMSAccessDenied (400) when the key policy lacks kms:Decrypt', async () => {
    const onlyGenerate = JSON.stringify({ Statement: [keyStatement(['kms:GenerateDataKey*'])] });
    const { s } = sources({ attributes: { Policy: topicPolicy, KmsMasterKeyId: KEY }, keyPolicy: onlyGenerate });
    const refusal = await publishRefusal(caller(), TOPIC, s);
    expect(refusal).toMatchObject({ code: 'KMSAccessDenied', status: 400 });
    expect(refusal?.message).toContain(`is not authorized to perform: kms:Decrypt on resource: ${KEY}`);
  });

  it('is refused when the key does not exist', async () => {
    const { s } = sources({ attributes: { Policy: topicPolicy, KmsMasterKeyId: KEY } });
    expect((await publishRefusal(caller(), TOPIC, s))?.message).toContain('kms:GenerateDataKey');
  });

  it('is refused, naming the alias, for a topic encrypted under an alias (an AWS managed key cannot be shared)', async () => {
    const { s } = sources({ attributes: { Policy: topicPolicy, KmsMasterKeyId: 'alias/aws/sns' } });
    const refusal = await publishRefusal(caller(), TOPIC, s);
    expect(refusal?.code).toBe('UnsupportedResourcePolicy');
    expect(refusal?.message).toContain('alias/aws/sns');
  });

  it('is refused, naming what it cannot judge, when the topic policy uses an unsupported condition', async () => {
    const policy = JSON.stringify({
      Statement: [{ ...admitMembers(['sns:Publish']), Condition: { DateLessThan: { 'aws:CurrentTime': '2030-01-01' } } }],
    });
    const { s } = sources({ attributes: { Policy: policy } });
    expect(await publishRefusal(caller(), TOPIC, s)).toEqual({
      code: 'UnsupportedResourcePolicy',
      status: 400,
      message: expect.stringContaining('condition operator DateLessThan') as string,
    });
  });

  it('is left to the emulator when the topic does not exist (it answers NotFound itself)', async () => {
    const { s } = sources();
    expect(await publishRefusal(caller(), TOPIC, s)).toBeUndefined();
  });
});

describe('a Publish in the same account', () => {
  it('is not judged by the topic policy (nothing read)', async () => {
    const { s, asked } = sources({ attributes: { Policy: JSON.stringify({ Statement: [] }) } });
    expect(await publishRefusal(caller(HUB, 'Anything'), TOPIC, s)).toBeUndefined();
    expect(asked).toEqual([]);
  });
});

describe('PutEvents to a bus of another account', () => {
  const BUS = `arn:aws:events:eu-west-1:${HUB}:event-bus/hub`;
  const busPolicy = JSON.stringify({ Version: '2012-10-17', Statement: [{ ...admitMembers(['events:PutEvents']), Sid: 'members' }] });

  it("goes to the bus's account when its policy admits the caller", async () => {
    const { s } = sources({ busPolicy });
    expect(await putEventsRoute(caller(), [BUS], s)).toEqual({ account: HUB });
  });

  it("is refused with EventBridge's AccessDeniedException when the policy does not admit the caller", async () => {
    const { s } = sources({ busPolicy });
    expect(await putEventsRoute(caller(MEMBER, 'Other'), [BUS, BUS], s)).toEqual({
      refusal: {
        code: 'AccessDeniedException',
        status: 400,
        message: `User: arn:aws:sts::${MEMBER}:assumed-role/Other/run-1 is not authorized to perform: events:PutEvents on resource: ${BUS} because no resource-based policy allows the events:PutEvents action`,
      },
    });
  });

  it("judges aws:PrincipalOrgPaths with ForAnyValue:StringLike against the caller account's path from the root", async () => {
    const underOus = JSON.stringify({
      Statement: [
        {
          Effect: 'Allow',
          Principal: '*',
          Action: 'events:PutEvents',
          Resource: BUS,
          Condition: { 'ForAnyValue:StringLike': { 'aws:PrincipalOrgPaths': [`${ORG}/*/ou-ab12-prod0001/*`] } },
        },
      ],
    });
    const inProd = sources({ busPolicy: underOus });
    const nestedInProd = sources({ busPolicy: underOus, paths: { [MEMBER]: `${ORG}/r-ab12/ou-ab12-prod0001/ou-ab12-team0001/` } });
    const inSandbox = sources({ busPolicy: underOus, paths: { [MEMBER]: `${ORG}/r-ab12/ou-ab12-sandbox1/` } });
    const inNone = sources({ busPolicy: underOus, paths: {} });

    expect(await putEventsRoute(caller(), [BUS], inProd.s)).toEqual({ account: HUB });
    expect(await putEventsRoute(caller(), [BUS], nestedInProd.s)).toEqual({ account: HUB });
    expect(await putEventsRoute(caller(), [BUS], inSandbox.s)).toMatchObject({ refusal: { code: 'AccessDeniedException' } });
    expect(await putEventsRoute(caller(), [BUS], inNone.s)).toMatchObject({ refusal: { code: 'AccessDeniedException' } });
  });

  it('refuses to judge aws:PrincipalOrgPaths without a set operator (AWS: a multivalued key needs ForAnyValue)', async () => {
    const plain = JSON.stringify({
      Statement: [
        {
          Effect: 'Allow',
          Principal: '*',
          Action: 'events:PutEvents',
          Resource: BUS,
          Condition: { StringLike: { 'aws:PrincipalOrgPaths': `${ORG}/*` } },
        },
      ],
    });
    const route = await putEventsRoute(caller(), [BUS], sources({ busPolicy: plain }).s);

    expect(route).toMatchObject({
      refusal: { code: 'UnsupportedResourcePolicy', message: expect.stringContaining('multivalued key aws:PrincipalOrgPaths') as string },
    });
  });

  it('is refused when the bus has no policy at all', async () => {
    const { s } = sources({ busPolicy: '' });
    expect(await putEventsRoute(caller(), [BUS], s)).toMatchObject({ refusal: { code: 'AccessDeniedException' } });
  });

  it("is left to the emulator in the bus's account when the bus does not exist", async () => {
    const { s } = sources();
    expect(await putEventsRoute(caller(), [BUS], s)).toEqual({ account: HUB });
  });

  it("stays in the caller's account for its own buses, by name or ARN, judging nothing", async () => {
    const { s, asked } = sources({ busPolicy: '' });
    expect(await putEventsRoute(caller(), ['default', `arn:aws:events:eu-west-1:${MEMBER}:event-bus/own`], s)).toEqual({ account: MEMBER });
    expect(asked).toEqual([]);
  });

  it('refuses, naming the buses, one call to buses of two accounts (not emulated)', async () => {
    const { s } = sources({ busPolicy });
    const route = await putEventsRoute(caller(), ['default', BUS], s);
    expect(route).toMatchObject({
      refusal: { code: 'UnsupportedResourcePolicy', message: expect.stringContaining(`default, ${BUS}`) as string },
    });
  });
});

import { ALARM_EVENTS, alarmMessage, readAlarmStateChange, type AlarmStateChange } from '../../../lambda/hub/alarm-event';

const PREFIX = 'AuroraBacktrackChecker-Member-';
const MEMBER = '444455556666';

/** A member alarm's state change as the hub's bus delivers it (CloudWatch's event, `account`: the member). */
function stateChange(overrides: Record<string, unknown> = {}, detail: Record<string, unknown> = {}): Record<string, unknown> {
  const alarmName = (detail.alarmName as string | undefined) ?? `${PREFIX}Heartbeat`;
  const account = (overrides.account as string | undefined) ?? MEMBER;
  return {
    version: '0',
    id: 'c4c1c1c9-6542-e61b-6ef0-8c4d36933a92',
    'detail-type': 'CloudWatch Alarm State Change',
    source: 'aws.cloudwatch',
    account,
    time: '2026-11-29T18:00:00Z',
    region: 'eu-west-1',
    resources: [`arn:aws:cloudwatch:eu-west-1:${account}:alarm:${alarmName}`],
    ...overrides,
    detail: {
      alarmName,
      state: {
        value: 'ALARM',
        reason: 'Threshold Crossed: no datapoints were received for 2 periods.',
        timestamp: '2026-11-29T18:00:00.000+0000',
      },
      previousState: { value: 'OK', reason: 'Threshold Crossed: 1 datapoint [1.0] was not less than the threshold (1.0).' },
      configuration: { description: 'No Aurora Backtrack scan completed' },
      ...detail,
    },
  };
}

const read = (event: unknown) => readAlarmStateChange(event, PREFIX);
const problem = (event: unknown) => {
  const r = read(event);
  return 'problem' in r ? r.problem : undefined;
};

describe('readAlarmStateChange', () => {
  it("reads a member alarm's ALARM: the member account from the envelope, the Region, the alarm, its states and reason", () => {
    expect(read(stateChange())).toEqual({
      ok: {
        account: MEMBER,
        region: 'eu-west-1',
        alarmName: `${PREFIX}Heartbeat`,
        shortName: 'Heartbeat',
        state: 'ALARM',
        previousState: 'OK',
        reason: 'Threshold Crossed: no datapoints were received for 2 periods.',
        time: '2026-11-29T18:00:00Z',
      },
    });
  });

  it('reads the return to OK, and an alarm ARN of another partition', () => {
    const ok = stateChange(
      { region: 'cn-north-1', resources: [`arn:aws-cn:cloudwatch:cn-north-1:${MEMBER}:alarm:${PREFIX}Errors`] },
      { alarmName: `${PREFIX}Errors`, state: { value: 'OK', reason: 'back' }, previousState: { value: 'ALARM' } },
    );

    expect(read(ok)).toMatchObject({ ok: { state: 'OK', previousState: 'ALARM', alarmName: `${PREFIX}Errors`, region: 'cn-north-1' } });
  });

  it('says when CloudWatch gave no reason, and cuts a reason longer than CloudWatch writes (1,023 characters)', () => {
    const none = read(stateChange({}, { state: { value: 'ALARM' } }));
    const long = read(stateChange({}, { state: { value: 'ALARM', reason: 'x'.repeat(1_024) } }));
    const limit = read(stateChange({}, { state: { value: 'ALARM', reason: 'x'.repeat(1_023) } }));

    expect(none).toMatchObject({ ok: { reason: 'CloudWatch gave no reason' } });
    expect('ok' in long && long.ok.reason).toBe(`${'x'.repeat(1_022)}…`);
    expect('ok' in limit && limit.ok.reason).toBe('x'.repeat(1_023));
  });

  it.each([
    ['a string', 'hello', 'the event is not a JSON object ("hello")'],
    ['null', null, 'the event is not a JSON object (null)'],
    ['an array', [], 'the event is not a JSON object ([])'],
    [
      "a member's coverage report",
      { source: 'aurora-backtrack-checker', 'detail-type': 'Checker run completed', account: MEMBER },
      'not a "CloudWatch Alarm State Change" event of aws.cloudwatch (source "aurora-backtrack-checker", detail-type "Checker run completed")',
    ],
    [
      'another CloudWatch event',
      stateChange({ 'detail-type': 'CloudWatch Alarm Configuration Change' }),
      'not a "CloudWatch Alarm State Change" event of aws.cloudwatch (source "aws.cloudwatch", detail-type "CloudWatch Alarm Configuration Change")',
    ],
  ])('drops %s, saying what it is', (_case, event, expected) => {
    expect(problem(event)).toBe(expected);
  });

  it('drops an event whose account or Region is missing or malformed', () => {
    expect(problem(stateChange({ account: undefined }))).toBe('account undefined is not 12 digits');
    expect(problem(stateChange({ account: '44445555666' }))).toBe('account "44445555666" is not 12 digits');
    expect(problem(stateChange({ account: '4444555566667' }))).toBe('account "4444555566667" is not 12 digits');
    expect(problem(stateChange({ region: 'Europe' }))).toBe('region "Europe" is not a Region name');
  });

  it("drops an alarm that is not a member checker's: another name, the bare prefix, no name, a name longer than CloudWatch allows", () => {
    expect(problem(stateChange({}, { alarmName: 'ServerCpuTooHigh' }))).toBe(
      `alarm "ServerCpuTooHigh" of account ${MEMBER} is not a member checker's alarm (${PREFIX}<Name>)`,
    );
    expect(problem(stateChange({}, { alarmName: PREFIX }))).toMatch(/is not a member checker's alarm/);
    expect(problem(stateChange({}, { alarmName: `x${PREFIX}Heartbeat` }))).toMatch(/is not a member checker's alarm/);
    expect(problem(stateChange({}, { alarmName: 7 }))).toBe('detail.alarmName 7 is not an alarm name (1–255 characters)');
    expect(problem(stateChange({}, { alarmName: `${PREFIX}${'x'.repeat(256 - PREFIX.length)}` }))).toMatch(/is not an alarm name/);
    expect(read(stateChange({}, { alarmName: `${PREFIX}${'x'.repeat(255 - PREFIX.length)}` }))).toHaveProperty('ok');
    expect(problem({ ...stateChange(), detail: undefined })).toBe('detail.alarmName undefined is not an alarm name (1–255 characters)');
  });

  it('drops an event whose resources do not name that alarm of that account in that Region', () => {
    const other = (resources: unknown) => problem(stateChange({ resources }));

    expect(other([`arn:aws:cloudwatch:eu-west-1:111122223333:alarm:${PREFIX}Heartbeat`])).toBe(
      `resources ["arn:aws:cloudwatch:eu-west-1:111122223333:alarm:${PREFIX}Heartbeat"] do not name alarm "${PREFIX}Heartbeat" of account ${MEMBER} in eu-west-1`,
    );
    expect(other([`arn:aws:cloudwatch:us-east-1:${MEMBER}:alarm:${PREFIX}Heartbeat`])).toMatch(/do not name alarm/);
    expect(other([`arn:aws:cloudwatch:eu-west-1:${MEMBER}:alarm:${PREFIX}Errors`])).toMatch(/do not name alarm/);
    expect(other([`arn:other:cloudwatch:eu-west-1:${MEMBER}:alarm:${PREFIX}Heartbeat`])).toMatch(/do not name alarm/);
    expect(other(undefined)).toMatch(/resources undefined do not name alarm/);
  });

  it('drops a state other than ALARM and OK', () => {
    expect(problem(stateChange({}, { state: { value: 'INSUFFICIENT_DATA' } }))).toBe(
      `alarm "${PREFIX}Heartbeat" of account ${MEMBER}: state "INSUFFICIENT_DATA" is not relayed (only ALARM and OK)`,
    );
    expect(problem(stateChange({}, { state: undefined }))).toMatch(/state undefined is not relayed/);
  });

  describe("the hub's own alarms", () => {
    const HUB = '111122223333';
    const hubAlarms = { member: PREFIX, hub: { account: HUB, prefix: 'Hub-Alerts-E29248FB-' } };
    const hubAlarm = (account: string) =>
      stateChange(
        { account, resources: [`arn:aws:cloudwatch:eu-west-1:${account}:alarm:Hub-Alerts-E29248FB-CoverageHeartbeat`] },
        {
          alarmName: 'Hub-Alerts-E29248FB-CoverageHeartbeat',
        },
      );

    it("reads an alarm named with the hub's prefix from the hub's own account, with the hub's account and the short name", () => {
      expect(readAlarmStateChange(hubAlarm(HUB), hubAlarms)).toMatchObject({
        ok: { account: HUB, alarmName: 'Hub-Alerts-E29248FB-CoverageHeartbeat', shortName: 'CoverageHeartbeat', state: 'ALARM' },
      });
    });

    it("drops an alarm named with the hub's prefix from any other account: a member cannot speak as the hub", () => {
      expect(readAlarmStateChange(hubAlarm(MEMBER), hubAlarms)).toEqual({
        problem: `alarm "Hub-Alerts-E29248FB-CoverageHeartbeat" of account ${MEMBER} is not a member checker's alarm (${PREFIX}<Name>)`,
      });
    });

    it("drops the hub's prefix alone, and still reads the members' alarms, from the hub's account too", () => {
      const bare = stateChange(
        { account: HUB, resources: [`arn:aws:cloudwatch:eu-west-1:${HUB}:alarm:Hub-Alerts-E29248FB-`] },
        {
          alarmName: 'Hub-Alerts-E29248FB-',
        },
      );

      expect(readAlarmStateChange(bare, hubAlarms)).toHaveProperty('problem');
      expect(readAlarmStateChange(stateChange(), hubAlarms)).toMatchObject({ ok: { account: MEMBER, shortName: 'Heartbeat' } });
      expect(readAlarmStateChange(hubAlarm(HUB), PREFIX)).toHaveProperty('problem');
    });
  });

  it('shows at most 80 characters of a bad value', () => {
    const p = problem(stateChange({ region: 'r'.repeat(500) })) ?? '';

    expect(p).toBe(`region "${'r'.repeat(78)}… is not a Region name`);
  });
});

describe('alarmMessage', () => {
  const change: AlarmStateChange = {
    account: MEMBER,
    region: 'eu-west-1',
    alarmName: `${PREFIX}Heartbeat`,
    shortName: 'Heartbeat',
    state: 'ALARM',
    previousState: 'OK',
    reason: 'Threshold Crossed: no datapoints were received for 2 periods.',
    time: '2026-11-29T18:00:00Z',
  };

  it('carries account_id, severity HIGH and event "alarm" for an ALARM, like the checker alerts', () => {
    expect(alarmMessage(change).attributes).toEqual({ severity: 'HIGH', event: ['alarm'], accountId: MEMBER });
  });

  it('carries severity INFORMATIONAL and event "alarm-recovered" for the return to OK', () => {
    expect(alarmMessage({ ...change, state: 'OK', previousState: 'ALARM' }).attributes).toEqual({
      severity: 'INFORMATIONAL',
      event: [ALARM_EVENTS.OK],
      accountId: MEMBER,
    });
  });

  it('sends the AWS Chatbot custom notification the member alarms have always sent: alarm, state, account, Region, reason', () => {
    const card = JSON.parse(alarmMessage(change).default) as unknown;

    expect(card).toEqual({
      version: '1.0',
      source: 'custom',
      content: {
        textType: 'client-markdown',
        title: `Aurora Backtrack checker alarm ${PREFIX}Heartbeat is ALARM (account ${MEMBER}, eu-west-1)`,
        description: 'Threshold Crossed: no datapoints were received for 2 periods. See docs/operations.md.',
      },
    });
  });

  it('gives e-mail a plain-text body and a one-line subject under 100 characters naming alarm, state and account', () => {
    const m = alarmMessage(change);

    expect(m.subject).toBe(`Aurora Backtrack checker alarm Heartbeat is ALARM (account ${MEMBER})`);
    expect(m.email).toBe(
      [
        `Aurora Backtrack checker alarm ${PREFIX}Heartbeat is ALARM`,
        '',
        `Account: ${MEMBER}`,
        'Region: eu-west-1',
        'Changed at: 2026-11-29T18:00:00Z',
        'Previous state: OK',
        'Reason: Threshold Crossed: no datapoints were received for 2 periods.',
        '',
        'What the alarm means and what to do: docs/operations.md of the Aurora Backtrack checker, "Alarms".',
      ].join('\n'),
    );
    expect(alarmMessage({ ...change, state: 'OK', time: undefined, previousState: undefined }).email).toBe(
      [
        `Aurora Backtrack checker alarm ${PREFIX}Heartbeat is OK`,
        '',
        `Account: ${MEMBER}`,
        'Region: eu-west-1',
        'Reason: Threshold Crossed: no datapoints were received for 2 periods.',
        '',
        'The alarm is back to OK.',
      ].join('\n'),
    );
    const longest = alarmMessage({ ...change, shortName: 'DestinationDeliveryFailures' }).subject;
    expect(longest).toBe(`Aurora Backtrack checker alarm DestinationDeliveryFailures is ALARM (account ${MEMBER})`);
    const long = alarmMessage({ ...change, shortName: 'x'.repeat(200) }).subject;
    expect(long).toHaveLength(99);
    expect(long.endsWith('…')).toBe(true);
  });

  it('makes the alarm name and the reason inert: no Slack mention, link or markup, no control character in the e-mail', () => {
    const hostile = alarmMessage({
      ...change,
      alarmName: `${PREFIX}<!channel>`,
      shortName: '<!channel>\nx',
      reason: 'see <https://evil.example|the fix> & tell @here\u0007\nnow',
    });
    const card = JSON.parse(hostile.default) as { content: { title: string; description: string } };

    expect(card.content.title).toBe(`Aurora Backtrack checker alarm ${PREFIX}&lt;!channel&gt; is ALARM (account ${MEMBER}, eu-west-1)`);
    expect(card.content.description).toBe('see &lt;https://evil.example|the fix&gt; &amp; tell @\u2060here  now See docs/operations.md.');
    expect(hostile.email).toContain('Reason: see <https://evil.example|the fix> & tell @here  now\n');
    // No control character but the line feeds between lines.
    expect([...hostile.email].filter((c) => c !== '\n' && (c.codePointAt(0) ?? 0) < 0x20)).toEqual([]);
    expect(hostile.subject).not.toMatch(/[\n\r]/);
  });
});

describe("readAlarmStateChange with the hub's own prefix", () => {
  const HUB = '111122223333';
  const HUB_PREFIX = 'AuroraBacktrackCheckerHub-Alerts-';
  const prefixes = { member: PREFIX, hub: { account: HUB, prefix: HUB_PREFIX } };

  it("relays a hub alarm from the hub's own account, named without the hub prefix in the subject", () => {
    const r = readAlarmStateChange(stateChange({ account: HUB }, { alarmName: `${HUB_PREFIX}RelayDropped` }), prefixes);

    expect(r).toMatchObject({ ok: { account: HUB, alarmName: `${HUB_PREFIX}RelayDropped`, shortName: 'RelayDropped' } });
  });

  it("refuses an alarm named with the hub's prefix from a member account: a member cannot pass for the hub", () => {
    const r = readAlarmStateChange(stateChange({ account: MEMBER }, { alarmName: `${HUB_PREFIX}RelayDropped` }), prefixes);

    expect(r).toEqual({
      problem: `alarm "${HUB_PREFIX}RelayDropped" of account ${MEMBER} is not a member checker's alarm (${PREFIX}<Name>)`,
    });
  });

  it('still relays a member checker alarm from the hub account (a member stack deployed by hand there)', () => {
    expect(readAlarmStateChange(stateChange({ account: HUB }), prefixes)).toMatchObject({ ok: { account: HUB, shortName: 'Heartbeat' } });
  });
});

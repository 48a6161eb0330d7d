import { buildAlert } from '../../../lambda/core/alert';
import { checkerAlertDetail } from '../../../lambda/core/hub-alert';
import { inertMentions, readCheckerAlert } from '../../../lambda/hub/alert-event';

const MEMBER = '444455556666';
const PAYMENTS = '777788889999';

/** A checker alert as the member's checker writes it (the real builder: a degraded run). */
const memberAlert = () =>
  buildAlert({
    account: { accountId: MEMBER, partition: 'aws' },
    now: new Date('2026-12-01T10:00:00Z'),
    events: [],
    degraded: [{ kind: 'state-unavailable' }],
    recovered: [],
  });

/** The "Checker alert" event as the hub's bus delivers it: EventBridge's `account` is the sender. */
const event = (detail: unknown, account = MEMBER) => ({
  version: '0',
  id: 'e-1',
  'detail-type': 'Checker alert',
  source: 'aurora-backtrack-checker',
  account,
  time: '2026-12-01T10:00:00Z',
  region: 'eu-west-1',
  resources: [],
  detail,
});

const detail = (overrides: Record<string, unknown> = {}) => {
  const message = memberAlert();
  if (!message) throw new Error('no alert');
  return { ...checkerAlertDetail(message), ...overrides };
};
const dropOf = (e: unknown) => {
  const r = readCheckerAlert(e);
  return 'drop' in r ? [r.drop, r.problem] : undefined;
};

describe('readCheckerAlert', () => {
  it("publishes the member's message with account_id from the envelope, never from the detail", () => {
    const r = readCheckerAlert(event({ ...detail(), accountId: PAYMENTS, attributes: { accountId: PAYMENTS } }));

    expect(r).toMatchObject({ ok: { account: MEMBER, region: 'eu-west-1', message: { attributes: { accountId: MEMBER } } } });
  });

  it("keeps the member's subject, severity and events, opens the e-mail with the sender's account and stamps it in the card", () => {
    const d = detail();
    const r = readCheckerAlert(event(d));
    if (!('ok' in r)) throw new Error(r.problem);

    expect(r.ok.message.subject).toBe(d.subject);
    expect(r.ok.message.attributes).toEqual({ severity: d.severity, event: d.event, accountId: MEMBER });
    expect(r.ok.message.email).toBe(`Sent from account ${MEMBER} (as EventBridge stamped the event).\n\n${d.email}`);
    const card = JSON.parse(r.ok.message.default) as { metadata: { additionalContext: Record<string, string> } };
    expect(card.metadata.additionalContext.accountId).toBe(MEMBER);
  });

  it('overwrites an account the card claims with the sender', () => {
    const card = JSON.parse(detail().default) as Record<string, unknown>;
    const forged = JSON.stringify({ ...card, metadata: { additionalContext: { accountId: PAYMENTS } } });
    const r = readCheckerAlert(event(detail({ default: forged })));

    expect('ok' in r && JSON.parse(r.ok.message.default)).toMatchObject({ metadata: { additionalContext: { accountId: MEMBER } } });
  });

  it('drops a subject that names another account (a sandbox posting "fixed" for payments)', () => {
    expect(dropOf(event(detail({ subject: `Aurora Backtrack: 3 fixed (account ${PAYMENTS})` })))).toEqual([
      'bad-detail',
      `alert of account ${MEMBER}: the subject names account ${PAYMENTS}`,
    ]);
  });

  it.each([
    ['a subject of 100 characters', { subject: 's'.repeat(100) }, /subject .* is not one line of 1–99 characters/],
    ['a subject on two lines', { subject: 'a\nb' }, /is not one line/],
    ['an empty subject', { subject: ' ' }, /is not one line/],
    ['a severity of its own', { severity: 'URGENT' }, /severity "URGENT" is not one of INFORMATIONAL, LOW, MEDIUM, HIGH, CRITICAL/],
    ['an event name of its own', { event: ['new-failure', 'all-clear'] }, /event .* is not a list of the checker's event names/],
    ['no event name', { event: [] }, /is not a list of the checker's event names/],
    ['an e-mail that is not text', { email: 42 }, /detail.email is not text/],
    ['a card that is not JSON', { default: 'hello' }, /detail.default is not JSON/],
    [
      'a card of another shape',
      { default: JSON.stringify({ version: '1.0', source: 'custom', content: { textType: 'markdown', description: 'x' } }) },
      /textType "markdown"/,
    ],
    [
      'a card without description',
      { default: JSON.stringify({ version: '1.0', source: 'custom', content: { textType: 'client-markdown' } }) },
      /no description/,
    ],
    [
      'a card with unknown keys',
      {
        default: JSON.stringify({
          version: '1.0',
          source: 'custom',
          content: { textType: 'client-markdown', description: 'x', blocks: [] },
        }),
      },
      /unknown keys "blocks"/,
    ],
  ])('drops %s as bad-detail, naming why', (_case, overrides, why) => {
    const [reason, problem] = dropOf(event(detail(overrides))) ?? [];

    expect(reason).toBe('bad-detail');
    expect(problem).toMatch(why);
  });

  it('drops a message larger than 240,000 bytes as too-large', () => {
    expect(dropOf(event(detail({ email: 'x'.repeat(240_000) })))).toEqual([
      'too-large',
      expect.stringMatching(/^alert of account 444455556666: \d+ bytes, more than the 240000 a relayed message may have$/),
    ]);
  });

  it('drops what is not a checker alert, or has no sender account, without reading the detail', () => {
    expect(dropOf('text')?.[0]).toBe('not-an-event');
    expect(dropOf({ ...event(detail()), 'detail-type': 'Checker run completed' })?.[0]).toBe('unknown-event');
    expect(dropOf(event(detail(), 'me'))).toEqual(['bad-envelope', 'account "me" is not 12 digits']);
    expect(dropOf(event('not an object'))).toEqual(['bad-detail', `alert of account ${MEMBER}: detail is not an object`]);
  });

  it('makes Slack mentions in the card inert and keeps links', () => {
    const card = JSON.parse(detail().default) as { content: Record<string, unknown> };
    const noisy = JSON.stringify({
      ...card,
      content: { ...card.content, description: '<!channel> @here see <https://example.com|the finding>' },
    });
    const r = readCheckerAlert(event(detail({ default: noisy })));

    expect('ok' in r && (JSON.parse(r.ok.message.default) as { content: { description: string } }).content.description).toBe(
      '&lt;!channel> @\u2060here see <https://example.com|the finding>',
    );
    expect(inertMentions('<@U123> hi')).toBe('&lt;@U123> hi');
  });
});

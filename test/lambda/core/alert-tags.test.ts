import { buildAlert, buildReminder } from '../../../lambda/core/alert';
import { evaluate } from '../../../lambda/core/evaluate';
import type { ClusterEvent } from '../../../lambda/core/transitions';
import { ACCOUNT, cluster, NOW, POLICY, state } from '../fixtures';

const HOSTILE = '<!channel> @here pay <https://evil.example|now>\u2028& \u0007ok';
const card = (m: { default: string }) => JSON.parse(m.default) as { content: { description: string } };

describe('tag audit in the alert', () => {
  const granted: ClusterEvent = {
    kind: 'tag-change',
    evaluation: evaluate(
      cluster({ backtrackWindowSeconds: 0, tags: { 'backtrack-check:exempt': 'true', 'backtrack-check:exempt-reason': 'legacy batch' } }),
      POLICY,
      NOW,
    ),
    tagChanges: [{ kind: 'exemption-granted' }],
  };
  const lowered: ClusterEvent = {
    kind: 'tag-change',
    evaluation: evaluate(cluster({ identifier: 'dev', tags: { 'backtrack-check:min-window-hours': '1' } }), POLICY, NOW),
    tagChanges: [{ kind: 'policy-lowered', fromHours: 12 }],
  };
  const changed: ClusterEvent = {
    kind: 'tag-change',
    evaluation: evaluate(
      cluster({
        identifier: 'archive',
        backtrackWindowSeconds: 0,
        tags: { 'backtrack-check:exempt': 'true', 'backtrack-check:exempt-until': '2026-12-31', 'backtrack-check:exempt-reason': 'b' },
      }),
      POLICY,
      NOW,
    ),
    tagChanges: [{ kind: 'exemption-changed', fromUntil: '2026-12-01', fromReason: 'a' }],
  };

  it('names each change once in its own section with its sentence, counted in the subject', () => {
    const m = buildAlert({ account: ACCOUNT, now: NOW, events: [granted, lowered, changed], degraded: [], recovered: [] });

    expect(m?.subject).toBe('Aurora Backtrack: 3 tag changes (account 111122223333)');
    expect(m?.attributes.event).toEqual(['tag-change']);
    expect(m?.email).toContain('TAG CHANGES (3)');
    expect(m?.email).toContain(
      '- orders (eu-west-1): exemption granted until 2027-02-18T12:00:00Z (capped: the longest an exemption may last; the tag gives no expiry); reason: "legacy batch"',
    );
    expect(m?.email).toContain(
      '- dev (eu-west-1): policy tag lowers the required window to 1 h, below the account minimum of 24 h (was 12 h)',
    );
    expect(m?.email).toContain('- archive (eu-west-1): exemption changed: expiry 2026-12-01 → 2026-12-31; reason "a" → "b"');
    expect(card(m!).content.description).toContain('*Tag changes (3)*');
  });

  it('makes a hostile exemption reason inert: escaped in Slack, without control or separator characters in the e-mail', () => {
    const hostile: ClusterEvent = {
      ...granted,
      evaluation: evaluate(
        cluster({ backtrackWindowSeconds: 0, tags: { 'backtrack-check:exempt': 'true', 'backtrack-check:exempt-reason': HOSTILE } }),
        POLICY,
        NOW,
      ),
    };

    const m = buildAlert({ account: ACCOUNT, now: NOW, events: [hostile], degraded: [], recovered: [] });

    const description = card(m!).content.description;
    expect(description).toContain('&lt;!channel&gt;');
    expect(description).not.toContain('<!channel>');
    expect(description).not.toContain('<https://evil.example');
    expect(description).not.toMatch(/@here\b/);
    expect([...description].some((ch) => ch === '\u2028' || ch === '\u0007')).toBe(false);
    expect([...(m?.email ?? '')].some((ch) => ch === '\u2028' || ch === '\u0007')).toBe(false);
  });

  it('makes a bad tag value echoed back in a tag problem inert in Slack', () => {
    const e = evaluate(cluster({ backtrackWindowSeconds: 0, tags: { 'backtrack-check:exempt': '<!here>' } }), POLICY, NOW);

    const m = buildAlert({
      account: ACCOUNT,
      now: NOW,
      events: [{ kind: 'new-failure', evaluation: e, regression: false }],
      degraded: [],
      recovered: [],
    });

    expect(m?.default).not.toContain('<!here>');
    expect(m?.email).toContain('Tag problems: tag backtrack-check:exempt is "<!here>"');
  });

  it('shows the cap of an exemption in the reminder, and escapes its reason', () => {
    const m = buildReminder(
      ACCOUNT,
      NOW,
      [],
      [state({ suppressed: true, alerted: 'none', exemptReason: HOSTILE, exemptCappedAt: '2027-02-18T12:00:00Z' })],
      7,
    );

    expect(m?.email).toContain('exempt NO EXPIRY — set an exempt-until date (capped: ends 2027-02-18T12:00:00Z)');
    expect(card(m!).content.description).not.toContain('<!channel>');
  });
});

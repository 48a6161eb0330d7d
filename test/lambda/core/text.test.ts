import { clip, clipLine, formatDuration, plainText, shellArg, slackLink, slackText } from '../../../lambda/core/text';

describe('clip', () => {
  it('keeps text at exactly the limit and cuts one character more, marking the cut', () => {
    expect(clip('abcde', 5)).toBe('abcde');
    expect(clip('abcdef', 5)).toBe('abcd…');
    expect(clip('abcdef', 5)).toHaveLength(5);
  });

  it('never splits a surrogate pair (an emoji at the cut is dropped whole)', () => {
    const text = `abc${'😀'}def`; // the emoji is two UTF-16 units at positions 3–4

    const cut = clip(text, 5);

    expect(cut).toBe('abc…');
    expect(cut.length).toBeLessThanOrEqual(5);
    expect(/[\ud800-\udbff](?![\udc00-\udfff])/.test(cut)).toBe(false);
  });

  it('clipLine makes one line of at most max characters', () => {
    expect(clipLine('a\nb\r\n  c', 99)).toBe('a b c');
    expect(clipLine('x'.repeat(120), 99)).toHaveLength(99);
  });
});

describe('user text', () => {
  it('plainText turns control characters and line/paragraph separators into spaces', () => {
    expect(plainText('a\u0000b\u001bc\u007fd\u0085e\u2028f\u2029g\nh')).toBe('a b c d e f g h');
  });

  it('slackText escapes & < > so no link, mention or channel ping can be formed', () => {
    expect(slackText('<!channel> <@U123> <https://evil.example|click> a&b')).toBe(
      '&lt;!channel&gt; &lt;@U123&gt; &lt;https://evil.example|click&gt; a&amp;b',
    );
  });

  it('slackText breaks @channel, @here and @everyone so they notify nobody, and drops control characters', () => {
    const out = slackText('hi @channel @Here @everyone\u2028next');

    expect(out).not.toMatch(/@(channel|here|everyone)\b/i);
    expect([...out].some((ch) => ch === '\u2028' || ch.charCodeAt(0) < 0x20)).toBe(false);
  });

  it('slackLink escapes the label and keeps the URL whole', () => {
    expect(slackLink('https://example.com/a?b=c', '<x>')).toBe('<https://example.com/a?b=c|&lt;x&gt;>');
  });
});

describe('shellArg', () => {
  it('leaves AWS names and ARNs bare and single-quotes anything else', () => {
    expect(shellArg('arn:aws:kms:eu-west-1:111122223333:key/1234abcd')).toBe('arn:aws:kms:eu-west-1:111122223333:key/1234abcd');
    expect(shellArg("it's $(rm)")).toBe(`'it'\\''s $(rm)'`);
  });
});

describe('formatDuration', () => {
  it('is exported from the text module', () => {
    expect(formatDuration(86_399)).toBe('23 h 59 min 59 s');
  });
});

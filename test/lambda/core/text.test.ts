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

describe('text at its edges', () => {
  it('formatDuration says "0 s" for no time at all and "1 h" for exactly one hour', () => {
    expect(formatDuration(0)).toBe('0 s');
    expect(formatDuration(3_600)).toBe('1 h');
    expect(formatDuration(3_564)).toBe('59 min 24 s');
  });

  it('clip to one character is the cut mark alone', () => {
    expect(clip('abc', 1)).toBe('…');
  });

  it('clip drops a high surrogate at either end of its range (U+D800, U+DBFF) rather than split the pair', () => {
    expect(clip('ab\ud800\udc00cd', 4)).toBe('ab…');
    expect(clip('ab\udbff\udfffcd', 4)).toBe('ab…');
  });

  it('clip keeps a character just outside the high-surrogate range (U+DC00 and above) at the cut', () => {
    expect(clip('ab\uff71cd', 4)).toBe('ab\uff71…');
    expect(clip('ab\ud7ffcd', 4)).toBe('ab\ud7ff…');
  });

  it('clipLine drops the spaces at both ends', () => {
    expect(clipLine('  a  b \n', 99)).toBe('a b');
  });

  it('slackText puts a word joiner after the @ of @channel, @here and @everyone and keeps the word', () => {
    expect(slackText('@channel @here @everyone')).toBe('@\u2060channel @\u2060here @\u2060everyone');
  });

  it('shellArg quotes a value that is safe only at its end', () => {
    expect(shellArg('$(x)abc')).toBe("'$(x)abc'");
    expect(shellArg('abc;')).toBe("'abc;'");
  });
});

import { publishError, readPublish } from '../../emulator/sns-emulation';

function publish(fields: Record<string, string>): URLSearchParams {
  return new URLSearchParams({ Action: 'Publish', TopicArn: 'arn:aws:sns:us-east-1:123456789012:alerts', ...fields });
}

describe('reading a Publish request', () => {
  it('collects the per-protocol bodies and the string attributes', () => {
    const p = readPublish(
      'us-east-1',
      publish({
        Message: JSON.stringify({ default: 'd', email: 'e' }),
        MessageStructure: 'json',
        'MessageAttributes.entry.1.Name': 'severity',
        'MessageAttributes.entry.1.Value.DataType': 'String',
        'MessageAttributes.entry.1.Value.StringValue': 'HIGH',
        'MessageAttributes.entry.2.Name': 'event',
        'MessageAttributes.entry.2.Value.DataType': 'String',
        'MessageAttributes.entry.2.Value.StringValue': 'new-failure',
      }),
    );

    expect(p.bodies).toEqual({ default: 'd', email: 'e' });
    expect(p.attributes).toEqual({ severity: 'HIGH', event: 'new-failure' });
    expect(publishError(p)).toBeUndefined();
  });
});

describe('what AWS refuses', () => {
  it.each([
    [{ Message: 'not json', MessageStructure: 'json' }, 'Invalid parameter: Message Structure - JSON message body failed to parse'],
    [
      { Message: '{"email":"e"}', MessageStructure: 'json' },
      'Invalid parameter: Message Structure - No default entry in JSON message body',
    ],
    [
      { Message: '{"default":"d","email":{"x":1}}', MessageStructure: 'json' },
      'Invalid parameter: Message Structure - JSON message values must be strings',
    ],
    [{ Message: 'm', Subject: 'line\nbreak' }, 'Invalid parameter: Subject'],
    [{ Message: 'x'.repeat(256 * 1024 + 1) }, 'Invalid parameter: Message too long'],
  ])('refuses %j', (fields, message) => {
    expect(publishError(readPublish('us-east-1', publish(fields)))).toBe(message);
  });

  it('accepts a plain message with a 99-character subject', () => {
    expect(publishError(readPublish('us-east-1', publish({ Message: 'm', Subject: 's'.repeat(99) })))).toBeUndefined();
  });
});

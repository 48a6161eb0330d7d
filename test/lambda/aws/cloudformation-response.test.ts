import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { sendCloudFormationResponse, type CloudFormationResponse } from '../../../lambda/aws/cloudformation-response';

const RESPONSE: CloudFormationResponse = {
  Status: 'SUCCESS',
  Reason: 'first scan 2 clusters checked',
  PhysicalResourceId: 'first-run-on-deploy',
  StackId: 'arn:aws:cloudformation:eu-west-1:111122223333:stack/checker/1',
  RequestId: 'req-1',
  LogicalResourceId: 'CheckerFirstScan',
};

let server: Server;
let url: string;
let answer: (req: IncomingMessage, body: string) => number | undefined;
const received: { method?: string; path?: string; contentType?: string; body: string }[] = [];

beforeEach(async () => {
  received.length = 0;
  server = createServer((req, res) => {
    let body = '';
    req.on('data', (d: Buffer) => (body += d.toString()));
    req.on('end', () => {
      received.push({ method: req.method, path: req.url, contentType: req.headers['content-type'], body });
      const status = answer(req, body);
      if (status !== undefined) res.writeHead(status).end();
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/bucket/key?X-Amz-Signature=secret-signature`;
});
afterEach(async () => {
  server.closeAllConnections();
  await new Promise((r) => server.close(r));
});

describe('sendCloudFormationResponse', () => {
  it('PUTs the JSON response to the pre-signed URL, path and query intact, with an empty content type', async () => {
    answer = () => 200;

    await sendCloudFormationResponse(url, RESPONSE);

    expect(received).toEqual([
      { method: 'PUT', path: '/bucket/key?X-Amz-Signature=secret-signature', contentType: '', body: JSON.stringify(RESPONSE) },
    ]);
  });

  it('tries once more after a refusal, and names only the host when both fail (never the signed URL)', async () => {
    answer = () => 403;

    const error = await sendCloudFormationResponse(url, RESPONSE).catch((e: Error) => e);

    expect(received).toHaveLength(2);
    expect(String(error)).toContain('HTTP 403');
    expect(String(error)).not.toContain('secret-signature');
    expect(String(error)).not.toContain('/bucket/key');
  });

  it('gives up on an endpoint that never answers after its timeout', async () => {
    answer = () => undefined;
    const started = Date.now();

    const error = await sendCloudFormationResponse(url, RESPONSE, 200).catch((e: Error) => e);

    expect(String(error)).toContain('no answer within 200 ms');
    expect(String(error)).not.toContain('secret-signature');
    expect(Date.now() - started).toBeLessThan(2_000);
  });
});

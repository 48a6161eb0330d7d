/**
 * An endpoint that accepts connections and never answers (a wrong port forward, a stuck proxy):
 * the real SDK, over TCP, against a local server that does exactly that.
 */
import * as net from 'node:net';
import { EXIT, main, type Io } from '../../bin/cli';
import { IDENTITY_SETTINGS } from '../../lambda/default-deps';

let server: net.Server;
const sockets = new Set<net.Socket>();
let accepted = 0;
let endpoint = '';
const saved = { ...process.env };

beforeAll(async () => {
  server = net.createServer((socket) => {
    accepted += 1;
    sockets.add(socket); // accepted, read, never answered
    socket.on('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  endpoint = `http://127.0.0.1:${(server.address() as net.AddressInfo).port}`;
  Object.assign(process.env, {
    AWS_ENDPOINT_URL: endpoint,
    AWS_ACCESS_KEY_ID: 'testing',
    AWS_SECRET_ACCESS_KEY: 'testing',
    AWS_REGION: 'eu-west-1',
  });
});

afterAll(async () => {
  for (const s of sockets) s.destroy();
  await new Promise((resolve) => server.close(resolve));
  for (const k of ['AWS_ENDPOINT_URL', 'AWS_ACCESS_KEY_ID', 'AWS_SECRET_ACCESS_KEY', 'AWS_REGION']) {
    if (saved[k] === undefined) delete process.env[k];
    else process.env[k] = saved[k];
  }
});

it("shows a waiting line naming the endpoint, gives up after the identity call's own tries time out (not the run's deadline), and names the endpoint in the error", async () => {
  const err: string[] = [];
  const shown: string[] = [];
  const io: Io = {
    out: () => undefined,
    err: (s) => err.push(s),
    env: { ...process.env, HTTPS_PROXY: 'http://user:secret@proxy.internal:3128' },
    progress: (s) => shown.push(s),
  };
  const code = await main(['scan', '--regions', 'eu-west-1'], io);

  expect(code).toBe(EXIT.DEGRADED);
  // Each try of the identity call timed out on a connection of its own; nothing else was sent.
  expect(accepted).toBe(IDENTITY_SETTINGS.maxAttempts);
  expect(IDENTITY_SETTINGS.requestHandler.requestTimeout * IDENTITY_SETTINGS.maxAttempts).toBeLessThanOrEqual(15_000);
  expect(err.join('\n')).not.toMatch(/deadline|--timeout/);
  expect(shown.some((s) => s.includes(`waiting for an answer from ${endpoint} through the proxy http://proxy.internal:3128`))).toBe(true);
  expect(err.join('\n')).toContain('STS GetCallerIdentity in eu-west-1 failed');
  expect(err.join('\n')).toContain(`AWS_ENDPOINT_URL is set to ${endpoint}: it accepted the connection but did not answer in time.`);
  expect(err.join('\n')).toContain('HTTPS_PROXY is set to http://proxy.internal:3128');
  expect(err.join('\n')).not.toContain('secret');
}, 30_000);

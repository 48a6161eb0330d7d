/**
 * The emulator's install guard and moto's lifecycle: a missing Python is reported with what to
 * install, and a started moto never outlives its owner (stop, reset, a crashed test process).
 */
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import {
  EmulatorSetupError,
  MotoStartError,
  ensureEmulator,
  findProjectRoot,
  freePort,
  isProcessRunning,
  requirementsHash,
  startMoto,
  type EmulatorPaths,
  type MotoServer,
} from '../../emulator/emulator';

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

async function waitUntilGone(pid: number, ms: number): Promise<boolean> {
  const until = Date.now() + ms;
  while (Date.now() < until) {
    if (!isProcessRunning(pid)) return true;
    await sleep(100);
  }
  return !isProcessRunning(pid);
}

const scratchRoots: string[] = [];

afterAll(() => {
  for (const root of scratchRoots) fs.rmSync(root, { recursive: true, force: true });
});

/** A throw-away project root holding only the requirements file. */
function scratchProject(): string {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'emulator-test-'));
  scratchRoots.push(root);
  fs.mkdirSync(path.join(root, 'emulator'));
  fs.writeFileSync(path.join(root, 'package.json'), '{}');
  fs.writeFileSync(path.join(root, 'emulator', 'requirements.txt'), 'moto[server]==5.2.5\n');
  return root;
}

function fakePython(root: string, script: string): string {
  const file = path.join(root, 'fake-python');
  fs.writeFileSync(file, `#!/bin/sh\n${script}\n`, { mode: 0o755 });
  return file;
}

describe('installing the emulator', () => {
  it('says what to install when python3 is missing, without touching anything', async () => {
    const root = scratchProject();

    const error = await ensureEmulator({ projectRoot: root, python: 'python3-that-does-not-exist' }).catch((e: unknown) => e);

    expect(error).toBeInstanceOf(EmulatorSetupError);
    expect((error as Error).message).toContain('`python3-that-does-not-exist` was not found on PATH');
    expect((error as Error).message).toContain('apt-get install python3 python3-venv');
    expect(fs.existsSync(path.join(root, '.emulator', 'venv'))).toBe(false);
  });

  it('says to install the venv module when `python3 -m venv` fails', async () => {
    const root = scratchProject();
    const python = fakePython(root, 'if [ "$1" = "-c" ]; then echo 3.11; exit 0; fi\necho "ensurepip is not available" >&2\nexit 1');

    const error = await ensureEmulator({ projectRoot: root, python }).catch((e: unknown) => e);

    expect(error).toBeInstanceOf(EmulatorSetupError);
    expect((error as Error).message).toMatch(/venv module .* is missing/);
    expect((error as Error).message).toContain('python3-venv');
    expect((error as Error).message).toContain('ensurepip is not available');
  });

  it('refuses a Python older than 3.9', async () => {
    const root = scratchProject();
    const python = fakePython(root, 'echo 3.8');

    await expect(ensureEmulator({ projectRoot: root, python })).rejects.toThrow('needs Python 3.9+, found 3.8');
  });

  it('reuses an installed venv whose marker matches the requirements, and reinstalls when they change', async () => {
    const root = scratchProject();
    const bin = path.join(root, '.emulator', 'venv', 'bin');
    fs.mkdirSync(bin, { recursive: true });
    for (const tool of ['python', 'moto_server', 'cfn-lint']) fs.writeFileSync(path.join(bin, tool), '');
    const requirements = path.join(root, 'emulator', 'requirements.txt');
    fs.writeFileSync(path.join(root, '.emulator', 'venv', '.requirements-sha256'), `${requirementsHash(requirements)}\n`);

    const reused = await ensureEmulator({ projectRoot: root, python: 'python3-that-does-not-exist' });
    fs.appendFileSync(requirements, 'cfn-lint==1.58.0\n');
    const reinstall = await ensureEmulator({ projectRoot: root, python: 'python3-that-does-not-exist' }).catch((e: unknown) => e);

    expect(reused.motoServer).toBe(path.join(bin, 'moto_server'));
    expect(reinstall).toBeInstanceOf(EmulatorSetupError);
  });

  it('finds the repository root from the emulator folder', () => {
    const root = findProjectRoot();

    expect(fs.existsSync(path.join(root, 'emulator', 'requirements.txt'))).toBe(true);
  });
});

describe('running moto', () => {
  let paths: EmulatorPaths;
  let moto: MotoServer;

  beforeAll(async () => {
    paths = await ensureEmulator();
    moto = await startMoto({ paths });
  }, 600_000);

  afterAll(async () => {
    await moto?.stop();
  });

  it('answers on a loopback endpoint and empties itself on reset', async () => {
    const created = await fetch(`${moto.endpoint}/`, {
      method: 'POST',
      headers: {
        authorization: 'AWS4-HMAC-SHA256 Credential=test/20261125/us-east-1/sns/aws4_request, SignedHeaders=host, Signature=0',
        'content-type': 'application/x-www-form-urlencoded',
      },
      body: 'Action=CreateTopic&Name=t&Version=2010-03-31',
    });
    await created.text();
    const list = () =>
      fetch(`${moto.endpoint}/`, {
        method: 'POST',
        headers: {
          authorization: 'AWS4-HMAC-SHA256 Credential=test/20261125/us-east-1/sns/aws4_request, SignedHeaders=host, Signature=0',
          'content-type': 'application/x-www-form-urlencoded',
        },
        body: 'Action=ListTopics&Version=2010-03-31',
      }).then((r) => r.text());

    const before = await list();
    await moto.reset();
    const after = await list();

    expect(moto.endpoint).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(before).toContain(':t</TopicArn>');
    expect(after).not.toContain('<TopicArn>');
  });

  it('stops by PID', async () => {
    const second = await startMoto({ paths });

    await second.stop();

    expect(second.port).not.toBe(moto.port);
    expect(isProcessRunning(second.pid)).toBe(false);
  });

  it("reports a port it cannot bind with moto's own output", async () => {
    const port = await freePort();
    const blocker = net.createServer();
    await new Promise<void>((r) => blocker.listen(port, '127.0.0.1', r));
    try {
      const error = await startMoto({ paths, port, bootTimeoutMs: 20_000 }).catch((e: unknown) => e);

      expect(error).toBeInstanceOf(MotoStartError);
      expect((error as Error).message).toMatch(/moto exited .* before answering/);
      expect((error as Error).message).toMatch(/address already in use/i);
    } finally {
      blocker.close();
    }
  }, 30_000);

  it('does not outlive a test process that is killed', async () => {
    const script = path.join(os.tmpdir(), `moto-owner-${process.pid}.ts`);
    fs.writeFileSync(
      script,
      `import { startMoto } from ${JSON.stringify(path.join(__dirname, '..', '..', 'emulator', 'emulator'))};\n` +
        'startMoto().then((m) => { console.log(m.pid); setInterval(() => undefined, 1000); });\n',
    );
    const owner = spawn(process.execPath, ['--require', 'tsx/cjs', script], {
      cwd: paths.projectRoot,
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    const motoPid = await new Promise<number>((resolve, reject) => {
      owner.stdout.once('data', (d: Buffer) => resolve(Number(d.toString().trim())));
      owner.once('exit', (code) => reject(new Error(`owner exited early (${code})`)));
    });
    expect(isProcessRunning(motoPid)).toBe(true);

    owner.kill('SIGKILL');

    expect(await waitUntilGone(motoPid, 5_000)).toBe(true);
    fs.rmSync(script, { force: true });
  }, 30_000);
});

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
  uvEnvironment,
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
function scratchProject(requirements = 'uv==0.13.8\nmoto[server]==5.2.5\n'): string {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'emulator-test-'));
  scratchRoots.push(root);
  fs.mkdirSync(path.join(root, 'emulator'));
  fs.writeFileSync(path.join(root, 'package.json'), '{}');
  fs.writeFileSync(path.join(root, 'emulator', 'requirements.txt'), requirements);
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

  it('refuses a requirements file that does not pin uv, naming the line to add, before creating anything', async () => {
    const root = scratchProject('moto[server]==5.2.5\n');

    const error = await ensureEmulator({ projectRoot: root, python: 'python3-that-does-not-exist' }).catch((e: unknown) => e);

    expect(error).toBeInstanceOf(EmulatorSetupError);
    expect((error as Error).message).toContain('must pin the installer, uv');
    expect((error as Error).message).toContain('uv==0.13.8');
    expect(fs.existsSync(path.join(root, '.emulator', 'venv'))).toBe(false);
  });

  it("creates the venv, has pip install only the pinned uv, and uv the whole requirements file with bytecode, under pip's index settings", async () => {
    const root = scratchProject();
    // A stand-in Python: `-m venv` copies itself into the venv, `-m pip` writes a uv that records how
    // it was called and creates the two tools.
    const python = fakePython(
      root,
      [
        'if [ "$1" = "-c" ]; then echo 3.11; exit 0; fi',
        'if [ "$1 $2" = "-m venv" ]; then mkdir -p "$3/bin" && cp "$0" "$3/bin/python"; exit 0; fi',
        'bin=$(dirname "$0")',
        'if [ "$1 $2" = "-m pip" ]; then',
        '  echo "$@" > "$bin/pip-args"',
        '  printf \'#!/bin/sh\\nd=$(dirname "$0")\\necho "$@" > "$d/uv-args"\\nenv > "$d/uv-env"\\ntouch "$d/moto_server" "$d/cfn-lint"\\n\' > "$bin/uv"',
        '  chmod +x "$bin/uv"; exit 0',
        'fi',
        'exit 1',
      ].join('\n'),
    );
    const saved = { index: process.env.PIP_INDEX_URL, links: process.env.PIP_FIND_LINKS };
    process.env.PIP_INDEX_URL = 'https://pypi.mirror.example/simple';
    process.env.PIP_FIND_LINKS = '/srv/wheels  /opt/more-wheels';
    try {
      const paths = await ensureEmulator({ projectRoot: root, python });
      const bin = path.join(root, '.emulator', 'venv', 'bin');
      const read = (name: string) => fs.readFileSync(path.join(bin, name), 'utf8');

      expect(read('pip-args').trim().split(' ')).toEqual(expect.arrayContaining(['install', '--no-compile', 'uv==0.13.8']));
      expect(read('pip-args')).not.toContain('requirements.txt');
      expect(read('uv-args').trim()).toBe(
        `pip install --python ${paths.python} --compile-bytecode --no-progress -r ${path.join(root, 'emulator', 'requirements.txt')}`,
      );
      expect(read('uv-env').split('\n')).toEqual(
        expect.arrayContaining(['UV_INDEX_URL=https://pypi.mirror.example/simple', 'UV_FIND_LINKS=/srv/wheels,/opt/more-wheels']),
      );
      fs.rmSync(path.join(bin, 'uv-args'));
      await ensureEmulator({ projectRoot: root, python });
      expect(fs.existsSync(path.join(bin, 'uv-args'))).toBe(false);
    } finally {
      for (const [name, value] of [
        ['PIP_INDEX_URL', saved.index],
        ['PIP_FIND_LINKS', saved.links],
      ] as const) {
        if (value === undefined) delete process.env[name];
        else process.env[name] = value;
      }
    }
  });

  it("passes pip's index, extra index, find-links and CA bundle on to uv, leaving uv's own settings alone", () => {
    const env = uvEnvironment({
      PIP_INDEX_URL: 'https://a.example/simple',
      PIP_EXTRA_INDEX_URL: 'https://b.example/simple https://c.example/simple',
      PIP_FIND_LINKS: ' /w1 /w2 ',
      PIP_CERT: '/etc/ssl/corp.pem',
      UV_INDEX_URL: 'https://uv-own.example/simple',
      PATH: '/usr/bin',
    });

    expect(env).toMatchObject({
      UV_INDEX_URL: 'https://uv-own.example/simple',
      UV_EXTRA_INDEX_URL: 'https://b.example/simple https://c.example/simple',
      UV_FIND_LINKS: '/w1,/w2',
      SSL_CERT_FILE: '/etc/ssl/corp.pem',
      PATH: '/usr/bin',
    });
    expect(uvEnvironment({ PIP_FIND_LINKS: '' })).not.toHaveProperty('UV_FIND_LINKS');
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

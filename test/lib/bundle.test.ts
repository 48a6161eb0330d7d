import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { bundleHandler, HANDLER_ENTRY } from '../../lib/bundle';

/** Measured at 1.29 MB (AWS SDK clients included); the bound leaves room to grow, not to double. */
const MAX_BUNDLE_BYTES = 2 * 1024 * 1024;

describe('bundleHandler', () => {
  let outDir: string;

  beforeAll(() => {
    outDir = fs.mkdtempSync(path.join(os.tmpdir(), 'backtrack-bundle-'));
    bundleHandler(outDir);
  }, 60_000);

  afterAll(() => fs.rmSync(outDir, { recursive: true, force: true }));

  it('bundles lambda/handler.ts', () => {
    expect(path.relative(path.join(__dirname, '..', '..'), HANDLER_ENTRY)).toBe(path.join('lambda', 'handler.ts'));
  });

  it('writes one self-contained index.js that exports a handler function', () => {
    // A fresh Node.js outside the repository: any module left out of the bundle would fail to resolve.
    const exported = execFileSync(process.execPath, ['-e', "process.stdout.write(typeof require('./index.js').handler)"], {
      cwd: outDir,
      env: { PATH: process.env.PATH ?? '', AWS_REGION: 'us-east-1' },
      encoding: 'utf8',
    });

    expect(fs.readdirSync(outDir)).toEqual(['index.js']);
    expect(exported).toBe('function');
  });

  it(`stays under ${MAX_BUNDLE_BYTES / 1024 / 1024} MB, without a source map`, () => {
    const file = path.join(outDir, 'index.js');
    const text = fs.readFileSync(file, 'utf8');

    expect(fs.statSync(file).size).toBeLessThanOrEqual(MAX_BUNDLE_BYTES);
    expect(text).not.toContain('sourceMappingURL');
  });
});

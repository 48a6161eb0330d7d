/**
 * scripts/typecheck-and-lint.ts, the type-check and lint step of `npm test`: ESLint reuses the
 * program of the type-check, and the step must still fail on either kind of error (that it passes a
 * clean project, `npm test` shows on this one). Run on a small
 * scratch project with the repository's ESLint setup (its node_modules linked in).
 */
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

const REPO = path.resolve(__dirname, '..', '..');
const SCRIPT = path.join(REPO, 'scripts', 'typecheck-and-lint.ts');

const ESLINT_CONFIG = `import tseslint from 'typescript-eslint';
export default tseslint.config(
  { ignores: ['*.mjs'] },
  ...tseslint.configs.recommendedTypeChecked,
  { languageOptions: { parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname } } },
);
`;
const TSCONFIG = JSON.stringify({
  compilerOptions: { target: 'ES2022', lib: ['ES2022'], module: 'commonjs', strict: true, noEmit: true, types: [] },
  include: ['*.ts'],
});

let root: string;

beforeEach(() => {
  root = fs.mkdtempSync(path.join(os.tmpdir(), 'typecheck-and-lint-'));
  fs.symlinkSync(path.join(REPO, 'node_modules'), path.join(root, 'node_modules'));
  fs.writeFileSync(path.join(root, 'eslint.config.mjs'), ESLINT_CONFIG);
  fs.writeFileSync(path.join(root, 'tsconfig.json'), TSCONFIG);
  fs.writeFileSync(path.join(root, 'clean.ts'), 'export const answer = (n: number): number => n * 2;\n');
});

afterEach(() => fs.rmSync(root, { recursive: true, force: true }));

function check(): { status: number | null; out: string } {
  const run = spawnSync(process.execPath, ['--import', 'tsx', SCRIPT, root], { cwd: REPO, encoding: 'utf8', timeout: 60_000 });
  return { status: run.status, out: run.stdout + run.stderr };
}

describe('typecheck and lint over one program', () => {
  it('fails on a type error, printed as tsc prints it', () => {
    fs.writeFileSync(path.join(root, 'typed.ts'), 'export const n: string = 3;\n');

    const { status, out } = check();

    expect(status).toBe(1);
    expect(out).toContain("typed.ts(1,14): error TS2322: Type 'number' is not assignable to type 'string'.");
  }, 60_000);

  it('fails on an error of a rule that needs type information, found with the shared program', () => {
    fs.writeFileSync(
      path.join(root, 'floating.ts'),
      'export async function f(): Promise<number> {\n  return await Promise.resolve(1);\n}\nexport function g(): void {\n  f();\n}\n',
    );

    const { status, out } = check();

    expect(status).toBe(1);
    expect(out).toContain('@typescript-eslint/no-floating-promises');
    expect(out).not.toContain('error TS');
  }, 60_000);
});

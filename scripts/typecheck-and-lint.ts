/**
 * `tsc --noEmit -p .` and `eslint .` over one TypeScript program. ESLint's type-checked rules need
 * the project's program; built by ESLint itself it is parsed, bound and checked a second time (about
 * 20 s of CPU). Here the type-check builds it once and ESLint is given it (`parserOptions.programs`).
 * `npm run typecheck` and `npm run lint` still run each tool on its own; the findings are the same.
 *
 * Prints the TypeScript errors as tsc does and ESLint's report as `eslint` does; exits 1 if either
 * found an error (ESLint warnings alone do not fail, as with `eslint .`). The argument, if any, is
 * another project folder (with its tsconfig.json and eslint.config.mjs) to check instead.
 */
import * as path from 'node:path';
import { ESLint } from 'eslint';
import * as ts from 'typescript';

const ROOT = path.resolve(process.argv[2] ?? path.join(__dirname, '..'));

const formatHost: ts.FormatDiagnosticsHost = {
  getCanonicalFileName: (f) => f,
  getCurrentDirectory: () => ROOT,
  getNewLine: () => '\n',
};

/** The program of tsconfig.json (none when tsconfig.json cannot be read), and its errors as tsc would print them. */
function typecheck(): { program?: ts.Program; errors: number; report: string } {
  const configFile = path.join(ROOT, 'tsconfig.json');
  const configErrors: ts.Diagnostic[] = [];
  const parsed = ts.getParsedCommandLineOfConfigFile(
    configFile,
    {},
    {
      ...ts.sys,
      onUnRecoverableConfigFileDiagnostic: (d) => configErrors.push(d),
    },
  );
  if (parsed === undefined) {
    return { errors: configErrors.length || 1, report: ts.formatDiagnostics(configErrors, formatHost) };
  }
  const program = ts.createProgram({
    rootNames: parsed.fileNames,
    options: parsed.options,
    configFileParsingDiagnostics: ts.getConfigFileParsingDiagnostics(parsed),
  });
  const diagnostics = ts.getPreEmitDiagnostics(program);
  const errors = diagnostics.filter((d) => d.category === ts.DiagnosticCategory.Error).length;
  const format = process.stdout.isTTY ? ts.formatDiagnosticsWithColorAndContext : ts.formatDiagnostics;
  return { program, errors, report: diagnostics.length > 0 ? `${format(diagnostics, formatHost)}\nFound ${errors} error(s).\n` : '' };
}

async function lint(program: ts.Program): Promise<{ errors: number; report: string }> {
  const eslint = new ESLint({
    cwd: ROOT,
    // Only the TypeScript files take the program; the plain JavaScript ones are linted without types.
    overrideConfig: [{ files: ['**/*.ts'], languageOptions: { parserOptions: { projectService: false, programs: [program] } } }],
  });
  const results = await eslint.lintFiles(['.']);
  const formatter = await eslint.loadFormatter('stylish');
  const errors = results.reduce((n, r) => n + r.errorCount + r.fatalErrorCount, 0);
  return { errors, report: await formatter.format(results) };
}

async function main(): Promise<number> {
  const checked = typecheck();
  process.stdout.write(checked.report);
  // Without tsconfig.json there is no program for the type-aware rules: its error above is the finding.
  if (checked.program === undefined) return 1;
  const linted = await lint(checked.program);
  process.stdout.write(linted.report);
  return checked.errors === 0 && linted.errors === 0 ? 0 : 1;
}

void main().then(
  (code) => process.exit(code),
  (e: unknown) => {
    process.stderr.write(`typecheck and lint: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
    process.exit(2);
  },
);

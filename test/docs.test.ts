/**
 * The docs stay true and short: every setting, alarm and environment variable a user meets is
 * documented, the README stays a front door, and no raw line is too wide to read in a diff.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { buildProgram } from '../bin/cli';
import { CONTEXT_KEYS, ENV_VARIABLES, FLAG_NAMES } from '../lambda/settings/schema';
import { synth } from './lib/stack-fixture';

const ROOT = path.join(__dirname, '..');
const read = (file: string) => fs.readFileSync(path.join(ROOT, file), 'utf8');
const DOCS = ['README.md', ...fs.readdirSync(path.join(ROOT, 'docs')).map((f) => path.join('docs', f)), 'bench/README.md'];

describe('documentation', () => {
  it('keeps the README a front door of about 200 lines', () => {
    expect(read('README.md').split('\n').length).toBeLessThanOrEqual(220);
  });

  it.each(DOCS)('%s has no line of prose or table wider than 160 characters (samples in code blocks are verbatim)', (file) => {
    let fenced = false;
    const long = read(file)
      .split('\n')
      .map((line, i) => {
        if (line.startsWith('```')) fenced = !fenced;
        return { line: i + 1, length: [...line].length, fenced };
      })
      .filter((l) => !l.fenced && l.length > 160);
    expect(long).toEqual([]);
  });

  it.each(DOCS)('%s links only to files that exist', (file) => {
    const dir = path.dirname(path.join(ROOT, file));
    const targets = [...read(file).matchAll(/\]\(([^)#\s]+)(#[^)]*)?\)/g)].map((m) => m[1] as string).filter((t) => !/^[a-z]+:/.test(t));
    expect(targets.filter((t) => !fs.existsSync(path.join(dir, t)))).toEqual([]);
  });

  describe("the README's layout block matches the tree", () => {
    const readme = read('README.md');
    const start = readme.indexOf('\nbin/app.ts ');
    const block = readme.slice(start + 1, readme.indexOf('```', start));
    /** The first word of each line: a file, a folder (trailing /) or a glob like lambda/region-*.ts. */
    const entries = block
      .split('\n')
      .map((line) => /^(\S+)\s/.exec(line)?.[1])
      .filter((e): e is string => e !== undefined);
    const exists = (entry: string) => {
      if (!entry.includes('*')) return fs.existsSync(path.join(ROOT, entry));
      const dir = path.dirname(entry);
      const re = new RegExp(`^${path.basename(entry).replace(/[.]/g, '\\.').replace(/\*/g, '.*')}$`);
      return fs.readdirSync(path.join(ROOT, dir)).some((f) => re.test(f));
    };

    it('names only paths that exist', () => {
      expect(entries.length).toBeGreaterThan(10);
      expect(entries.filter((e) => !exists(e))).toEqual([]);
    });

    it.each(['bin', 'lib', 'lambda'])('names every folder under %s/', (top) => {
      const folders = fs
        .readdirSync(path.join(ROOT, top), { withFileTypes: true })
        .filter((d) => d.isDirectory())
        .map((d) => `${top}/${d.name}`);
      const named = (folder: string) => block.includes(`${folder}/`) || block.includes(`${folder.split('/').pop() ?? ''}/`);
      expect(folders.filter((f) => !named(f))).toEqual([]);
    });
  });

  it('documents every context key in the README configuration table', () => {
    const readme = read('README.md');
    expect(CONTEXT_KEYS.filter((k) => !readme.includes(`| \`${k}\``))).toEqual([]);
  });

  it('documents every flag of the settings schema in docs/cli.md and every variable the function reads in docs/iam.md', () => {
    const flags = Object.values(FLAG_NAMES);
    expect(flags.length).toBeGreaterThanOrEqual(10);
    expect(flags.filter((f) => !read('docs/cli.md').includes(`\`${f}`))).toEqual([]);
    expect(ENV_VARIABLES.filter((v) => !read('docs/iam.md').includes(`\`${v}\``))).toEqual([]);
  });

  it('documents every flag of the CLI in docs/cli.md', () => {
    const io = { out: () => undefined, err: () => undefined, env: {} };
    const scan = buildProgram(io, () => undefined).commands.find((c) => c.name() === 'scan');
    const flags = (scan?.options ?? []).map((o) => o.long ?? '').filter(Boolean);
    expect(flags.length).toBeGreaterThan(15);
    const cli = read('docs/cli.md');
    expect(flags.filter((f) => !cli.includes(`\`${f}`))).toEqual([]);
  });

  it('documents every flag of the iac command in docs/cli.md', () => {
    const io = { out: () => undefined, err: () => undefined, env: {} };
    const iac = buildProgram(io, () => undefined).commands.find((c) => c.name() === 'iac');
    const flags = (iac?.options ?? []).map((o) => o.long ?? '').filter(Boolean);
    expect(flags).toEqual(expect.arrayContaining(['--parameters', '--region', '--min-window-hours']));
    const section = read('docs/cli.md').split('## `iac`')[1] ?? '';
    expect(flags.filter((f) => !section.includes(`\`${f}`))).toEqual([]);
  });

  it('says what every alarm of the stack means in docs/operations.md', () => {
    const { template } = synth();
    const names = Object.values(template.findResources('AWS::CloudWatch::Alarm')).map((a) => {
      const name = (a as { Properties: { AlarmName?: unknown } }).Properties.AlarmName;
      if (typeof name !== 'string') throw new Error(`an alarm without a literal name: ${JSON.stringify(name)}`);
      return name;
    });
    const suffixes = names.map((n) => n.split('-').pop() ?? n);
    expect(suffixes.length).toBeGreaterThanOrEqual(7);
    const ops = read('docs/operations.md');
    expect(suffixes.filter((s) => !ops.includes(`\`${s}\``))).toEqual([]);
  });

  it('names every environment variable of the function in docs/iam.md', () => {
    const { template } = synth({ config: { backtrackRegions: ['eu-north-1'] } });
    const fn = Object.values(template.findResources('AWS::Lambda::Function')).find((f) => JSON.stringify(f).includes('STATE_TABLE')) as {
      Properties: { Environment: { Variables: Record<string, unknown> } };
    };
    const iam = read('docs/iam.md');
    const vars = Object.keys(fn.Properties.Environment.Variables).filter((v) => !v.startsWith('POWERTOOLS_') && !v.startsWith('AWS_'));
    expect(vars.filter((v) => !iam.includes(`\`${v}\``))).toEqual([]);
  });
});

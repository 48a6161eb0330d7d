/**
 * Tools live where their name says: the product (lambda/, lib/, bin/) imports neither the emulator
 * nor the tests, and the emulator, the benchmark and the scripts do not import the tests. Also no
 * module takes part in an import circle, at run time or through types alone.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';

const ROOT = path.join(__dirname, '..', '..');
const PRODUCT = ['lambda', 'lib', 'bin'];
const TOOLS = ['emulator', 'bench', 'scripts'];

function sourceFiles(dir: string): string[] {
  const out: string[] = [];
  for (const entry of fs.readdirSync(path.join(ROOT, dir), { withFileTypes: true })) {
    const rel = path.join(dir, entry.name);
    if (entry.isDirectory() && entry.name !== 'results') out.push(...sourceFiles(rel));
    else if (entry.isFile() && entry.name.endsWith('.ts')) out.push(rel);
  }
  return out;
}

interface Import {
  target: string;
  typeOnly: boolean;
}

/** The project files a module imports (relative specifiers only), resolved to paths from the root. */
function importsOf(file: string): Import[] {
  const text = fs.readFileSync(path.join(ROOT, file), 'utf8');
  const found: Import[] = [];
  const pattern = /^\s*(import|export)\s+(type\s+)?(?:[^'";]*?\s+from\s+)?['"](\.{1,2}\/[^'"]+)['"]/gm;
  for (const m of text.matchAll(pattern)) {
    const base = path.normalize(path.join(path.dirname(file), m[3] as string));
    const target = [`${base}.ts`, path.join(base, 'index.ts')].find((f) => fs.existsSync(path.join(ROOT, f))) ?? base;
    found.push({ target, typeOnly: m[2] !== undefined });
  }
  return found;
}

/** Every import circle among the files, as "a → b → a"; `withTypes`: type-only imports count too. */
function circlesOf(files: string[], withTypes: boolean): string[] {
  const graph = new Map(
    files.map((f) => [
      f,
      importsOf(f)
        .filter((i) => withTypes || !i.typeOnly)
        .map((i) => i.target),
    ]),
  );
  const circles: string[] = [];
  const state = new Map<string, 'open' | 'done'>();
  const visit = (file: string, trail: string[]) => {
    if (state.get(file) === 'done') return;
    if (state.get(file) === 'open') {
      circles.push([...trail.slice(trail.indexOf(file)), file].join(' → '));
      return;
    }
    state.set(file, 'open');
    for (const next of graph.get(file) ?? []) visit(next, [...trail, file]);
    state.set(file, 'done');
  };
  for (const f of files) visit(f, []);
  return circles;
}

const under = (file: string, dirs: string[]) => dirs.some((d) => file.startsWith(`${d}${path.sep}`));

describe('module boundaries', () => {
  const files = [...PRODUCT, ...TOOLS].flatMap(sourceFiles);

  it('reads a realistic number of modules and their imports', () => {
    expect(files.length).toBeGreaterThan(60);
    expect(files.flatMap(importsOf).length).toBeGreaterThan(150);
  });

  it('keeps the product free of imports from emulator/ and test/', () => {
    const crossing = files
      .filter((f) => under(f, PRODUCT))
      .flatMap((f) => importsOf(f).map((i) => `${f} → ${i.target}`))
      .filter((edge) => under(edge.split(' → ')[1] as string, ['emulator', 'test']));
    expect(crossing).toEqual([]);
  });

  it('keeps the emulator, the benchmark and the scripts free of imports from test/', () => {
    const crossing = files
      .filter((f) => under(f, TOOLS))
      .flatMap((f) => importsOf(f).map((i) => `${f} → ${i.target}`))
      .filter((edge) => under(edge.split(' → ')[1] as string, ['test']));
    expect(crossing).toEqual([]);
  });

  it('has no import circle that exists at run time (type-only imports are erased)', () => {
    expect(circlesOf(files, false)).toEqual([]);
  });

  it('has no import circle of types either: two files that need each other are one concern or share a third', () => {
    expect(circlesOf(files, true)).toEqual([]);
  });
});

import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { defaultOut } from '../../bench/run';

describe('bench output folder', () => {
  it('writes a full run into the committed bench/results', () => {
    expect(defaultOut(false)).toBe(path.join('bench', 'results'));
  });

  it('writes a quick or partial run into a new temporary folder, never bench/results', () => {
    const a = defaultOut(true);
    const b = defaultOut(true);
    try {
      expect(a.startsWith(os.tmpdir())).toBe(true);
      expect(fs.statSync(a).isDirectory()).toBe(true);
      expect(a).not.toBe(b);
    } finally {
      fs.rmSync(a, { recursive: true, force: true });
      fs.rmSync(b, { recursive: true, force: true });
    }
  });
});

import * as fs from 'node:fs';
import { cliWorkDir, measureCliScan, measureProcess } from '../../bench/cli-point';

jest.setTimeout(60_000);

describe('the CLI point of the benchmark', () => {
  const dir = cliWorkDir();
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

  it("reads a process's own peak RSS and exit status", async () => {
    const r = await measureProcess(['-e', 'process.stdout.write("hi"); process.exitCode = 3'], { PATH: process.env.PATH }, dir);
    expect(r).toMatchObject({ code: 3, stdout: 'hi' });
    expect(r.maxRssKb).toBeGreaterThan(10_000);
  });

  it('scans a small fleet through the built CLI and checks that every cluster was judged', async () => {
    const r = await measureCliScan({ clusters: 20, regions: 2 }, { latencyMs: 0, seed: 1, bareStartMs: 0, workDir: dir });
    expect(r.error).toBeUndefined();
    expect(r.ok).toBe(true);
    expect(r.floorMs).toBeGreaterThanOrEqual(0);
  });
});

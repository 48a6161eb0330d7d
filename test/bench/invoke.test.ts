import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { benchNodeArgs, buildChild, handlerEnv, invokeInChild, measureColdLoad, median } from '../../bench/invoke';

let dir: string;
let childPath: string;

beforeAll(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'bench-invoke-test-'));
  childPath = buildChild(dir);
});

afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

const env = handlerEnv({
  endpoint: 'http://127.0.0.1:1',
  regions: ['us-east-1', 'eu-west-1'],
  minWindowHours: 24,
  topicArn: 'arn:t',
  tableName: 'state',
});

function bundle(name: string, source: string): string {
  const file = path.join(dir, `${name}.js`);
  fs.writeFileSync(file, source);
  return file;
}

describe('invokeInChild', () => {
  it('runs the handler in a fresh process with the stack’s environment and reports its figures', async () => {
    const file = bundle(
      'ok',
      'exports.handler = async (event, ctx) => ({ event, regions: process.env.REGIONS, endpoint: process.env.AWS_ENDPOINT_URL, fn: ctx.functionName });',
    );

    const report = await invokeInChild({ childPath, bundlePath: file, event: { mode: 'scan' }, env, logFile: path.join(dir, 'ok.log') });

    expect(report.ok).toBe(true);
    expect(JSON.parse(report.result ?? '{}')).toEqual({
      event: { mode: 'scan' },
      regions: 'us-east-1,eu-west-1',
      endpoint: 'http://127.0.0.1:1',
      fn: 'aurora-backtrack-checker-bench',
    });
    expect(report.maxRssKb).toBeGreaterThan(10_000);
    expect(report.wallMs).toBeGreaterThanOrEqual(0);
  });

  it('reports the error a failing handler throws, with its own fields', async () => {
    const file = bundle(
      'fail',
      'exports.handler = async () => { const e = new Error("Region eu-west-1 not scanned"); e.name = "CheckDegradedError"; e.degraded = ["eu-west-1"]; throw e; };',
    );

    const report = await invokeInChild({ childPath, bundlePath: file, event: {}, env, logFile: path.join(dir, 'fail.log') });

    expect(report.ok).toBe(false);
    expect(report.error).toMatchObject({ name: 'CheckDegradedError', message: 'Region eu-west-1 not scanned' });
    expect(report.error?.details).toContain('eu-west-1');
  });

  it('keeps the handler’s logs in the log file', async () => {
    const file = bundle('logs', 'exports.handler = async () => { console.log("hello from the handler"); return 1; };');
    const logFile = path.join(dir, 'logs.log');

    await invokeInChild({ childPath, bundlePath: file, event: {}, env, logFile });

    expect(fs.readFileSync(logFile, 'utf8')).toContain('hello from the handler');
  });

  it('fails when the bundle has no handler', async () => {
    const file = bundle('none', 'exports.other = 1;');

    const report = await invokeInChild({ childPath, bundlePath: file, event: {}, env, logFile: path.join(dir, 'none.log') });

    expect(report.ok).toBe(false);
    expect(report.error?.message).toContain('exports no handler');
  });
});

describe('measureColdLoad', () => {
  it('loads the bundle in as many fresh processes as asked and takes the median', () => {
    const file = bundle('load', 'exports.handler = async () => 1;');

    const load = measureColdLoad(file, env, 3);

    expect(load.requireMs).toHaveLength(3);
    expect(load.medianRequireMs).toBe(median(load.requireMs));
    expect(load.medianProcessMs).toBeGreaterThan(load.medianRequireMs);
  });

  it('median of an even count is the mean of the middle two', () => {
    expect(median([4, 1, 3, 2])).toBe(2.5);
  });
});

describe('benchNodeArgs', () => {
  it('splits BENCH_NODE_ARGS into Node flags, ignoring extra spaces', () => {
    expect(benchNodeArgs({ BENCH_NODE_ARGS: ' --max-old-space-size=96   --trace-gc ' })).toEqual(['--max-old-space-size=96', '--trace-gc']);
  });

  it('gives no flags when BENCH_NODE_ARGS is unset or empty', () => {
    expect(benchNodeArgs({})).toEqual([]);
    expect(benchNodeArgs({ BENCH_NODE_ARGS: '' })).toEqual([]);
  });
});

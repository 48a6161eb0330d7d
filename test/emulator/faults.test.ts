import { FaultSet, seededRandom } from '../../emulator/faults';

const describeClusters = { service: 'rds', region: 'us-east-1', operation: 'DescribeDBClusters' };

describe('fault rules', () => {
  it('affects exactly `count` matching requests, then is spent', () => {
    const faults = new FaultSet();
    faults.add({ service: 'rds', kind: 'throttle', count: 2 });

    const kinds = [1, 2, 3].map(() => faults.decide(describeClusters).fault?.spec.kind);

    expect(kinds).toEqual(['throttle', 'throttle', undefined]);
    expect(faults.active).toEqual([]);
  });

  it('matches on service, Region and operation, and accepts CloudWatch by either name', () => {
    const faults = new FaultSet();
    faults.add({ service: 'monitoring', region: ['eu-west-1'], operation: 'GetMetricData', kind: 'access-denied' });

    expect(faults.decide({ service: 'cloudwatch', region: 'eu-west-1', operation: 'GetMetricData' }).fault?.spec.kind).toBe(
      'access-denied',
    );
    expect(faults.decide({ service: 'cloudwatch', region: 'us-east-1', operation: 'GetMetricData' }).fault).toBeUndefined();
    expect(faults.decide({ service: 'cloudwatch', region: 'eu-west-1', operation: 'PutMetricData' }).fault).toBeUndefined();
  });

  it('adds every matching latency and still applies the first matching error', () => {
    const faults = new FaultSet();
    faults.add({ kind: 'latency', latencyMs: 100 });
    faults.add({ service: 'rds', kind: 'latency', latencyMs: 50 });
    faults.add({ service: 'rds', kind: '5xx' });
    faults.add({ service: 'rds', kind: 'throttle' });

    const decision = faults.decide(describeClusters);

    expect(decision.latencyMs).toBe(150);
    expect(decision.fault?.spec.kind).toBe('5xx');
  });

  it('holds a hanging request for one Region and operation only, and still adds latency to it', () => {
    const faults = new FaultSet();
    faults.add({ service: 'rds', region: 'us-east-1', operation: 'DescribeDBClusters', kind: 'hang' });
    faults.add({ kind: 'latency', latencyMs: 20 });

    const decision = faults.decide(describeClusters);

    expect(decision).toMatchObject({ latencyMs: 20, fault: { spec: { kind: 'hang' } } });
    expect(faults.decide({ ...describeClusters, region: 'eu-west-1' }).fault).toBeUndefined();
    expect(faults.decide({ ...describeClusters, operation: 'DescribeDBInstances' }).fault).toBeUndefined();
  });

  it('injects the same faults for the same seed and request order', () => {
    const run = () => {
      const faults = new FaultSet(7);
      faults.add({ kind: 'throttle', probability: 0.3 });
      return Array.from({ length: 200 }, () => faults.decide(describeClusters).fault !== undefined);
    };

    const first = run();

    expect(run()).toEqual(first);
    const rate = first.filter(Boolean).length / first.length;
    expect(rate).toBeGreaterThan(0.2);
    expect(rate).toBeLessThan(0.4);
  });

  it('restarts the random sequence when cleared', () => {
    const faults = new FaultSet(3);
    faults.add({ kind: 'drop', probability: 0.5 });
    const first = Array.from({ length: 20 }, () => faults.decide(describeClusters).fault !== undefined);
    faults.clear();
    faults.add({ kind: 'drop', probability: 0.5 });

    expect(Array.from({ length: 20 }, () => faults.decide(describeClusters).fault !== undefined)).toEqual(first);
  });

  it('stops matching once removed', () => {
    const faults = new FaultSet();
    const fault = faults.add({ kind: 'drop' });
    faults.remove(fault);

    expect(faults.decide(describeClusters).fault).toBeUndefined();
  });

  it.each([
    [{ kind: 'throttle', count: 0 }, /count must be a positive integer/],
    [{ kind: 'throttle', probability: 1.5 }, /probability must be between 0 and 1/],
    [{ kind: 'error', code: 'X' }, /needs code and status/],
    [{ kind: 'latency', latencyMs: -1 }, /latencyMs/],
  ] as const)('rejects the invalid fault %j', (spec, message) => {
    expect(() => new FaultSet().add(spec)).toThrow(message);
  });

  it('draws numbers in [0, 1) from a seeded generator', () => {
    const random = seededRandom(42);
    const values = Array.from({ length: 1000 }, random);

    expect(values.every((v) => v >= 0 && v < 1)).toBe(true);
    expect(seededRandom(42)()).toBe(values[0]);
  });
});

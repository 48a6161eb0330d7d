import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import { RDSClient, DescribeDBClustersCommand } from '@aws-sdk/client-rds';
import {
  beforeDeadline,
  cutOffAt,
  DeadlineExceededError,
  finishBudget,
  finishReserveMs,
  runClock,
  UNWIND_MS,
  withAbortSignal,
} from '../../lambda/deadline';

describe('finishReserveMs', () => {
  it.each([
    [5_000, 2_000],
    [10_000, 2_000],
    [10_005, 2_001],
    [90_000, 18_000],
    [299_995, 59_999],
    [300_000, 60_000],
    [900_000, 60_000],
  ])('keeps a fifth of a %i ms run for the finish, within 2–60 s: %i ms', (budget, reserve) => {
    expect(finishReserveMs(budget)).toBe(reserve);
  });
});

describe('DeadlineExceededError', () => {
  it.each([
    [0, '0'],
    [-20, '0'],
    [499, '0.5'],
    [1_240, '1.2'],
    [9_949, '9.9'],
    [10_000, '10'],
    [840_400, '840'],
  ])('states a %i ms budget as %s s: tenths under 10 s, so half a second does not read 0 or 1', (budget, shown) => {
    expect(new DeadlineExceededError('the Region', budget).message).toBe(
      `the Region did not finish within the run's deadline (${shown} s)`,
    );
  });
});

describe('runClock', () => {
  it('stops Region work a finish reserve before the hard end', () => {
    expect(runClock(1_090_000, 1_000_000)).toEqual({ startedMs: 1_000_000, until: 1_090_000, regionsBy: 1_072_000 });
  });

  it('has no deadline when none is given', () => {
    expect(runClock(undefined, 5)).toEqual({ startedMs: 5 });
  });
});

describe('beforeDeadline', () => {
  it('returns what the work returns when it ends in time', async () => {
    const result = await beforeDeadline(
      Date.now() + 1_000,
      () => Promise.resolve('done'),
      () => 'late',
    );

    expect(result).toEqual({ value: 'done', late: false });
  });

  it('answers with late() at the deadline and aborts the signal the work was given', async () => {
    let given: AbortSignal | undefined;
    const started = Date.now();

    const result = await beforeDeadline(
      started + 100,
      (signal) => {
        given = signal;
        return new Promise<string>(() => undefined);
      },
      () => 'late',
    );

    expect(result).toEqual({ value: 'late', late: true });
    expect(Date.now() - started).toBeGreaterThanOrEqual(95);
    expect(given?.aborted).toBe(true);
  });

  it('does not start work whose deadline has passed already', async () => {
    const work = jest.fn(() => Promise.resolve('done'));

    const result = await beforeDeadline(Date.now() - 1, work, () => 'late');

    expect(result).toEqual({ value: 'late', late: true });
    expect(work).not.toHaveBeenCalled();
  });

  it('passes a failure of the work on when it fails in time', async () => {
    await expect(
      beforeDeadline(
        Date.now() + 1_000,
        () => Promise.reject(new Error('denied')),
        () => 'late',
      ),
    ).rejects.toThrow('denied');
  });
});

describe('withAbortSignal', () => {
  it('adds the signal to every send and keeps the client what it was', async () => {
    const client = new RDSClient({ region: 'eu-west-1' });
    const send = jest.fn((..._args: unknown[]) => Promise.resolve({}));
    Object.assign(client, { send });
    const controller = new AbortController();
    const wrapped = withAbortSignal(client, controller.signal);

    await wrapped.send(new DescribeDBClustersCommand({}));

    expect(wrapped).toBeInstanceOf(RDSClient);
    expect(send.mock.calls[0]?.[1]).toEqual({ abortSignal: controller.signal });
  });

  it('ends a real SDK call to an endpoint that never answers once the signal fires', async () => {
    // Accepts the request and never answers.
    const server = http.createServer(() => undefined);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const client = new RDSClient({
      region: 'eu-west-1',
      endpoint: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
      credentials: { accessKeyId: 'x', secretAccessKey: 'y' },
    });
    const controller = new AbortController();
    try {
      const call = withAbortSignal(client, controller.signal).send(new DescribeDBClustersCommand({}));
      setTimeout(() => controller.abort(), 100);

      await expect(call).rejects.toMatchObject({ name: 'AbortError' });
    } finally {
      client.destroy();
      server.closeAllConnections();
      server.close();
    }
  });
});

describe('finishBudget', () => {
  it('has no budget without a deadline', () => {
    expect(finishBudget(runClock(undefined, 1_000))).toEqual({});
  });

  it('gives the alert half of the time left and the state save the rest, up to the hard end less the unwind time', async () => {
    const now = Date.now();
    const budget = finishBudget(runClock(now + 400 + UNWIND_MS, now - 10_000), now);

    await new Promise((resolve) => setTimeout(resolve, 250));
    expect({ notify: budget.notify?.aborted, save: budget.save?.aborted }).toEqual({ notify: true, save: false });
    await new Promise((resolve) => setTimeout(resolve, 250));
    expect(budget.save?.aborted).toBe(true);
  });
});

describe('cutOffAt', () => {
  it('stops waiting for work that never ends once its signal aborts, with DeadlineExceeded naming the work', async () => {
    const never = new Promise<never>(() => undefined);

    await expect(cutOffAt(AbortSignal.timeout(20), 'SNS Publish', never)).rejects.toMatchObject({
      name: 'DeadlineExceeded',
      message: expect.stringContaining('SNS Publish') as string,
    });
  });

  it("passes on the work's own result before the signal aborts", async () => {
    await expect(cutOffAt(AbortSignal.timeout(1_000), 'x', Promise.resolve(7))).resolves.toBe(7);
  });
});

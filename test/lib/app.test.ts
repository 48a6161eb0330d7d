import { runApp, runAppWithContext } from './app-runner';

describe('bin/app.ts', () => {
  it('stops synth on a mistyped key and an empty value, naming the nearest setting, with exit status 2', () => {
    const run = runApp({ minWindowHour: '12', alertEmail: 'a@b.c', regions: '' });

    expect(run.status).toBe(2);
    expect(run.stderr).toContain('Invalid aurora-backtrack-checker configuration (3 problems)');
    expect(run.stderr).toContain('minWindowHour: "12" is not a setting of the checker; did you mean minWindowHours?');
    expect(run.stderr).toContain('alertEmail: "a@b.c" is not a setting of the checker; did you mean alertEmails?');
    expect(run.stderr).toContain('regions: "" is empty');
    expect(run.stderr).not.toMatch(/^\s+at /m);
  }, 60_000);

  it('synthesizes the shipped cdk.json and warns that the topic has no subscriber', () => {
    const run = runApp({});

    expect(run.status).toBe(0);
    expect(run.stdout + run.stderr).toContain('The alert topic has no subscriber');
  }, 60_000);

  it('synthesizes without the warning when told allowNoSubscribers=true', () => {
    const run = runApp({ allowNoSubscribers: 'true' }, { CDK_VALIDATION: 'false' });

    expect(run.status).toBe(0);
    expect(run.stdout + run.stderr).not.toContain('no subscriber');
  }, 60_000);

  it('stops synth on invalid context with exit status 2 and one message listing each bad value, no stack trace', () => {
    const run = runAppWithContext({ minWindowHours: '96', alertEmails: 'ops-at-example.com', slackChannelId: 'C0123ABCD' });

    expect(run.status).toBe(2);
    expect(run.stderr).toContain('Invalid aurora-backtrack-checker configuration (3 problems)');
    expect(run.stderr).toContain('minWindowHours: "96"');
    expect(run.stderr).toContain('alertEmails: "ops-at-example.com"');
    expect(run.stderr).toContain('slackWorkspaceId: (not set) is required when slackChannelId is set');
    expect(run.stderr).not.toMatch(/^\s+at /m);
  }, 60_000);
});

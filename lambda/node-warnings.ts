/**
 * The AWS SDK warns on every process start that its releases after January 2027 need Node.js 22.
 * The CLI and local runs support Node.js 20 today, so that one warning is dropped; others pass.
 */
export function silenceSdkNodeVersionWarning(): void {
  const emitWarning = process.emitWarning.bind(process) as (...a: unknown[]) => void;
  process.emitWarning = (warning: string | Error, ...rest: unknown[]) => {
    if (/NodeVersionSupportWarning|require node >=22/.test(`${String(warning)} ${JSON.stringify(rest)}`)) return;
    emitWarning(warning, ...rest);
  };
}

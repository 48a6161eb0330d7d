/**
 * What the CLI checks and says before and while it waits for AWS: the `--output` path and the
 * `--profile` name (before any call, so a typo never costs a scan), the endpoint a silent wait is
 * for, and what to check when a call failed before AWS answered. Reads the file system and the
 * environment it is given; makes no AWS call.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

/**
 * `--output`: a file that can be written, checked before any AWS call so that a scan is never
 * thrown away at the end for a typo in a folder name.
 */
export function outputProblem(file: string): string | undefined {
  const at = `--output: "${file}"`;
  const stat = (p: string) => fs.statSync(p, { throwIfNoEntry: false });
  if (stat(file)?.isDirectory()) return `${at} — is a folder; give a file name, e.g. ${path.join(file, 'report.json')}`;
  const folder = path.dirname(path.resolve(file));
  const folderStat = stat(folder);
  if (!folderStat) return `${at} — the folder ${folder} does not exist; create it first (mkdir -p ${folder}) or write elsewhere`;
  if (!folderStat.isDirectory()) return `${at} — ${folder} is not a folder`;
  try {
    fs.accessSync(stat(file) ? file : folder, fs.constants.W_OK);
  } catch {
    return `${at} — ${stat(file) ? 'the file' : `the folder ${folder}`} cannot be written (permission denied)`;
  }
  return undefined;
}

/** Where the SDK reads profiles from: AWS_CONFIG_FILE and AWS_SHARED_CREDENTIALS_FILE, by default under ~/.aws. */
export function profileFiles(env: NodeJS.ProcessEnv): { config: string; credentials: string } {
  const home = env.HOME || env.USERPROFILE || os.homedir();
  return {
    config: env.AWS_CONFIG_FILE || path.join(home, '.aws', 'config'),
    credentials: env.AWS_SHARED_CREDENTIALS_FILE || path.join(home, '.aws', 'credentials'),
  };
}

/**
 * `--profile`: a profile named in the shared config (`[profile NAME]`, `[default]`) or the
 * credentials file (`[NAME]`). Without this check the SDK says only "Could not load credentials
 * from any providers", which does not name the profile or where it was looked for.
 */
export function profileProblem(profile: string, env: NodeJS.ProcessEnv): string | undefined {
  const files = profileFiles(env);
  const sections = (file: string) => {
    try {
      return [...fs.readFileSync(file, 'utf8').matchAll(/^\s*\[\s*([^\]]+?)\s*\]/gm)].map((m) => (m[1] ?? '').replace(/\s+/g, ' '));
    } catch {
      return [];
    }
  };
  const inConfig = sections(files.config).some((name) => name === `profile ${profile}` || (profile === 'default' && name === 'default'));
  if (inConfig || sections(files.credentials).includes(profile)) return undefined;
  return (
    `--profile: "${profile}" — no such profile in ${files.config} or ${files.credentials} ` +
    '(profiles are read from AWS_CONFIG_FILE and AWS_SHARED_CREDENTIALS_FILE, by default ~/.aws/config and ~/.aws/credentials; `aws configure list-profiles` lists them)'
  );
}

/** Seconds without a finished Region before the progress line says what it waits for. */
export const WAITING_AFTER_S = 3;

/**
 * Until the first Region is done, a progress line that counts the seconds and names what they are
 * spent waiting for: an endpoint that never answers is not silence. `stop` ends it.
 */
export function waitingLine(show: (text: string) => void, endpoint: string, startedMs: number): { stop(): void } {
  const timer = setInterval(() => {
    const seconds = Math.round((Date.now() - startedMs) / 1000);
    if (seconds >= WAITING_AFTER_S) show(`\r\u001b[K${seconds} s: waiting for an answer from ${endpoint}…`);
  }, 1000);
  timer.unref();
  return { stop: () => clearInterval(timer) };
}

/** The endpoint the first calls go to: a per-service or general override, or AWS itself. */
export function endpointInUse(env: NodeJS.ProcessEnv, homeRegion: string): string {
  const override = env.AWS_ENDPOINT_URL_STS ?? env.AWS_ENDPOINT_URL;
  const proxy = env.HTTPS_PROXY || env.https_proxy;
  return `${override ?? `AWS in ${homeRegion}`}${proxy ? ` through the proxy ${redactUserInfo(proxy)}` : ''}`;
}

/** A URL without its user name and password (a proxy URL may carry them). */
export function redactUserInfo(url: string): string {
  return url.replace(/\/\/[^/@]*@/, '//');
}

/** What to check when a call failed before AWS answered, or AWS refused who we are. */
export function hintFor(name: string, message: string, env: NodeJS.ProcessEnv): string | undefined {
  const text = `${name} ${message}`;
  if (
    /credential|Region is missing|security token|ExpiredToken|UnrecognizedClient|InvalidClientTokenId|SignatureDoesNotMatch/i.test(text)
  ) {
    return 'Check your AWS credentials and Region (AWS_PROFILE or --profile, AWS_REGION); nothing was judged.';
  }
  if (
    /ECONNREFUSED|ENOTFOUND|EAI_AGAIN|ETIMEDOUT|ECONNRESET|EHOSTUNREACH|ENETUNREACH|socket hang up|TimeoutError|requestTimeout|certificate|CERT_/i.test(
      text,
    )
  ) {
    // Every endpoint override in effect (AWS_ENDPOINT_URL, AWS_ENDPOINT_URL_STS, ...) and the proxy, by value.
    const overrides = Object.keys(env)
      .filter((k) => /^AWS_ENDPOINT_URL(_[A-Z0-9_]+)?$/.test(k) && env[k])
      .sort()
      .map((k) => `${k} is set to ${env[k]}`);
    const proxyUrl = env.HTTPS_PROXY || env.https_proxy;
    // The connection was made, and the answer never came (the SDK's request timeout).
    const silent = /requestTimeout|socket timed out|Stream timed out/i.test(text);
    const endpoint = overrides.length
      ? `${overrides.join('; ')}: ${silent ? 'it accepted the connection but did not answer in time.' : 'is something listening there?'} `
      : '';
    const proxy = proxyUrl ? `HTTPS_PROXY is set to ${redactUserInfo(proxyUrl)}: is the proxy reachable and answering? ` : '';
    const what = silent ? 'did not answer in time' : 'could not be reached';
    return `The AWS endpoint ${what}. ${endpoint}${proxy}Check the network, a proxy (HTTPS_PROXY) and the endpoint (AWS_ENDPOINT_URL).`;
  }
  return undefined;
}

/**
 * One call to get an emulated AWS account: moto plus the AWS-behaviour proxy in front of it, and
 * the client settings and environment that point the SDK (or a child process) at the proxy.
 */
import { startAwsProxy, type AwsProxy, type AwsProxyOptions } from './aws-proxy';
import { ensureEmulator, startMoto, type EmulatorPaths, type MotoServer } from './emulator';

/** moto's account for any access key that is not itself an account id. */
export const EMULATED_ACCOUNT_ID = '123456789012';
export const EMULATED_CREDENTIALS = Object.freeze({ accessKeyId: 'test', secretAccessKey: 'test' });

export interface EmulatedAws {
  /** The proxy's endpoint: what the code under test talks to. */
  endpoint: string;
  accountId: string;
  moto: MotoServer;
  proxy: AwsProxy;
  paths: EmulatorPaths;
  /** SDK client configuration for one Region. */
  clientConfig(region: string): EmulatedClientConfig;
  /** Environment for a child process (CLI, invoke-local): endpoint, test credentials, Region. */
  env(region?: string): Record<string, string>;
  /** Empties the emulator and forgets the proxy's state (faults, overrides, calls, workflow). */
  reset(): Promise<void>;
  stop(): Promise<void>;
}

export interface EmulatedClientConfig {
  endpoint: string;
  region: string;
  credentials: { accessKeyId: string; secretAccessKey: string };
}

export function emulatedClientConfig(endpoint: string, region: string): EmulatedClientConfig {
  return { endpoint, region, credentials: { ...EMULATED_CREDENTIALS } };
}

/** Environment variables that make any AWS SDK (or the AWS CLI) use the emulator and nothing else. */
export function emulatedEnv(endpoint: string, region = 'us-east-1'): Record<string, string> {
  return {
    AWS_ENDPOINT_URL: endpoint,
    AWS_ACCESS_KEY_ID: EMULATED_CREDENTIALS.accessKeyId,
    AWS_SECRET_ACCESS_KEY: EMULATED_CREDENTIALS.secretAccessKey,
    AWS_REGION: region,
    AWS_DEFAULT_REGION: region,
    AWS_EC2_METADATA_DISABLED: 'true',
  };
}

export interface StartEmulatedAwsOptions extends Omit<AwsProxyOptions, 'target'> {
  log?: (line: string) => void;
  /**
   * A moto already running, emptied first; its owner stops it (`stop()` closes only the proxy).
   * Default: a moto of its own, stopped with the rest.
   */
  moto?: MotoServer;
}

export async function startEmulatedAws(options: StartEmulatedAwsOptions = {}): Promise<EmulatedAws> {
  const paths = await ensureEmulator({ log: options.log });
  const moto = options.moto ? borrowed(options.moto) : await startMoto({ paths });
  if (options.moto) await moto.reset();
  let proxy: AwsProxy;
  try {
    proxy = await startAwsProxy({ ...options, target: moto.endpoint });
  } catch (e) {
    await moto.stop();
    throw e;
  }
  const accountId = options.accountId ?? EMULATED_ACCOUNT_ID;
  return {
    endpoint: proxy.endpoint,
    accountId,
    moto,
    proxy,
    paths,
    clientConfig: (region) => emulatedClientConfig(proxy.endpoint, region),
    env: (region) => emulatedEnv(proxy.endpoint, region),
    reset: async () => {
      proxy.reset();
      await moto.reset();
    },
    stop: async () => {
      await proxy.close();
      await moto.stop();
    },
  };
}

/** A moto someone else stops: stopping the emulated account leaves it running. */
const borrowed = (moto: MotoServer): MotoServer => ({ ...moto, stop: () => Promise.resolve() });

/** The figures a bench process reports when its run failed: the error, and zeros for every measure. */
import type { ChildReport } from './child';
import type { SdkFloorReport } from './sdk-floor-child';

type Failure = { name: string; message: string };

export const failedChildReport = (error: Failure): ChildReport => ({
  ok: false,
  error,
  loadMs: 0,
  wallMs: 0,
  cpuUserMs: 0,
  cpuSystemMs: 0,
  processCpuMs: 0,
  maxRssKb: 0,
  heapUsedMb: 0,
});

export const failedSdkFloorReport = (error: Failure): SdkFloorReport => ({
  ok: false,
  error,
  wallMs: 0,
  cpuUserMs: 0,
  cpuSystemMs: 0,
  maxRssKb: 0,
  heapUsedMb: 0,
  imported: 0,
  importFailed: 0,
  phases: { listedMs: 0, importedMs: 0, publishedMs: 0, writtenMs: 0 },
});

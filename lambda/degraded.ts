import type { RunSummary } from './run-types';

/** True when the run left something undone that people must know about. */
export const isDegraded = (s: Pick<RunSummary, 'degraded' | 'alert'>): boolean =>
  s.degraded.length > 0 || (s.alert !== undefined && s.alert.error !== undefined);

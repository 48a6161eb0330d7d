/** What every CLI command shares: its exit statuses and the streams it writes to. */

/** Exit statuses (README "CLI"). */
export const EXIT = { OK: 0, FAILED: 1, USAGE: 2, DEGRADED: 3 } as const;

export interface Io {
  out: (text: string) => void;
  err: (text: string) => void;
  env: NodeJS.ProcessEnv;
  /** stdout is a terminal: colour the table (unless NO_COLOR or --no-color). */
  isTTY?: boolean;
  /** stderr is a terminal: show progress on it, rewriting one line. */
  progress?: (text: string) => void;
}

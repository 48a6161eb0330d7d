import pkg from '../../package.json';

/** The tool's name and version, as published (package.json). */
export const TOOL = { name: 'aurora-backtrack-checker', version: pkg.version } as const;

import type { Check } from './check.ts';

/** The Node.js major version gradebox needs (node:sqlite, styleText, type stripping). */
export const REQUIRED_NODE_MAJOR = 24;

/** Node.js is version 24 or later; `version` defaults to the running one. */
export function nodeVersionCheck(version: string = process.versions.node): Check {
  return {
    id: 'node',
    title: 'Node.js',
    run: async () => {
      const major = Number(version.split('.')[0]);
      if (major >= REQUIRED_NODE_MAJOR) return { status: 'pass', detail: version };
      return {
        status: 'fail',
        detail: `${version}; gradebox needs ${REQUIRED_NODE_MAJOR} or later`,
        fix: 'run gradebox through bin/gradebox.js or the gradebox that scripts/setup.sh puts on PATH (both use the Node.js 24 npm ci pins), or install Node.js 24',
      };
    },
  };
}

import { readFileSync } from 'node:fs';

let cached: string | undefined;

/**
 * gradebox's version, from our own package.json (one level up from both src/ and dist/):
 * npm_package_version would be the version of whichever package's npm script runs gradebox.
 */
export function gradeboxVersion(): string {
  cached ??= (JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version: string }).version;
  return cached;
}

import { readFileSync } from 'node:fs';
import { parseRunUser } from '../grader/run-user.ts';
import { nameProblem, type NameKind } from '../platform/names.ts';
import type { Protocol } from '../grader/protocol-names.ts';
import type { RunUser } from '../sandbox/sandbox.ts';
import { UsageError } from './usage-error.ts';

/** Parsers for commander options: each rejects a bad value with a message that names the option. */

export function positiveNumber(option: string, max = Infinity): (value: string) => number {
  return (value) => {
    const n = Number(value);
    if (value.trim() === '' || !Number.isFinite(n) || n <= 0) {
      throw new UsageError(`${option} takes a positive number, got "${value}"`);
    }
    if (n > max) throw new UsageError(`${option} takes a number no greater than ${max}, got "${value}"`);
    return n;
  };
}

export function positiveInteger(option: string): (value: string) => number {
  return (value) => {
    const n = Number(value);
    if (!/^\d+$/.test(value.trim()) || !Number.isSafeInteger(n) || n <= 0) {
      throw new UsageError(`${option} takes a whole number greater than 0, got "${value}"`);
    }
    return n;
  };
}

const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

/** `--env KEY=VALUE`, repeatable; later pairs win. */
export function envPair(value: string, previous: Record<string, string> = {}): Record<string, string> {
  const eq = value.indexOf('=');
  const key = eq < 0 ? value : value.slice(0, eq);
  if (eq < 0 || !ENV_NAME.test(key)) {
    throw new UsageError(`--env takes KEY=VALUE with KEY made of letters, digits and _, got "${value}"`);
  }
  return { ...previous, [key]: value.slice(eq + 1) };
}

/** `--env-json '{"KEY":"value"}'`: an object of string (or number/boolean, stringified) values. */
export function envJson(value: string): Record<string, string> {
  let parsed: unknown;
  try {
    parsed = JSON.parse(value);
  } catch (error) {
    throw new UsageError(`--env-json is not valid JSON: ${(error as Error).message}`);
  }
  if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) {
    throw new UsageError('--env-json takes a JSON object such as {"KEY": "value"}');
  }
  const env: Record<string, string> = {};
  for (const [key, v] of Object.entries(parsed)) {
    if (!ENV_NAME.test(key)) throw new UsageError(`--env-json key "${key}" is not a valid variable name`);
    if (typeof v !== 'string' && typeof v !== 'number' && typeof v !== 'boolean') {
      throw new UsageError(`--env-json value of "${key}" must be a string, number or boolean`);
    }
    env[key] = String(v);
  }
  return env;
}

export function oneOf<T extends string>(option: string, allowed: readonly T[]): (value: string) => T {
  return (value) => {
    if (!(allowed as readonly string[]).includes(value)) {
      throw new UsageError(`${option} takes one of ${allowed.join(', ')}, got "${value}"`);
    }
    return value as T;
  };
}

/** `--user root|UID[:GID]`: who the grader runs as inside the sandbox. */
export function runUser(value: string): RunUser {
  try {
    return parseRunUser(value);
  } catch (error) {
    throw new UsageError(`--user: ${(error as Error).message}`);
  }
}

/** The help text of every `--user` option, so the commands describe it alike. */
export const USER_OPTION_HELP = 'who the grader runs as inside the sandbox: root (its own user namespace, never host root) or UID[:GID] (default: root for gradescope graders, 1000 for coursera graders)';

/** A login, course or assignment id, checked as the server checks it: `what` names the argument or option. */
export function checkedName(kind: NameKind, what: string): (value: string) => string {
  return (value) => {
    const problem = nameProblem(kind, value);
    if (problem !== undefined) throw new UsageError(`${what}: ${problem}`);
    return value;
  };
}

/**
 * `--autograde-env JSON`: a JSON object given literally (it starts with `{`) or as a file, to
 * simulate CODIO_AUTOGRADE_ENV (merged over the defaults by the caller).
 */
export function autogradeEnvJson(value: string): Record<string, unknown> {
  let text = value;
  if (!value.trimStart().startsWith('{')) {
    try {
      text = readFileSync(value, 'utf8');
    } catch (error) {
      throw new UsageError(`--autograde-env takes a JSON object or a file holding one; cannot read ${value}: ${(error as NodeJS.ErrnoException).code ?? String(error)}`);
    }
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (error) {
    throw new UsageError(`--autograde-env is not valid JSON: ${(error as Error).message}`);
  }
  if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) {
    throw new UsageError('--autograde-env takes a JSON object such as {"assessments": {"info": [{"name": "Test 1", "points": 5, "answer": {"correct": true, "points": 5}}]}}');
  }
  return parsed as Record<string, unknown>;
}

/** Collects a repeatable option's values in order (`--script-arg A --script-arg B`). */
export function collect(value: string, previous: string[] | undefined): string[] {
  return [...(previous ?? []), value];
}

/**
 * The protocol the script options ask for: `--script` implies `--protocol script`, which needs it
 * when `requireScript` (grading and uploads; `inspect` runs a shell instead); `--script-arg` and
 * `--autograde-env` belong to script graders only.
 */
export function scriptProtocol(
  flags: { protocol?: Protocol; script?: string; scriptArg?: string[]; autogradeEnv?: unknown },
  requireScript: boolean,
): Protocol | undefined {
  const protocol = flags.protocol ?? (flags.script !== undefined ? 'script' : undefined);
  if (protocol === 'script' && requireScript && flags.script === undefined) {
    throw new UsageError('--protocol script needs --script PATH: the grading script in the image (e.g. .guides/secure/grade.py)');
  }
  if (protocol !== 'script' && (flags.script !== undefined || flags.scriptArg !== undefined || flags.autogradeEnv !== undefined)) {
    throw new UsageError(`--script, --script-arg and --autograde-env are for script graders, not ${protocol ?? 'an image whose protocol is detected'} ones`);
  }
  return protocol;
}

import type { Arg, Dockerfile, From, Instruction } from 'dockerfile-ast';

/** A FROM's image reference, with the build arguments it uses substituted as `docker build` does without --build-arg. */
export interface BaseReference {
  /** As written after FROM, e.g. `${BASE_REPO}:${TAG}`. */
  written: string;
  /**
   * With every variable replaced by its default (`gradescope/autograder-base:latest`); variables
   * without a value become empty, as in Docker. Undefined when a substitution cannot be judged
   * here (`${X#pattern}` and other forms, or a default that itself holds a variable).
   */
  resolved: string | undefined;
  /** Build arguments it uses that have no default: declared without a value, or never declared. */
  unset: string[];
  /** Build arguments whose defaults went in, with the line (1-based) of the ARG giving each. */
  defaults: { name: string; value: string; line: number }[];
}

/** Name, tag and digest of an image reference (`registry:5000/org/name:tag@sha256:…`). */
export interface ReferenceParts {
  name: string;
  tag: string | undefined;
  digest: string | undefined;
}

// BuildKit predefines these in the global scope, so FROM may use them undeclared.
const PLATFORM_ARGS = new Set(['BUILDPLATFORM', 'BUILDOS', 'BUILDARCH', 'BUILDVARIANT', 'TARGETPLATFORM', 'TARGETOS', 'TARGETARCH', 'TARGETVARIANT']);
// `$NAME`, `${NAME}`, `${NAME:-word}`, `${NAME-word}`, `${NAME:+word}`, `${NAME+word}`; any other `${…}` is caught below.
const VARIABLE = /\$(?:\{([A-Za-z_][A-Za-z0-9_]*)(?:(:?[-+])([^}$]*))?\}|([A-Za-z_][A-Za-z0-9_]*))/g;

/**
 * The base image a FROM names once its build arguments are substituted. Only the ARGs before the
 * first FROM count (the global scope), as in Docker; dockerfile-ast resolves them, quotes removed.
 */
export function baseReference(from: From, ast: Dockerfile, preamble: readonly Instruction[]): BaseReference | undefined {
  const written = from.getImage();
  if (written === null) return undefined;
  const line = from.getRange().start.line;
  const unset: string[] = [];
  const defaults: BaseReference['defaults'] = [];
  let judgeable = true;
  const resolved = written.replace(VARIABLE, (_match, braced: string | undefined, modifier: string | undefined, word: string | undefined, bare: string | undefined) => {
    const name = braced ?? bare ?? '';
    if (PLATFORM_ARGS.has(name)) return name.toLowerCase();
    const value = ast.resolveVariable(name, line);
    if (typeof value === 'string' && value.includes('$')) judgeable = false;
    const hasValue = typeof value === 'string' && (value !== '' || modifier?.startsWith(':') !== true);
    if (modifier?.endsWith('+')) return hasValue ? (word ?? '') : '';
    if (hasValue) {
      defaults.push({ name, value, line: argLine(name, preamble) });
      return value;
    }
    if (modifier?.endsWith('-')) return word ?? '';
    unset.push(name);
    return '';
  });
  if (resolved.includes('$')) judgeable = false;
  return { written, resolved: judgeable ? resolved : undefined, unset: [...new Set(unset)], defaults };
}

/** The 1-based line of the last global ARG declaring `name` (the one Docker uses). */
function argLine(name: string, preamble: readonly Instruction[]): number {
  const declaring = preamble.filter((i) => i.getKeyword() === 'ARG' && (i as Arg).getProperty()?.getName() === name).at(-1);
  return declaring === undefined ? 0 : declaring.getRange().start.line + 1;
}

/** Splits an image reference into name, tag and digest (a `:` before the last `/` is a registry port). */
export function referenceParts(reference: string): ReferenceParts {
  const at = reference.indexOf('@');
  const digest = at >= 0 ? reference.slice(at + 1) : undefined;
  const named = at >= 0 ? reference.slice(0, at) : reference;
  const colon = named.lastIndexOf(':');
  const tagged = colon > named.lastIndexOf('/');
  return { name: tagged ? named.slice(0, colon) : named, tag: tagged ? named.slice(colon + 1) : undefined, digest };
}

/** The Docker Hub name without registry and `library/` (`docker.io/library/ubuntu` is `ubuntu`), lower-cased. */
export function hubName(reference: string): string {
  return referenceParts(reference).name.toLowerCase()
    .replace(/^(docker\.io|index\.docker\.io|registry-1\.docker\.io)\//, '').replace(/^library\//, '');
}

import { posix } from 'node:path';
import type { PropertyInstruction } from 'dockerfile-ast';
import { copyOperands, lineOf, ofKind } from '../dockerfile-model.ts';
import type { LintRule } from '../finding.ts';

// Name words that mark a credential. KEY alone is too common (GPG_KEY in the python images is a
// public key fingerprint), so it only counts after API, PRIVATE, ACCESS, SECRET, AUTH or CLIENT.
const SECRET_WORDS = new Set(['PASSWORD', 'PASSWD', 'PASS', 'PASSPHRASE', 'SECRET', 'SECRETS', 'TOKEN', 'TOKENS', 'CREDENTIAL', 'CREDENTIALS', 'APIKEY']);
const KEY_QUALIFIERS = new Set(['API', 'PRIVATE', 'ACCESS', 'SECRET', 'AUTH', 'CLIENT']);
// DB_PASSWORD_FILE and friends name where a secret is mounted, not the secret.
const POINTER_WORDS = new Set(['FILE', 'PATH', 'DIR']);

/** Whether a variable name looks like it holds a credential (PASSWORD, API_KEY, githubToken, …). */
export function isSecretName(name: string): boolean {
  const words = name.split(/[^A-Za-z0-9]+|(?<=[a-z0-9])(?=[A-Z])/).filter(Boolean).map((w) => w.toUpperCase());
  if (words.length === 0 || POINTER_WORDS.has(words.at(-1) ?? '')) return false;
  return words.some((word, i) => SECRET_WORDS.has(word) || (word === 'KEY' && KEY_QUALIFIERS.has(words[i - 1] ?? '')));
}

/** GB060: a credential in ENV is stored in the image for anyone who has it (and shown to the grader's children). */
export const secretInEnv: LintRule = {
  id: 'GB060',
  severity: 'error',
  title: 'a secret-looking variable (PASSWORD, TOKEN, API_KEY, …) set by ENV',
  fix: 'pass secrets at build time with RUN --mount=type=secret, and never store them in the image',
  check: (file) => ofKind(file.finalImage, 'ENV').flatMap((env) => (env as PropertyInstruction).getProperties()
    .filter((p) => isSecretName(p.getName()) && (p.getValue() ?? '') !== '')
    // Never echo the value: lint output ends up in CI logs.
    .map((p) => ({ line: lineOf(p), message: `ENV ${p.getName()} looks like a secret: its value is stored in the image, readable by anyone who can pull it` }))),
};

/** GB061: a credential passed as a build argument ends up in build logs, caches and often the image history. */
export const secretInArg: LintRule = {
  id: 'GB061',
  severity: 'warning',
  title: 'a secret-looking build argument (ARG PASSWORD, ARG NPM_TOKEN, …)',
  fix: 'use RUN --mount=type=secret,id=NAME and docker build --secret id=NAME,src=FILE',
  check: (file) => ofKind(file.instructions, 'ARG').flatMap((arg) => (arg as PropertyInstruction).getProperties()
    .filter((p) => isSecretName(p.getName()))
    .map((p) => ({ line: lineOf(p), message: `ARG ${p.getName()} looks like a secret: build arguments show in build logs and caches, and in docker history when a RUN uses them` }))),
};

// Private key files by their usual names: ssh-keygen's defaults, GitHub's "deploy key", PEM files.
const KEY_FILE = /^(id_(rsa|dsa|ecdsa|ed25519)(_sk)?|[\w.-]*deploy[_-]?key[\w.-]*|[\w.-]+\.pem)$/i;

/** GB062: a private SSH key copied into the image, as Gradescope's deploy-key sample does for a `git pull` while grading. */
export const keyInImage: LintRule = {
  id: 'GB062',
  severity: 'warning',
  title: 'a private key (id_rsa, deploy_key, *.pem) copied into the image',
  fix: 'clone at build time with RUN --mount=type=ssh (docker build --ssh default) and keep keys out of the image',
  check: (file) => file.finalImage.filter((i) => i.getKeyword() === 'COPY' || i.getKeyword() === 'ADD').flatMap((instruction) => {
    const operands = copyOperands(instruction);
    if (operands === undefined) return [];
    const key = [...operands.sources, operands.destination].map((p) => posix.basename(p)).find((name) => KEY_FILE.test(name));
    return key === undefined ? [] : [{
      line: operands.line,
      message: `${instruction.getKeyword()} puts a private key (${key}) in the image, readable by anyone who has it; and graders have no network while grading, so it cannot serve a git pull or ssh then`,
    }];
  }),
};

/**
 * The fields of the graders page's upload form, read from the multipart body before the image and
 * checked with the Platform's own rules (protocol names, `runAs`, the script, the server's limit
 * ranges) before a byte of the image is stored: a bad value is a 400 naming the field, with
 * nothing kept. `createDraft` checks them all again; these checks only come earlier.
 */
import { isProtocol, PROTOCOL_NAMES, PROTOCOLS } from '../../../grader/protocol-names.ts';
import { InvalidInput } from '../../../platform/errors.ts';
import { resolveGraderLimits } from '../../../platform/grader-limits.ts';
import { checkedRunAs, checkedScript } from '../../../platform/graders.ts';
import type { GraderLimitRanges, GraderProtocol } from '../../../platform/model.ts';
import type { NewGraderVersion } from '../../../platform/platform.ts';

/** The form's text fields, by name, with the label the page shows for each. */
export const DRAFT_FIELD_LABELS = {
  protocol: 'Protocol',
  runAs: 'Run as',
  scriptPath: 'Script',
  scriptArgs: 'Script arguments',
  timeoutSeconds: 'Timeout (seconds)',
  memoryMiB: 'Memory (MiB)',
  cpus: 'CPUs',
} as const;

export type DraftFieldName = keyof typeof DRAFT_FIELD_LABELS;

const FIELD_NAMES = new Set<string>(['_csrf', ...Object.keys(DRAFT_FIELD_LABELS)]);

/** What the form adds to a draft besides its image. */
export type DraftSettings = Pick<NewGraderVersion, 'protocol' | 'runAs' | 'script' | 'cpus' | 'memoryMiB' | 'timeoutSeconds'>;

/** Collects one text field; unknown and repeated fields are refused (a form of ours sends neither). */
export function addField(fields: Map<string, string>, name: string, value: unknown): void {
  if (!FIELD_NAMES.has(name)) throw new InvalidInput(`the form has no field "${name.slice(0, 64)}"`);
  if (fields.has(name)) throw new InvalidInput(`the field "${name}" was sent twice`);
  fields.set(name, typeof value === 'string' ? value : '');
}

const NUMBER = /^[0-9]+(\.[0-9]+)?$/;

function numberField(fields: Map<string, string>, name: 'cpus' | 'memoryMiB' | 'timeoutSeconds'): number | undefined {
  const text = (fields.get(name) ?? '').trim();
  if (text === '') return undefined;
  if (!NUMBER.test(text)) {
    throw new InvalidInput(`${DRAFT_FIELD_LABELS[name]}: "${text.slice(0, 40)}" is not a number; leave it empty for the default`, { field: name });
  }
  return Number(text);
}

/** Prefixes a Platform check's message with the field's label, so the page names what to fix. */
function labelled<T>(check: () => T): T {
  try {
    return check();
  } catch (error) {
    if (error instanceof InvalidInput && typeof error.details?.field === 'string') {
      const field = error.details.field;
      const label = field in DRAFT_FIELD_LABELS ? DRAFT_FIELD_LABELS[field as DraftFieldName] : field.startsWith('script') ? DRAFT_FIELD_LABELS.scriptPath : field;
      throw new InvalidInput(`${label}: ${error.message}`, error.details);
    }
    throw error;
  }
}

/** The draft's settings from the form, checked; empty fields leave the server's defaults. */
export function draftSettings(fields: Map<string, string>, ranges: GraderLimitRanges): DraftSettings {
  const protocolText = (fields.get('protocol') ?? '').trim();
  if (protocolText !== '' && !isProtocol(protocolText)) {
    throw new InvalidInput(`${DRAFT_FIELD_LABELS.protocol}: must be one of ${PROTOCOL_NAMES.join(', ')}, or "detect from the image"`, { field: 'protocol' });
  }
  const protocol: GraderProtocol | null = protocolText === '' ? null : protocolText;
  const runAsText = (fields.get('runAs') ?? '').trim();
  const runAs = labelled(() => checkedRunAs(runAsText === '' ? null : runAsText));
  const path = (fields.get('scriptPath') ?? '').trim();
  // One argument per line; a trailing empty line (a textarea's habit) is no argument.
  const args = (fields.get('scriptArgs') ?? '').split('\n').map((line) => line.replace(/\r$/, ''));
  while (args.length > 0 && args[args.length - 1] === '') args.pop();
  if (path === '' && args.length > 0) throw new InvalidInput(`${DRAFT_FIELD_LABELS.scriptArgs}: arguments need a script`, { field: 'scriptArgs' });
  const script = labelled(() => checkedScript(protocol, path === '' ? null : { path, args }));
  const cpus = numberField(fields, 'cpus');
  const memoryMiB = numberField(fields, 'memoryMiB');
  const timeoutSeconds = numberField(fields, 'timeoutSeconds');
  const asked = { ...(cpus === undefined ? {} : { cpus }), ...(memoryMiB === undefined ? {} : { memoryMiB }), ...(timeoutSeconds === undefined ? {} : { timeoutSeconds }) };
  labelled(() => resolveGraderLimits(asked, ranges, protocol === null ? undefined : PROTOCOLS[protocol].defaultTimeoutSeconds));
  return { protocol, runAs, script, ...asked };
}

/**
 * The one registry of grader protocols: their names, what each is, and how an image is
 * recognised as one. The CLI's `--protocol` choices, the API schema, the stored grader versions'
 * check and detection all derive from it; the implementations are keyed by these names in
 * detect-protocol.ts, so adding a protocol here without one fails the typecheck.
 */
/** Gradescope's entry point; its presence makes an image a Gradescope grader. */
export const RUN_AUTOGRADER = '/autograder/run_autograder';

export const PROTOCOL_NAMES = ['coursera', 'gradescope', 'script'] as const;

export type Protocol = (typeof PROTOCOL_NAMES)[number];

export interface ProtocolDescription {
  /** One line for help texts. */
  summary: string;
  /** A path whose presence in the image selects this protocol when none is given. */
  detectedBy?: string;
  /** The wall-clock limit when none is set, where the original platform has its own (Codio: 3 minutes). */
  defaultTimeoutSeconds?: number;
}

export const PROTOCOLS: Readonly<Record<Protocol, ProtocolDescription>> = Object.freeze({
  coursera: { summary: 'Coursera: ENTRYPOINT/CMD, /shared/submission, /shared/feedback.json (the default)' },
  gradescope: { summary: 'Gradescope: /autograder/run_autograder, results.json', detectedBy: RUN_AUTOGRADER },
  script: { summary: 'Codio: a script in the image, /home/codio/workspace, CODIO_AUTOGRADE_ENV, send_grade', defaultTimeoutSeconds: 180 },
});

/** The protocol of an image that matches no `detectedBy`. */
export const DEFAULT_PROTOCOL: Protocol = 'coursera';

export function isProtocol(value: unknown): value is Protocol {
  return typeof value === 'string' && (PROTOCOL_NAMES as readonly string[]).includes(value);
}

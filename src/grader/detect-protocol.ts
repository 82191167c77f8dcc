import type { Protocol } from './grade-result.ts';
import type { GraderProtocol } from './protocol.ts';
import { coursera } from './protocols/coursera.ts';
import { gradescope, RUN_AUTOGRADER } from './protocols/gradescope.ts';

/** Tells whether a path exists in the image's root filesystem (any backend can supply one). */
export type ImagePathExists = (path: string) => Promise<boolean>;

const PROTOCOLS: Record<Protocol, GraderProtocol> = { coursera, gradescope };

export function protocolByName(name: Protocol): GraderProtocol {
  return PROTOCOLS[name];
}

/** `gradescope` when the image has `/autograder/run_autograder`, else `coursera` (the default for images). */
export async function detectProtocol(exists: ImagePathExists): Promise<Protocol> {
  return (await exists(RUN_AUTOGRADER)) ? 'gradescope' : 'coursera';
}

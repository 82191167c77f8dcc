import { DEFAULT_PROTOCOL, PROTOCOL_NAMES, PROTOCOLS, type Protocol } from './protocol-names.ts';
import type { GraderProtocol } from './protocol.ts';
import { coursera } from './protocols/coursera.ts';
import { gradescope } from './protocols/gradescope.ts';
import { script } from './protocols/script.ts';

/** Tells whether a path exists in the image's root filesystem (any backend can supply one). */
export type ImagePathExists = (path: string) => Promise<boolean>;

/** Every name of the registry (protocol-names.ts) has its implementation here. */
const IMPLEMENTATIONS: Record<Protocol, GraderProtocol> = { coursera, gradescope, script };

export function protocolByName(name: Protocol): GraderProtocol {
  return IMPLEMENTATIONS[name];
}

/**
 * The first protocol of the registry whose `detectedBy` path the image has (`gradescope` for
 * `/autograder/run_autograder`), else the default, `coursera`. A `script` grader is never
 * detected: its script path is set on the grader version, which names the protocol too.
 */
export async function detectProtocol(exists: ImagePathExists): Promise<Protocol> {
  for (const name of PROTOCOL_NAMES) {
    const marker = PROTOCOLS[name].detectedBy;
    if (marker !== undefined && (await exists(marker))) return name;
  }
  return DEFAULT_PROTOCOL;
}

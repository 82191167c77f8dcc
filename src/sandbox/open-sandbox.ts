import { OciSandbox } from './oci/oci-sandbox.ts';
import type { Sandbox } from './sandbox.ts';

/** Backends a user can pick with `--backend`. `auto` chooses the best one that works here. */
export const SANDBOX_BACKENDS = ['auto', 'oci'] as const;
export type SandboxBackend = (typeof SANDBOX_BACKENDS)[number];

/**
 * The one place that knows the concrete backends (the rest of gradebox sees only `Sandbox`).
 * `stateDir` holds run scratch areas and runtime state.
 */
export function openSandbox(backend: SandboxBackend, stateDir: string): Sandbox {
  switch (backend) {
    case 'auto':
    case 'oci':
      return new OciSandbox({ stateDir, runtime: 'auto' });
  }
}

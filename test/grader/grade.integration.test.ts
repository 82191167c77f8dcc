/**
 * Real graders in the real `oci` sandbox (the cases live in grade.cases.ts, shared with the docker
 * backend's grade.docker.test.ts). Skips where that cannot run: not root.
 */
import { join } from 'node:path';
import { OciSandbox } from '../../src/sandbox/oci/oci-sandbox.ts';
import { runIdPrefix } from '../../src/sandbox/oci/run-id.ts';
import { snapshotLeftovers } from '../support/leftovers.ts';
import { defineGradeCases } from './grade.cases.ts';

defineGradeCases({
  name: 'oci',
  unavailable: process.getuid?.() === 0 ? undefined : 'the oci backend needs root',
  setup: async (work) => {
    const stateDir = join(work, 'sandbox');
    const scope = { stateDir, idPrefix: runIdPrefix(stateDir), stateSubdirs: ['runc', 'crun', 'runs', 'trial'] };
    return { sandbox: new OciSandbox({ stateDir }), leftovers: () => snapshotLeftovers(scope) };
  },
});

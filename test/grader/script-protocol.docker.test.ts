/** The `script` protocol's cases (script-protocol.cases.ts) on the `docker` backend. */
import { dockerBackend } from './script-backends.ts';
import { defineScriptCases } from './script-protocol.cases.ts';

defineScriptCases(await dockerBackend());

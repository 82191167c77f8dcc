/** The `script` protocol's cases (script-protocol.cases.ts) on the `oci` backend. */
import { ociBackend } from './script-backends.ts';
import { defineScriptCases } from './script-protocol.cases.ts';

defineScriptCases(ociBackend);

// A supervisor that dies mid-run: oci.test.ts starts this, waits for the container, then SIGKILLs it.
import { resolveLimits } from '../../src/sandbox/limits.ts';
import { OciSandbox } from '../../src/sandbox/oci/oci-sandbox.ts';
import type { RuntimeName } from '../../src/sandbox/oci/runtime.ts';

const [stateDir = '', rootfs = '', runtime = 'auto'] = process.argv.slice(2);
await new OciSandbox({ stateDir, runtime: runtime as RuntimeName | 'auto' }).run({
  image: { id: 'busybox-test', rootfs },
  argv: ['/bin/sh', '-c', 'echo started > /shared/started; setsid sleep 600 & sleep 600'],
  env: {},
  cwd: '/',
  user: { uid: 1000, gid: 1000 },
  volumes: [{ target: '/shared', readOnly: false, owner: 'user' }],
  files: [],
  outputs: [],
  outputFileCapBytes: 1024,
  limits: resolveLimits({ timeoutSeconds: 600, memoryMiB: 64 }),
  network: false,
  keep: false,
});

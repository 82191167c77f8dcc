// A supervisor that dies mid-run: oci.test.ts and docker.test.ts start this, wait for the
// container, then SIGKILL it. Arguments: oci STATE_DIR ROOTFS RUNTIME, or docker STATE_DIR ROOTFS IMAGE_ID.
import { DockerSandbox } from '../../src/sandbox/docker/docker-sandbox.ts';
import { resolveLimits } from '../../src/sandbox/limits.ts';
import { OciSandbox } from '../../src/sandbox/oci/oci-sandbox.ts';
import type { RuntimeName } from '../../src/sandbox/oci/runtime.ts';

const [backend, stateDir = '', rootfs = '', extra = ''] = process.argv.slice(2);
const sandbox = backend === 'docker' ? new DockerSandbox({ stateDir }) : new OciSandbox({ stateDir, runtime: (extra || 'auto') as RuntimeName | 'auto' });
await sandbox.run({
  image: { id: backend === 'docker' ? extra : 'busybox-test', rootfs },
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

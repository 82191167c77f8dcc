// An interactive run on this process's terminal: interactive.test.ts starts it in tmux.
// Arguments: backend (`oci/<runtime>` or `docker`), state dir, image id, image root, then the program's argv.
import { DockerSandbox } from '../../src/sandbox/docker/docker-sandbox.ts';
import { resolveLimits } from '../../src/sandbox/limits.ts';
import { OciSandbox } from '../../src/sandbox/oci/oci-sandbox.ts';
import type { RuntimeName } from '../../src/sandbox/oci/runtime.ts';
import type { Sandbox } from '../../src/sandbox/sandbox.ts';

const [backend = 'oci/auto', stateDir = '', id = '', rootfs = '', ...argv] = process.argv.slice(2);
const sandbox: Sandbox = backend === 'docker'
  ? new DockerSandbox({ stateDir })
  : new OciSandbox({ stateDir, runtime: backend.replace(/^oci\//, '') as RuntimeName | 'auto' });
const outcome = await sandbox.runInteractive!({
  image: { id, rootfs },
  argv,
  env: { TERM: 'xterm' },
  cwd: '/',
  user: { uid: 1000, gid: 1000 },
  volumes: [],
  files: [],
  limits: resolveLimits({ timeoutSeconds: 60, memoryMiB: 64 }),
  network: false,
  keep: false,
}, { terminal: true });
process.exitCode = outcome.exitCode ?? 99;

// An interactive run on this process's terminal: interactive.test.ts starts it in tmux.
// Arguments: state dir, image root, runtime, then the program's argv.
import { resolveLimits } from '../../src/sandbox/limits.ts';
import { OciSandbox } from '../../src/sandbox/oci/oci-sandbox.ts';
import type { RuntimeName } from '../../src/sandbox/oci/runtime.ts';

const [stateDir = '', rootfs = '', runtime = 'auto', ...argv] = process.argv.slice(2);
const outcome = await new OciSandbox({ stateDir, runtime: runtime as RuntimeName | 'auto' }).runInteractive({
  image: { id: 'busybox-test', rootfs },
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

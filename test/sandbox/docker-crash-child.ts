// A supervisor that dies mid-run: docker.test.ts starts this, waits for the containers, then SIGKILLs it.
import { resolveLimits } from '../../src/sandbox/limits.ts';
import { DockerSandbox } from '../../src/sandbox/docker/docker-sandbox.ts';

const [stateDir = '', id = '', rootfs = ''] = process.argv.slice(2);
await new DockerSandbox({ stateDir }).run({
  image: { id, rootfs },
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

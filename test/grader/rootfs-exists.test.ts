import { mkdir, mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { detectProtocol } from '../../src/grader/detect-protocol.ts';
import { rootfsExists } from '../../src/grader/rootfs-exists.ts';

let base: string;
let root: string;
beforeAll(async () => {
  base = await mkdtemp(join(tmpdir(), 'gradebox-rootfs-'));
  root = join(base, 'root');
  // Outside the root, where a host-side lookup would wrongly land.
  await mkdir(join(base, 'outside', 'autograder'), { recursive: true });
  await writeFile(join(base, 'outside', 'autograder', 'run_autograder'), '');
  await mkdir(join(root, 'opt', 'ag'), { recursive: true });
  await writeFile(join(root, 'opt', 'ag', 'run_autograder'), '#!/bin/sh\n');
  await mkdir(join(root, 'etc'));
  await writeFile(join(root, 'etc', 'passwd'), '');
});
afterAll(async () => {
  await rm(base, { recursive: true, force: true });
});

describe('rootfsExists', () => {
  it('finds plain paths', async () => {
    const exists = rootfsExists(root);
    expect(await exists('/etc/passwd')).toBe(true);
    expect(await exists('/etc/shadow')).toBe(false);
    expect(await exists('/etc/passwd/x')).toBe(false);
    expect(await exists('/')).toBe(true);
  });

  it('resolves absolute links inside the root, never on the host', async () => {
    await symlink('/opt/ag', join(root, 'autograder'));
    try {
      expect(await rootfsExists(root)('/autograder/run_autograder')).toBe(true);
      expect(await detectProtocol(rootfsExists(root))).toBe('gradescope');
    } finally {
      await rm(join(root, 'autograder'));
    }
    expect(await detectProtocol(rootfsExists(root))).toBe('coursera');
  });

  it('keeps .. and relative links inside the root', async () => {
    await symlink('../../../../outside/autograder', join(root, 'autograder'));
    try {
      expect(await rootfsExists(root)('/autograder/run_autograder')).toBe(false);
      expect(await rootfsExists(root)('/../../outside/autograder')).toBe(false);
    } finally {
      await rm(join(root, 'autograder'));
    }
  });

  it('gives up on link loops', async () => {
    await symlink('/loop', join(root, 'loop'));
    expect(await rootfsExists(root)('/loop/x')).toBe(false);
  });

  it('treats a dangling link as missing', async () => {
    await symlink('/nowhere', join(root, 'dangling'));
    expect(await rootfsExists(root)('/dangling')).toBe(false);
  });
});

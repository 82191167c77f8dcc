import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { CgroupLayout } from '../../src/sandbox/oci/cgroups.ts';
import { readMounts } from '../../src/sandbox/oci/mountinfo.ts';
import { OciSandbox } from '../../src/sandbox/oci/oci-sandbox.ts';
import { RuntimeVerdictCache } from '../../src/sandbox/oci/runtime-verdict-cache.ts';
import { findProgram } from '../../src/util/find-program.ts';

const stateDir = mkdtempSync(join(tmpdir(), 'gradebox-verdict-'));
afterAll(() => rmSync(stateDir, { recursive: true, force: true }));

describe('runtime verdict cache', () => {
  it.runIf(process.getuid?.() === 0 && findProgram('runc') !== undefined)('does not reuse a verdict saved by an older gradebox', async () => {
    // The key an older gradebox computed (no format tag, no seccomp program), with its verdict.
    const cache = new RuntimeVerdictCache<object>(stateDir);
    const oldKey = await cache.key(['runc'], [findProgram('runc')], new CgroupLayout(await readMounts()));
    await cache.set(oldKey, { name: 'runc', path: '/old/runc', cgroupNamespace: true });

    const runtime = await new OciSandbox({ stateDir, runtime: 'runc' }).runtime();
    expect(runtime.path).not.toBe('/old/runc');
    expect(runtime).toMatchObject({ name: 'runc', keep: expect.any(Boolean) as unknown, seccomp: expect.any(String) as unknown });
  });

  it('keys verdicts by everything given', async () => {
    const layout = new CgroupLayout(await readMounts());
    const cache = new RuntimeVerdictCache<object>(stateDir);
    const key = await cache.key(['a', 'b'], ['/bin/sh'], layout);
    expect(await cache.key(['a', 'b'], ['/bin/sh'], layout)).toBe(key);
    expect(await cache.key(['a', 'c'], ['/bin/sh'], layout)).not.toBe(key);
    expect(await cache.key(['a', 'b'], ['/bin/ls'], layout)).not.toBe(key);
  });
});

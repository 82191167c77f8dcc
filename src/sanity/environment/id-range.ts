import { readFile } from 'node:fs/promises';
import { sandboxIdRange, type IdRange } from '../../sandbox/id-range.ts';
import type { Check } from './check.ts';

/** Lines of an /etc/passwd, /etc/group or /etc/sub[ug]id style file, split on `:`; none when unreadable. */
async function entries(path: string): Promise<string[][]> {
  const text = await readFile(path, 'utf8').catch(() => '');
  return text.split('\n').filter((line) => line.trim() !== '' && !line.startsWith('#')).map((line) => line.split(':'));
}

const overlaps = (range: IdRange, first: number, count: number): boolean => first < range.base + range.size && range.base < first + count;

/**
 * The host ids gradebox's runs map to (docs/sandbox.md, "Users and ids") belong to no account or
 * group of this host, and to no other user's subordinate id range: otherwise that account would
 * share ids with every grader. Also that user namespaces may be created at all.
 */
export function idRangeCheck(files = { passwd: '/etc/passwd', group: '/etc/group', subuid: '/etc/subuid', subgid: '/etc/subgid' }): Check {
  return {
    id: 'id-range',
    title: 'id range',
    run: async () => {
      let range: IdRange;
      try {
        range = sandboxIdRange();
      } catch (error) {
        return { status: 'fail', detail: (error as Error).message, fix: 'unset GRADEBOX_ID_BASE or give it a valid value' };
      }
      const span = `${range.base}…${range.base + range.size - 1}`;
      const max = Number((await readFile('/proc/sys/user/max_user_namespaces', 'utf8').catch(() => '1')).trim());
      if (max === 0) {
        return { status: 'fail', detail: 'user namespaces are disabled (user.max_user_namespaces is 0)', fix: 'sysctl -w user.max_user_namespaces=15000' };
      }
      const clashes: string[] = [];
      for (const [kind, path] of [['user', files.passwd], ['group', files.group]] as const) {
        for (const fields of await entries(path)) {
          const id = Number(fields[2]);
          if (Number.isInteger(id) && overlaps(range, id, 1)) clashes.push(`${kind} ${fields[0] ?? '?'} (${id})`);
        }
      }
      for (const [kind, path] of [['subuid', files.subuid], ['subgid', files.subgid]] as const) {
        for (const fields of await entries(path)) {
          const [first, count] = [Number(fields[1]), Number(fields[2])];
          if (Number.isInteger(first) && Number.isInteger(count) && overlaps(range, first, count)) clashes.push(`${kind} range of ${fields[0] ?? '?'} (${first}+${count})`);
        }
      }
      if (clashes.length > 0) {
        return {
          status: 'fail',
          detail: `runs use host ids ${span}, which ${clashes.join(', ')} also ${clashes.length > 1 ? 'use' : 'uses'}`,
          fix: 'set GRADEBOX_ID_BASE to a free multiple of 65536 (docs/sandbox.md, "Users and ids")',
        };
      }
      return { status: 'pass', detail: `runs use host ids ${span}, which no account, group or subordinate range of this host uses` };
    },
  };
}

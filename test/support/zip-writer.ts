// A tiny zip writer for tests: every header field can be set, so hostile archives (lying sizes,
// symlink attributes, encryption flags, `..` names, bombs) are built exactly as an attacker would.
import { crc32, deflateRawSync } from 'node:zlib';

export interface ZipEntrySpec {
  /** Stored as given (UTF-8), backslashes and all. */
  name: string;
  data?: Buffer | string;
  /** Default `deflate` for files, `store` for folders (names ending in `/`). */
  method?: 'store' | 'deflate';
  /** Unix st_mode, written to the high 16 bits of the external attributes; default none (0). */
  mode?: number;
  /** Sets the traditional-encryption flag (the data is prefixed with 12 junk bytes to stay consistent). */
  encrypted?: boolean;
  /** Overrides the declared uncompressed size (a lie yauzl should catch). */
  declaredSize?: number;
}

/** Builds a zip archive in memory: local headers and data, central directory, end record. */
export function buildZip(entries: ZipEntrySpec[]): Buffer {
  const locals: Buffer[] = [];
  const centrals: Buffer[] = [];
  let offset = 0;
  for (const entry of entries) {
    const name = Buffer.from(entry.name, 'utf8');
    const raw = Buffer.from(entry.data ?? '');
    const method = entry.method ?? (entry.name.endsWith('/') ? 'store' : 'deflate');
    let body = method === 'deflate' ? deflateRawSync(raw) : raw;
    if (entry.encrypted) body = Buffer.concat([Buffer.alloc(12, 0x5a), body]);
    const flags = 0x800 | (entry.encrypted ? 0x1 : 0);
    const methodCode = method === 'deflate' ? 8 : 0;
    const crc = crc32(raw);
    const size = entry.declaredSize ?? raw.length;

    const local = Buffer.alloc(30);
    local.writeUInt32LE(0x04034b50, 0);
    local.writeUInt16LE(20, 4);
    local.writeUInt16LE(flags, 6);
    local.writeUInt16LE(methodCode, 8);
    local.writeUInt16LE(0, 10); // time
    local.writeUInt16LE(0x21, 12); // date: 1980-01-01
    local.writeUInt32LE(crc, 14);
    local.writeUInt32LE(body.length, 18);
    local.writeUInt32LE(size, 22);
    local.writeUInt16LE(name.length, 26);
    local.writeUInt16LE(0, 28);
    locals.push(local, name, body);

    const central = Buffer.alloc(46);
    central.writeUInt32LE(0x02014b50, 0);
    central.writeUInt16LE((3 << 8) | 20, 4); // made by Unix
    central.writeUInt16LE(20, 6);
    central.writeUInt16LE(flags, 8);
    central.writeUInt16LE(methodCode, 10);
    central.writeUInt16LE(0, 12);
    central.writeUInt16LE(0x21, 14);
    central.writeUInt32LE(crc, 16);
    central.writeUInt32LE(body.length, 20);
    central.writeUInt32LE(size, 24);
    central.writeUInt16LE(name.length, 28);
    central.writeUInt16LE(0, 30);
    central.writeUInt16LE(0, 32);
    central.writeUInt16LE(0, 34);
    central.writeUInt16LE(0, 36);
    central.writeUInt32LE(((entry.mode ?? 0) << 16) >>> 0, 38);
    central.writeUInt32LE(offset, 42);
    centrals.push(central, name);
    offset += local.length + name.length + body.length;
  }
  const directory = Buffer.concat(centrals);
  const end = Buffer.alloc(22);
  end.writeUInt32LE(0x06054b50, 0);
  end.writeUInt16LE(entries.length, 8);
  end.writeUInt16LE(entries.length, 10);
  end.writeUInt32LE(directory.length, 12);
  end.writeUInt32LE(offset, 16);
  return Buffer.concat([...locals, directory, end]);
}

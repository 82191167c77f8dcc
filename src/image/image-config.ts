import { isDigest } from './digest.ts';
import { ImageError, type ImageConfig } from './image.ts';

/** What we use from an image config blob. */
export interface ParsedConfig {
  config: ImageConfig;
  /** Digests of the uncompressed layers, bottom up (`rootfs.diff_ids`). */
  diffIds: string[];
}

/**
 * Reads an OCI / Docker image config. Missing or null fields become empty (`[]`, `''`, `{}`),
 * as Docker treats them; fields of the wrong type are refused, naming the field.
 */
export function parseImageConfig(raw: unknown, what: string): ParsedConfig {
  if (typeof raw !== 'object' || raw === null) throw new ImageError(`${what}: the image config is not a JSON object`);
  const doc = raw as { config?: unknown; rootfs?: { diff_ids?: unknown } };
  const c = (doc.config ?? {}) as Record<string, unknown>;
  const diffIds = doc.rootfs?.diff_ids ?? [];
  if (!Array.isArray(diffIds) || !diffIds.every(isDigest)) {
    throw new ImageError(`${what}: rootfs.diff_ids in the image config must be a list of sha256 digests`);
  }
  return {
    config: {
      entrypoint: strings(c.Entrypoint, 'Entrypoint', what),
      cmd: strings(c.Cmd, 'Cmd', what),
      env: strings(c.Env, 'Env', what),
      workingDir: text(c.WorkingDir, 'WorkingDir', what),
      user: text(c.User, 'User', what),
      labels: labels(c.Labels, what),
    },
    diffIds,
  };
}

function strings(value: unknown, field: string, what: string): string[] {
  if (value === undefined || value === null) return [];
  if (Array.isArray(value) && value.every((v) => typeof v === 'string')) return value;
  throw new ImageError(`${what}: config.${field} must be a list of strings`);
}

function text(value: unknown, field: string, what: string): string {
  if (value === undefined || value === null) return '';
  if (typeof value === 'string') return value;
  throw new ImageError(`${what}: config.${field} must be a string`);
}

function labels(value: unknown, what: string): Record<string, string> {
  if (value === undefined || value === null) return {};
  if (typeof value === 'object' && !Array.isArray(value) && Object.values(value).every((v) => typeof v === 'string')) {
    return { ...(value as Record<string, string>) };
  }
  throw new ImageError(`${what}: config.Labels must map strings to strings`);
}

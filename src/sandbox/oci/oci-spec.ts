import type { SeccompProfile } from '../seccomp.ts';

/** The subset of the OCI runtime-spec 1.0.2 `config.json` that gradebox writes. */
export interface OciConfig {
  ociVersion: string;
  process: OciProcess;
  root: { path: string; readonly: boolean };
  hostname: string;
  mounts: OciMount[];
  linux: OciLinux;
  annotations?: Record<string, string>;
  hooks?: { createRuntime?: OciHook[] };
}

export interface OciHook {
  path: string;
  args?: string[];
  timeout?: number;
}

export interface OciProcess {
  terminal: boolean;
  user: { uid: number; gid: number; additionalGids: number[] };
  args: string[];
  env: string[];
  cwd: string;
  capabilities: { bounding: string[]; effective: string[]; inheritable: string[]; permitted: string[]; ambient: string[] };
  rlimits: { type: string; hard: number; soft: number }[];
  noNewPrivileges: boolean;
}

export interface OciMount {
  destination: string;
  type: string;
  source: string;
  options: string[];
}

export interface OciIdMapping {
  containerID: number;
  hostID: number;
  size: number;
}

export interface OciLinux {
  namespaces: { type: string }[];
  uidMappings?: OciIdMapping[];
  gidMappings?: OciIdMapping[];
  cgroupsPath: string;
  resources: {
    devices: { allow: boolean; access: string }[];
    memory?: { limit: number; swap?: number };
    cpu: { quota: number; period: number };
    pids: { limit: number };
  };
  seccomp?: SeccompProfile;
  maskedPaths: string[];
  readonlyPaths: string[];
}

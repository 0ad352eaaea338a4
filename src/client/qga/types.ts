/**
 * The QEMU guest agent's argument and result types, with the member names used on the
 * wire (QEMU's qga/qapi-schema.json). Optional members are those the schema marks
 * optional; `uint64` members are JavaScript numbers (exact up to 2^53).
 */

/** One request as sent on the wire. */
export interface QgaRequest {
  readonly execute: string;
  readonly arguments?: Readonly<Record<string, unknown>>;
  readonly id?: unknown;
}

/** One reply as received: exactly one of `return` or `error`. */
export interface QgaReply {
  readonly return?: unknown;
  readonly error?: { readonly class: string; readonly desc: string };
  readonly id?: unknown;
}

export interface GuestAgentCommandInfo {
  name: string;
  enabled: boolean;
  'success-response': boolean;
}

export interface GuestAgentInfo {
  version: string;
  supported_commands: GuestAgentCommandInfo[];
}

export type GuestShutdownMode = 'powerdown' | 'halt' | 'reboot';

export interface GuestFileRead {
  /** Bytes read, before base64 encoding. */
  count: number;
  'buf-b64': string;
  eof: boolean;
}

export interface GuestFileWrite {
  count: number;
  eof: boolean;
}

export interface GuestFileSeek {
  position: number;
  eof: boolean;
}

/** Symbolic seek origins; the numbers 0, 1, 2 are accepted too. */
export type QgaSeek = 'set' | 'cur' | 'end';

export type GuestFsfreezeStatus = 'thawed' | 'frozen';

export interface GuestFilesystemTrimResult {
  path: string;
  trimmed?: number;
  minimum?: number;
  error?: string;
}

export interface GuestFilesystemTrimResponse {
  paths: GuestFilesystemTrimResult[];
}

export type GuestIpAddressType = 'ipv4' | 'ipv6';

export interface GuestIpAddress {
  'ip-address': string;
  'ip-address-type': GuestIpAddressType;
  prefix: number;
}

export interface GuestNetworkInterfaceStat {
  'rx-bytes': number;
  'rx-packets': number;
  'rx-errs': number;
  'rx-dropped': number;
  'tx-bytes': number;
  'tx-packets': number;
  'tx-errs': number;
  'tx-dropped': number;
}

export interface GuestNetworkInterface {
  name: string;
  'hardware-address'?: string;
  'ip-addresses'?: GuestIpAddress[];
  statistics?: GuestNetworkInterfaceStat;
}

export interface GuestLogicalProcessor {
  'logical-id': number;
  online: boolean;
  /** Filled in by the agent on output, ignored on input. */
  'can-offline'?: boolean;
}

export type GuestDiskBusType =
  | 'ide'
  | 'fdc'
  | 'scsi'
  | 'virtio'
  | 'xen'
  | 'usb'
  | 'uml'
  | 'sata'
  | 'sd'
  | 'unknown'
  | 'ieee1394'
  | 'ssa'
  | 'fibre'
  | 'raid'
  | 'iscsi'
  | 'sas'
  | 'mmc'
  | 'virtual'
  | 'file-backed-virtual'
  | 'nvme';

export interface GuestPCIAddress {
  domain: number;
  bus: number;
  slot: number;
  function: number;
}

export interface GuestCCWAddress {
  cssid: number;
  ssid: number;
  subchno: number;
  devno: number;
}

export interface GuestDiskAddress {
  'pci-controller': GuestPCIAddress;
  'bus-type': GuestDiskBusType;
  bus: number;
  target: number;
  unit: number;
  serial?: string;
  dev?: string;
  'ccw-address'?: GuestCCWAddress;
}

/** NVMe SMART health log fields (all numbers); see the NVMe specification, log 02h. */
export type GuestNVMeSmart = Record<string, number>;

export type GuestDiskSmart = { type: GuestDiskBusType } & Partial<GuestNVMeSmart>;

export interface GuestDiskInfo {
  name: string;
  partition: boolean;
  dependencies?: string[];
  address?: GuestDiskAddress;
  alias?: string;
  smart?: GuestDiskSmart;
}

export interface GuestFilesystemInfo {
  name: string;
  mountpoint: string;
  type: string;
  'used-bytes'?: number;
  'total-bytes'?: number;
  /** Since QEMU 9.1. */
  'total-bytes-privileged'?: number;
  disk: GuestDiskAddress[];
}

export interface GuestMemoryBlock {
  'phys-index': number;
  online: boolean;
  'can-offline'?: boolean;
}

export type GuestMemoryBlockResponseType = 'success' | 'not-found' | 'operation-not-supported' | 'operation-failed';

export interface GuestMemoryBlockResponse {
  'phys-index': number;
  response: GuestMemoryBlockResponseType;
  'error-code'?: number;
}

export interface GuestMemoryBlockInfo {
  size: number;
}

export interface GuestExec {
  pid: number;
}

/** `capture-output`: a flag (all agents), or a mode (QEMU 8.0 and later). */
export type GuestExecCaptureOutput = boolean | 'none' | 'stdout' | 'stderr' | 'separated' | 'merged';

export interface GuestExecArguments {
  path: string;
  arg?: string[];
  env?: string[];
  /** base64 */
  'input-data'?: string;
  'capture-output'?: GuestExecCaptureOutput;
}

export interface GuestExecStatus {
  exited: boolean;
  exitcode?: number;
  signal?: number;
  'out-data'?: string;
  'err-data'?: string;
  'out-truncated'?: boolean;
  'err-truncated'?: boolean;
}

export interface GuestHostName {
  'host-name': string;
}

export interface GuestUser {
  user: string;
  /** Seconds since the epoch, fractional. */
  'login-time': number;
  domain?: string;
}

export interface GuestTimezone {
  zone?: string;
  /** Seconds east of UTC. */
  offset: number;
}

export interface GuestOSInfo {
  'kernel-release'?: string;
  'kernel-version'?: string;
  machine?: string;
  id?: string;
  name?: string;
  'pretty-name'?: string;
  version?: string;
  'version-id'?: string;
  variant?: string;
  'variant-id'?: string;
}

export interface GuestDeviceInfo {
  'driver-name': string;
  'driver-date'?: number;
  'driver-version'?: string;
  id?: { type: 'pci'; 'vendor-id': number; 'device-id': number };
}

export interface GuestAuthorizedKeys {
  keys: string[];
}

export interface GuestDiskStats {
  'read-sectors'?: number;
  'read-ios'?: number;
  'read-merges'?: number;
  'write-sectors'?: number;
  'write-ios'?: number;
  'write-merges'?: number;
  'discard-sectors'?: number;
  'discard-ios'?: number;
  'discard-merges'?: number;
  'flush-ios'?: number;
  'read-ticks'?: number;
  'write-ticks'?: number;
  'discard-ticks'?: number;
  'flush-ticks'?: number;
  'ios-pgr'?: number;
  'total-ticks'?: number;
  'weight-ticks'?: number;
}

export interface GuestDiskStatsInfo {
  name: string;
  major: number;
  minor: number;
  stats: GuestDiskStats;
}

/** Per-CPU times in milliseconds (a union on `type`; Linux is the only type). */
export interface GuestLinuxCpuStats {
  type: 'linux';
  cpu: number;
  user: number;
  nice: number;
  system: number;
  idle: number;
  iowait?: number;
  irq?: number;
  softirq?: number;
  steal?: number;
  guest?: number;
  guestnice?: number;
}

export type GuestCpuStats = GuestLinuxCpuStats;

/** Since QEMU 10.0. */
export interface GuestLoadAverage {
  load1m: number;
  load5m: number;
  load15m: number;
}

/** Since QEMU 9.1. */
export interface GuestNetworkRoute {
  iface: string;
  destination: string;
  metric: number;
  gateway?: string;
  mask?: string;
  irtt?: number;
  flags?: number;
  refcnt?: number;
  use?: number;
  window?: number;
  mtu?: number;
  desprefixlen?: string;
  source?: string;
  srcprefixlen?: string;
  nexthop?: string;
  version: number;
}

/**
 * Where each pipeline stage runs — on this device or on the translation server — and why, on four
 * axes: privacy, cost shape, maintenance and capability. Pure: every input is passed in.
 */

export type Placement = 'device' | 'server';
export type PlacementMode = 'device-only' | 'prefer-device' | 'prefer-server' | 'server-translation-only';
export const DEFAULT_PLACEMENT_MODE: PlacementMode = 'prefer-server';

export interface StageNeeds {
  stage: string;
  /** Audio input is raw speech: such a stage is never placed on the server. */
  input: 'audio' | 'text';
  /** Other sensitive input (e.g. a transcript the user marked private). */
  sensitive: boolean;
  /** Bytes of the model this stage would download to run on the device. */
  deviceModelBytes: number;
  /** Whether the device model is already stored on the device. */
  deviceModelCached: boolean;
  /** Whether the server offers this stage at all. */
  serverOffers: boolean;
  /** Rough memory the device model needs while running. */
  deviceMemoryNeededBytes: number;
}

export interface DeviceState {
  webgpu: boolean;
  /** navigator.deviceMemory in GiB (Chromium caps it at 8); undefined where the browser hides it. */
  deviceMemoryGiB?: number;
  hardwareConcurrency: number;
  batterySaver: boolean;
  storageAvailableBytes?: number;
  online: boolean;
}

export interface ServerState {
  reachable: boolean;
  ready: boolean;
  /** Recent round-trip latency of translation requests. */
  latencyMs?: number;
  /** Epoch ms until which a 429's Retry-After asks us to stay away. */
  retryAfterUntil?: number;
  /** It answered 401: translating there needs an API key this page does not have. */
  authRequired?: boolean;
}

export interface Reasons {
  privacy: string;
  cost: string;
  maintenance: string;
  capability: string;
}

export interface StageDecision {
  stage: string;
  placement: Placement;
  reasons: Reasons;
}

export interface PolicyInput {
  mode: PlacementMode;
  stages: StageNeeds[];
  device: DeviceState;
  server: ServerState;
  now: number;
  /** Latency above which the server counts as too slow. */
  maxServerLatencyMs?: number;
}

const DEFAULT_MAX_SERVER_LATENCY_MS = 3_000;
const FALLBACK_PREFIX = 'falls back to this device: ';
const GiB = 1024 ** 3;

/** Why the server cannot take work right now, or undefined when it can. */
export function serverUnavailableReason(device: DeviceState, server: ServerState, now: number, maxLatencyMs = DEFAULT_MAX_SERVER_LATENCY_MS): string | undefined {
  if (!device.online) return 'the device is offline';
  if (!server.reachable) return 'the server cannot be reached';
  if (server.authRequired) return 'the server requires an API key';
  if (!server.ready) return 'the server is not ready';
  if (server.retryAfterUntil !== undefined && now < server.retryAfterUntil) {
    return `the server is overloaded (retry in ${Math.ceil((server.retryAfterUntil - now) / 1000)} s)`;
  }
  if (server.latencyMs !== undefined && server.latencyMs > maxLatencyMs) return `the server is slow (${Math.round(server.latencyMs)} ms)`;
  return undefined;
}

/** Why the device cannot run the stage's model, or undefined when it can. */
export function deviceIncapableReason(stage: StageNeeds, device: DeviceState): string | undefined {
  if (device.deviceMemoryGiB !== undefined && device.deviceMemoryGiB * GiB < stage.deviceMemoryNeededBytes) {
    return `the model needs about ${(stage.deviceMemoryNeededBytes / GiB).toFixed(1)} GiB of memory; this device reports ${device.deviceMemoryGiB} GiB`;
  }
  if (!stage.deviceModelCached) {
    if (!device.online) return 'the model is not on this device and the device is offline';
    if (device.storageAvailableBytes !== undefined && device.storageAvailableBytes < stage.deviceModelBytes) {
      return `the model (${(stage.deviceModelBytes / 1e6).toFixed(0)} MB) does not fit in the storage left (${(device.storageAvailableBytes / 1e6).toFixed(0)} MB)`;
    }
  }
  return undefined;
}

function onDevice(stage: StageNeeds, device: DeviceState, privacy: string, why: string): StageDecision {
  const incapable = deviceIncapableReason(stage, device);
  return {
    stage: stage.stage,
    placement: 'device',
    reasons: {
      privacy,
      cost: device.batterySaver ? 'runs on this device although battery saver is on' : 'no server compute is billed; uses this device’s battery and CPU/GPU',
      maintenance: stage.deviceModelCached ? 'model already stored on this device' : `model downloaded once (${(stage.deviceModelBytes / 1e6).toFixed(0)} MB) and kept on this device`,
      capability: incapable ? `${why}; may be slow or fail: ${incapable}` : `${why}; runs with ${device.webgpu ? 'WebGPU' : 'WebAssembly'}`,
    },
  };
}

function onServer(stage: StageNeeds, why: string): StageDecision {
  return {
    stage: stage.stage,
    placement: 'server',
    reasons: {
      privacy: 'only text is sent (kilobytes); no audio leaves the device',
      cost: 'server compute, shared and billed per compute-second; saves this device’s battery',
      maintenance: 'the server keeps the large model warm and up to date; nothing to download',
      capability: why,
    },
  };
}

function decide(stage: StageNeeds, input: PolicyInput): StageDecision {
  const { mode, device, server, now } = input;
  if (stage.input === 'audio') return onDevice(stage, device, 'raw audio never leaves the device', 'speech is always recognised here');
  if (mode === 'device-only') return onDevice(stage, device, 'On device only: nothing is sent', 'the chosen mode keeps every stage here');
  if (stage.sensitive) return onDevice(stage, device, 'the input is marked sensitive, so it stays here', 'sensitive input is processed here');
  if (!stage.serverOffers) return onDevice(stage, device, 'nothing is sent', 'the server does not offer this stage');

  const serverProblem = serverUnavailableReason(device, server, now, input.maxServerLatencyMs);
  const deviceProblem = deviceIncapableReason(stage, device);
  if (mode === 'prefer-device') {
    // A preference, not a rule: it yields when the device cannot run the model or is saving battery.
    if (!deviceProblem && (!device.batterySaver || serverProblem)) return onDevice(stage, device, 'Prefer device: nothing is sent', 'this device can run the model');
    if (!serverProblem) return onServer(stage, `the server runs it because ${deviceProblem ?? 'battery saver is on'}`);
  }
  if (serverProblem) return onDevice(stage, device, 'nothing is sent while the server is unavailable', `${FALLBACK_PREFIX}${serverProblem}`);
  return onServer(stage, 'the server runs the large model, with better quality than the small on-device one');
}

/** Why a stage fell back to this device from the server ("the server cannot be reached"), or undefined when it did not. */
export function fallbackReason(reasons: Reasons): string | undefined {
  if (!reasons.capability.startsWith(FALLBACK_PREFIX)) return undefined;
  // onDevice() appends "; runs with …" to the reason.
  return reasons.capability.slice(FALLBACK_PREFIX.length).split('; ')[0];
}

export function placeStages(input: PolicyInput): StageDecision[] {
  return input.stages.map((stage) => decide(stage, input));
}

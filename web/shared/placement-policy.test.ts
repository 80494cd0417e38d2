import { describe, expect, it } from 'vitest';
import { placeStages, serverUnavailableReason, type DeviceState, type PlacementMode, type PolicyInput, type ServerState, type StageNeeds } from './placement-policy.ts';

const asr: StageNeeds = { stage: 'asr', input: 'audio', sensitive: false, deviceModelBytes: 80e6, deviceModelCached: true, serverOffers: false, deviceMemoryNeededBytes: 300e6 };
const translation: StageNeeds = { stage: 'translation', input: 'text', sensitive: false, deviceModelBytes: 100e6, deviceModelCached: true, serverOffers: true, deviceMemoryNeededBytes: 400e6 };
const device: DeviceState = { webgpu: true, deviceMemoryGiB: 8, hardwareConcurrency: 8, batterySaver: false, storageAvailableBytes: 10e9, online: true };
const healthy: ServerState = { reachable: true, ready: true, latencyMs: 120 };
const NOW = 1_000_000;

function place(mode: PlacementMode, overrides: { device?: Partial<DeviceState>; server?: Partial<ServerState>; translation?: Partial<StageNeeds> } = {}) {
  const input: PolicyInput = {
    mode,
    stages: [asr, { ...translation, ...overrides.translation }],
    device: { ...device, ...overrides.device },
    server: { ...healthy, ...overrides.server },
    now: NOW,
  };
  const [asrDecision, translationDecision] = placeStages(input);
  return { asr: asrDecision!, translation: translationDecision! };
}

const modes: PlacementMode[] = ['device-only', 'prefer-device', 'prefer-server', 'server-translation-only'];

describe('placeStages', () => {
  it.each(modes)('never places audio on the server (%s)', (mode) => {
    const { asr: decision } = place(mode, { translation: { serverOffers: true } });
    expect(decision.placement).toBe('device');
    expect(decision.reasons.privacy).toMatch(/raw audio never leaves/);
  });

  it.each([
    // mode, situation, expected placement of translation
    ['prefer-server', {}, 'server'],
    ['server-translation-only', {}, 'server'],
    ['prefer-device', {}, 'device'],
    ['device-only', {}, 'device'],
    ['prefer-server', { server: { reachable: false } }, 'device'],
    ['prefer-server', { server: { ready: false } }, 'device'],
    ['prefer-server', { server: { latencyMs: 9_000 } }, 'device'],
    ['prefer-server', { server: { retryAfterUntil: NOW + 5_000 } }, 'device'],
    ['prefer-server', { server: { retryAfterUntil: NOW - 1 } }, 'server'],
    ['prefer-server', { device: { online: false } }, 'device'],
    ['server-translation-only', { server: { reachable: false } }, 'device'],
    ['device-only', { device: { deviceMemoryGiB: 0.25 } }, 'device'],
    ['prefer-device', { device: { deviceMemoryGiB: 0.25 } }, 'server'],
    ['prefer-device', { device: { batterySaver: true } }, 'server'],
    ['prefer-device', { device: { batterySaver: true }, server: { reachable: false } }, 'device'],
    ['prefer-device', { translation: { deviceModelCached: false }, device: { storageAvailableBytes: 1e6 } }, 'server'],
    ['prefer-server', { translation: { sensitive: true } }, 'device'],
    ['prefer-server', { translation: { serverOffers: false } }, 'device'],
  ] as const)('%s with %j puts translation on the %s', (mode, situation, expected) => {
    expect(place(mode, situation).translation.placement).toBe(expected);
  });

  it('gives a reason on each of the four axes', () => {
    for (const mode of modes) {
      const { translation: decision } = place(mode);
      for (const reason of Object.values(decision.reasons)) expect(reason.length).toBeGreaterThan(5);
    }
  });

  it('says why it fell back', () => {
    expect(place('prefer-server', { server: { retryAfterUntil: NOW + 4_200 } }).translation.reasons.capability).toMatch(/overloaded \(retry in 5 s\)/);
    expect(place('prefer-server', { device: { online: false } }).translation.reasons.capability).toMatch(/offline/);
    expect(place('prefer-device', { device: { deviceMemoryGiB: 0.25 } }).translation.reasons.capability).toMatch(/memory/);
  });

  it('warns when a device-only stage cannot really run here', () => {
    const { translation: decision } = place('device-only', { translation: { deviceModelCached: false }, device: { online: false } });
    expect(decision.placement).toBe('device');
    expect(decision.reasons.capability).toMatch(/not on this device and the device is offline/);
  });
});

describe('serverUnavailableReason', () => {
  it('is undefined for a healthy server', () => {
    expect(serverUnavailableReason(device, healthy, NOW)).toBeUndefined();
  });
  it('honours a custom latency limit', () => {
    expect(serverUnavailableReason(device, { ...healthy, latencyMs: 500 }, NOW, 400)).toMatch(/slow \(500 ms\)/);
  });
});

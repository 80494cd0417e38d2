import { deviceCapabilities } from '../browser/device-capabilities.ts';
import type { DeviceState } from '../shared/placement-policy.ts';
import { hasHardwareWebgpu } from '../shared/variant-choice.ts';

/** The device's side of the placement decision, read when needed; onChange reports connectivity and battery changes. */
export interface DeviceStateSource {
  read(): Promise<DeviceState>;
  /** Returns the unsubscribe function. */
  onChange(listener: () => void): () => void;
}

interface Battery extends EventTarget {
  charging: boolean;
  level: number;
}

/** Navigator fields that only some browsers have. */
interface OptionalNavigator {
  deviceMemory?: number;
  getBattery?: () => Promise<Battery>;
}

/** Below this charge, unplugged, counts as saving battery: the web has no signal for the OS's battery saver itself. */
const LOW_BATTERY = 0.2;

export function browserDeviceState(nav: Navigator = navigator, target: EventTarget = window): DeviceStateSource {
  const optional = nav as Navigator & OptionalNavigator;
  const webgpu = deviceCapabilities(nav).then(hasHardwareWebgpu, () => false);
  const battery = optional.getBattery ? optional.getBattery.call(nav).catch(() => undefined) : Promise.resolve(undefined);
  return {
    async read() {
      const [hasWebgpu, charge, storage] = await Promise.all([webgpu, battery, nav.storage?.estimate().catch(() => undefined)]);
      const free = storage?.quota !== undefined ? storage.quota - (storage.usage ?? 0) : undefined;
      return {
        webgpu: hasWebgpu,
        ...(optional.deviceMemory === undefined ? {} : { deviceMemoryGiB: optional.deviceMemory }),
        hardwareConcurrency: nav.hardwareConcurrency,
        batterySaver: charge !== undefined && !charge.charging && charge.level <= LOW_BATTERY,
        ...(free === undefined ? {} : { storageAvailableBytes: free }),
        online: nav.onLine,
      };
    },
    onChange(listener) {
      const events = ['online', 'offline'];
      for (const type of events) target.addEventListener(type, listener);
      void battery.then((b) => {
        b?.addEventListener('chargingchange', listener);
        b?.addEventListener('levelchange', listener);
      });
      return () => {
        for (const type of events) target.removeEventListener(type, listener);
        void battery.then((b) => {
          b?.removeEventListener('chargingchange', listener);
          b?.removeEventListener('levelchange', listener);
        });
      };
    },
  };
}

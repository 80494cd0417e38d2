import * as Comlink from 'comlink';

/**
 * For tests in Node: a stand-in for a Web Worker that serves `api` over the real comlink protocol
 * through a MessageChannel. terminate() closes the channel, as terminating a worker would.
 */
export class FakeWorker {
  terminated = false;
  private readonly port: MessagePort;

  constructor(api: object) {
    const channel = new MessageChannel();
    this.port = channel.port1;
    Comlink.expose(api, channel.port2);
  }

  /** Starts fake workers for a bridge and keeps them, so tests can look at each one. */
  static factory(api: (index: number) => object): { createWorker: () => Worker; workers: FakeWorker[] } {
    const workers: FakeWorker[] = [];
    const createWorker = () => {
      const worker = new FakeWorker(api(workers.length));
      workers.push(worker);
      return worker as unknown as Worker;
    };
    return { createWorker, workers };
  }

  postMessage(message: unknown, transfer: Transferable[]) {
    this.port.postMessage(message, transfer);
  }

  addEventListener(type: string, listener: EventListener) {
    this.port.addEventListener(type, listener);
    this.port.start();
  }

  removeEventListener(type: string, listener: EventListener) {
    this.port.removeEventListener(type, listener);
  }

  terminate() {
    this.terminated = true;
    this.port.close();
  }
}

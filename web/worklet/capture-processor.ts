// Runs on the audio rendering thread: collects the microphone input (downmixed to mono) and
// posts it to the main thread in batches, since posting every 128-sample render quantum
// would flood the message queue.

const BATCH_SAMPLES = 4096;

class CaptureProcessor extends AudioWorkletProcessor {
  private batch = new Float32Array(BATCH_SAMPLES);
  private filled = 0;

  process(inputs: Float32Array[][]): boolean {
    const channels = inputs[0] ?? [];
    const first = channels[0];
    if (!first) return true; // no input connected yet
    const scale = 1 / channels.length;
    for (let i = 0; i < first.length; i++) {
      let sum = 0;
      for (const channel of channels) sum += channel[i]!;
      this.batch[this.filled++] = sum * scale;
      if (this.filled === BATCH_SAMPLES) {
        this.port.postMessage(this.batch, [this.batch.buffer]);
        this.batch = new Float32Array(BATCH_SAMPLES);
        this.filled = 0;
      }
    }
    return true;
  }
}

registerProcessor('capture-processor', CaptureProcessor);

export {}; // a module, so the names above stay out of the global scope

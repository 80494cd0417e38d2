/** The rate all audio is resampled to before recognition, and the one Whisper's features are defined at. */
export const SAMPLE_RATE = 16_000;

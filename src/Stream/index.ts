/**
 * `polaroid/Stream`: sources as Effect Streams of record batches (Frames) and sinks as Effect Sinks.
 * See `docs/streaming.md`.
 * @since 0.1.0
 */
export * from "./Stream.ts"

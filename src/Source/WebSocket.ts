/**
 * Placeholder: filled by the WebSocket source work.
 * @since 0.2.0
 */
export {}

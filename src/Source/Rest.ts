/**
 * Placeholder: filled by the Rest source work.
 * @since 0.2.0
 */
export {}

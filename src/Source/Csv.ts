/**
 * CSV reading and writing. STUB.
 * @since 0.1.0
 */
export {}

/**
 * Placeholder: filled by the Sql source work.
 * @since 0.2.0
 */
export {}

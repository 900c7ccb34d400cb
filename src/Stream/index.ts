/**
 * `polaroid/Stream`: record-batch streams (to come with the streaming issue).
 * @since 0.1.0
 */
export {}

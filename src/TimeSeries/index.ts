/**
 * `polaroid/TimeSeries`: dynamic windows, rolling, as-of joins (to come with the time-series issue).
 * @since 0.1.0
 */
export {}

/**
 * `polaroid/TimeSeries`: dynamic windows (groupByDynamic, resample, OHLCV, upsample), rolling windows by count and by
 * duration, shift/diff/fills/interpolation, EWM, as-of and window joins, and stationarity tests.
 * @since 0.1.0
 */
export * from "./Ewm.ts"
export * from "./GroupByDynamic.ts"
export * from "./JoinAsof.ts"
export * from "./Rolling.ts"
export * from "./Series.ts"
export * from "./Stationarity.ts"

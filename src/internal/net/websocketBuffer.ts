/**
 * The bounded row buffer between a WebSocket source's socket reader (the producer fiber) and the stream's
 * consumer, with the overflow strategies and the waits of micro-batching. Plain synchronous bookkeeping; the only
 * Effects are the two waits (`awaitRows`, `awaitSpace`), taken once per batch / per full buffer, never per row.
 * @internal
 */
import * as Effect from "effect/Effect"
import type { Overflow, WebSocketError } from "./websocketModel.ts"

/** What `offer` did with a chunk of rows. */
export interface OfferResult {
  /** Rows taken from the front of the chunk (the rest must be offered again, after `awaitSpace`). */
  readonly accepted: number
  /** Rows dropped (buffered ones for dropOldest, incoming ones for dropNewest). */
  readonly dropped: number
  /** `overflow: "fail"` and the chunk did not fit (nothing was taken). */
  readonly overflow: boolean
}

const NO_DROP: OfferResult = { accepted: 0, dropped: 0, overflow: false }

export class RowBuffer<A> {
  readonly capacity: number
  readonly strategy: Overflow
  readonly batchRows: number
  /** A batch is due when its oldest row has waited this long (checked on each push, besides the consumer's timer). */
  readonly maxDelayMs: number
  /** Rows buffered now. */
  count = 0
  /** Set when the producer ended normally (after its last offer). */
  done = false
  /** Set when the producer failed; delivered after the buffered rows. */
  failure: WebSocketError | undefined = undefined
  /** Set while the producer waits for space (heartbeats do not count it as silence). */
  producerBlocked = false

  private chunks: Array<ReadonlyArray<A>> = []
  private times: Array<number> = []
  private first = 0
  private offset = 0
  private consumer: { readonly wake: () => void; readonly onAny: boolean } | undefined = undefined
  private producer: (() => void) | undefined = undefined

  constructor(capacity: number, strategy: Overflow, batchRows: number, maxDelayMs: number) {
    this.capacity = capacity
    this.strategy = strategy
    this.batchRows = batchRows
    this.maxDelayMs = maxDelayMs
  }

  /** Arrival time (performance.now ms) of the oldest buffered row (meaningful when `count > 0`). */
  oldestTime(): number {
    return this.times[this.first] ?? 0
  }

  /** Adds rows `from..rows.length` of a decoded chunk, following the overflow strategy. */
  offer(rows: ReadonlyArray<A>, from: number, now: number): OfferResult {
    const n = rows.length - from
    if (n <= 0) return NO_DROP
    const free = this.capacity - this.count
    if (n <= free) {
      this.push(rows, from, rows.length, now)
      return { accepted: n, dropped: 0, overflow: false }
    }
    switch (this.strategy) {
      case "backpressure": {
        if (free > 0) this.push(rows, from, from + free, now)
        return { accepted: free, dropped: 0, overflow: false }
      }
      case "dropNewest": {
        if (free > 0) this.push(rows, from, from + free, now)
        return { accepted: n, dropped: n - free, overflow: false }
      }
      case "dropOldest": {
        if (n >= this.capacity) {
          const dropped = this.count + (n - this.capacity)
          this.dropHead(this.count)
          this.push(rows, rows.length - this.capacity, rows.length, now)
          return { accepted: n, dropped, overflow: false }
        }
        const dropped = n - free
        this.dropHead(dropped)
        this.push(rows, from, rows.length, now)
        return { accepted: n, dropped, overflow: false }
      }
      case "fail":
        return { accepted: 0, dropped: 0, overflow: true }
    }
  }

  /** Removes and returns up to `max` rows from the front. */
  take(max: number): Array<A> {
    const k = Math.min(max, this.count)
    const out = new Array<A>(k)
    let j = 0
    while (j < k) {
      const chunk = this.chunks[this.first]!
      const m = Math.min(chunk.length - this.offset, k - j)
      for (let i = 0; i < m; i++) out[j++] = chunk[this.offset + i]!
      this.offset += m
      if (this.offset === chunk.length) this.advanceChunk()
    }
    this.count -= k
    if (this.producer !== undefined && this.count < this.capacity) {
      const wake = this.producer
      this.producer = undefined
      wake()
    }
    return out
  }

  /** Marks the producer finished (normally, or with `failure`) and wakes both sides. */
  finish(failure: WebSocketError | undefined): void {
    if (this.done || this.failure !== undefined) return
    if (failure === undefined) this.done = true
    else this.failure = failure
    this.wakeConsumer()
    if (this.producer !== undefined) {
      const wake = this.producer
      this.producer = undefined
      wake()
    }
  }

  /** Waits until a row arrives (`onAny`) or the buffer holds `batchRows` rows, or the producer finished. */
  awaitRows(onAny: boolean): Effect.Effect<void> {
    return Effect.callback<void>((resume) => {
      if (this.done || this.failure !== undefined || this.count >= this.batchRows || (onAny && this.count > 0)) {
        resume(Effect.void)
        return
      }
      const entry = { wake: () => resume(Effect.void), onAny }
      this.consumer = entry
      return Effect.sync(() => {
        if (this.consumer === entry) this.consumer = undefined
      })
    })
  }

  /** Waits until the buffer has room (or the consumer side finished). */
  awaitSpace(): Effect.Effect<void> {
    return Effect.callback<void>((resume) => {
      if (this.count < this.capacity || this.done || this.failure !== undefined) {
        resume(Effect.void)
        return
      }
      const wake = () => resume(Effect.void)
      this.producer = wake
      this.producerBlocked = true
      return Effect.sync(() => {
        if (this.producer === wake) this.producer = undefined
        this.producerBlocked = false
      })
    }).pipe(
      Effect.ensuring(
        Effect.sync(() => {
          this.producerBlocked = false
        })
      )
    )
  }

  private push(rows: ReadonlyArray<A>, from: number, to: number, now: number): void {
    this.chunks.push(from === 0 && to === rows.length ? rows : rows.slice(from, to))
    this.times.push(now)
    this.count += to - from
    this.wakeConsumer(now)
  }

  private wakeConsumer(now = 0): void {
    const c = this.consumer
    if (c === undefined) return
    if (
      this.done ||
      this.failure !== undefined ||
      this.count >= this.batchRows ||
      (this.count > 0 && (c.onAny || now - this.oldestTime() >= this.maxDelayMs))
    ) {
      this.consumer = undefined
      c.wake()
    }
  }

  private dropHead(k: number): void {
    let left = k
    while (left > 0) {
      const chunk = this.chunks[this.first]!
      const m = Math.min(chunk.length - this.offset, left)
      this.offset += m
      left -= m
      if (this.offset === chunk.length) this.advanceChunk()
    }
    this.count -= k
  }

  private advanceChunk(): void {
    this.first++
    this.offset = 0
    if (this.first === this.chunks.length) {
      this.chunks = []
      this.times = []
      this.first = 0
    } else if (this.first >= 1024 && this.first * 2 >= this.chunks.length) {
      this.chunks = this.chunks.slice(this.first)
      this.times = this.times.slice(this.first)
      this.first = 0
    }
  }
}

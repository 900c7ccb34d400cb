/**
 * `polaroid/Testing`: generators of random frames for users' property tests with fast-check (an optional peer
 * dependency). The Effect `Arbitrary` generators, which need nothing beyond `effect`, are `Arbitrary` in
 * `polaroid/Frame`.
 * @since 0.1.0
 */
export * as FastCheck from "./FastCheck.ts"

// The service's clock. In AWS it is the system clock; the local runtime's test clock
// (POST /_local/clock) moves `offsetSeconds` so expiry can be tried by hand.

export const clock = {
  offsetSeconds: 0,
  /** Milliseconds since the epoch. */
  nowMs(): number {
    return Date.now() + clock.offsetSeconds * 1000;
  },
  /** Seconds since the epoch, the unit of stored expiry times. */
  nowSeconds(): number {
    return Math.floor(clock.nowMs() / 1000);
  },
  iso(): string {
    return new Date(clock.nowMs()).toISOString();
  },
};

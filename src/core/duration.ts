/**
 * Durations are plain numbers of milliseconds, so they cost nothing on the record path. The helpers
 * give them Flink's spelling: `Duration.ofSeconds(5)`, `Time.minutes(1)`, or `seconds(5)`.
 */
export type Duration = number;

export const milliseconds = (n: number): Duration => n;
export const seconds = (n: number): Duration => n * 1000;
export const minutes = (n: number): Duration => n * 60_000;
export const hours = (n: number): Duration => n * 3_600_000;
export const days = (n: number): Duration => n * 86_400_000;

export const Duration = {
  ofMillis: milliseconds,
  ofSeconds: seconds,
  ofMinutes: minutes,
  ofHours: hours,
  ofDays: days,
  ZERO: 0 as Duration,
} as const;

/** Flink's legacy `Time` helper, kept for familiarity: `Time.minutes(1)` is 60 000 ms. */
export const Time = {
  milliseconds,
  seconds,
  minutes,
  hours,
  days,
} as const;

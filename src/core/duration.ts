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

/**
 * A duration as Flink's options write one, in milliseconds: a number (ms), or a number and a unit
 * (`ms`, `s`, `min`, `h`, `d`, also spelt out: `500 millis`, `30 seconds`, `10 minutes`, `1 hour`,
 * `2 days`). Undefined for any other text.
 *
 * @example
 * parseDuration('10 min'); // 600000
 * parseDuration('1500');   // 1500
 * parseDuration('soon');   // undefined
 */
export function parseDuration(text: string): Duration | undefined {
  const m =
    /^\s*(\d+(?:\.\d+)?)\s*(ms|milli|millis|millisecond|milliseconds|s|sec|secs|second|seconds|min|mins|minute|minutes|h|hour|hours|d|day|days)?\s*$/i.exec(
      text,
    );
  if (m === null) return undefined;
  const unit = (m[2] ?? 'ms').toLowerCase();
  const scale =
    unit.startsWith('ms') || unit.startsWith('milli')
      ? 1
      : unit.startsWith('s')
        ? 1_000
        : unit.startsWith('min')
          ? 60_000
          : unit.startsWith('h')
            ? 3_600_000
            : 86_400_000;
  return Math.round(Number(m[1]) * scale);
}

/** Receives the records a function emits. */
export interface Collector<T> {
  collect(value: T): void;
}

/**
 * A side output: a second, typed stream a function can emit to. Tags are compared by id, so create
 * each tag once and share it between the function and `getSideOutput(tag)`.
 */
export class OutputTag<T> {
  readonly id: string;
  declare readonly __type?: T;

  constructor(id: string) {
    this.id = id;
  }

  toString(): string {
    return `OutputTag(${this.id})`;
  }
}

/** Keys are primitives, so they hash fast and serve as Map keys without building strings per record. */
export type Key = string | number | bigint | boolean;

/** Extracts the key of a record. It must be deterministic: the same record always gives the same key. */
export type KeySelector<T, K extends Key = Key> = (value: T) => K;

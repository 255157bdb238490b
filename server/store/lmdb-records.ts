/**
 * On-disk record shapes of the LMDB store. A message value is the text
 * `<time>:<data JSON>`: replay reads it with one slice, no JSON parse.
 */

/** Persisted per topic, under its name in the `topics` database. */
export interface TopicRecord {
  id: number;
  epoch: string;
  head: number;
  earliest: number;
  bytes: number;
}

/** Persisted under `state` in the `meta` database. */
export interface StoreState {
  version: 1;
  /** Boot of the OS that last opened the store. */
  bootId: string;
  /** The last run closed the store cleanly. */
  clean: boolean;
}

export const STORE_FORMAT_VERSION = 1;

export function encodeValue(time: number, data: string): string {
  return time + ':' + data;
}

export function decodeValue(value: string): { time: number; data: string } {
  const colon = value.indexOf(':');
  return { time: Number(value.slice(0, colon)), data: value.slice(colon + 1) };
}

const COLON = 0x3a;

/** Time and data size of a stored value, read from its bytes without decoding the data. */
export function measureValue(raw: Uint8Array): { time: number; bytes: number } {
  let time = 0;
  let i = 0;
  for (; i < raw.length && raw[i] !== COLON; i++) time = time * 10 + ((raw[i] as number) - 48);
  return { time, bytes: raw.length - i - 1 };
}

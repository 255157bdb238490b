/**
 * On-disk record shapes of the LMDB store. A message value is the text
 * `<time>:<crc32 hex>:<data JSON>`: replay reads it with slices, no JSON parse,
 * and the checksum (of `<time>:<data>`) lets a damaged message be caught rather
 * than served. Values written by format 1 (`<time>:<data>`) carry no checksum.
 */
import { crc32 } from 'node:zlib';

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
  version: number;
  /** Boot of the OS that last opened the store. */
  bootId: string;
  /** The last run closed the store cleanly. */
  clean: boolean;
}

export const STORE_FORMAT_VERSION = 2;
/** Formats this version opens: 1 lacks message checksums, and is upgraded as it is written to. */
export const READABLE_FORMATS: readonly number[] = [1, 2];

const CRC_CHARS = 8;

function checksum(time: number, data: string): string {
  return crc32(data, crc32(time + ':')).toString(16).padStart(CRC_CHARS, '0');
}

export function encodeValue(time: number, data: string): string {
  return `${time}:${checksum(time, data)}:${data}`;
}

/** Where `data` starts in a value, and its checksum text if it has one. */
function layout(value: string, colon: number): { dataAt: number; crc: string | undefined } {
  const end = colon + 1 + CRC_CHARS;
  if (value.charCodeAt(end) === COLON && /^[0-9a-f]{8}$/.test(value.slice(colon + 1, end))) {
    return { dataAt: end + 1, crc: value.slice(colon + 1, end) };
  }
  return { dataAt: colon + 1, crc: undefined };
}

/** A stored value's parts; `intact` is false when its checksum does not match (damaged on disk). */
export function decodeValue(value: string): { time: number; data: string; intact: boolean } {
  const colon = value.indexOf(':');
  const time = Number(value.slice(0, colon));
  const { dataAt, crc } = layout(value, colon);
  const data = value.slice(dataAt);
  return { time, data, intact: colon > 0 && Number.isSafeInteger(time) && (crc === undefined || crc === checksum(time, data)) };
}

/** Bytes of `data` (UTF-8) in a value; its prefix is ASCII, so a character index is a byte index. */
export function dataBytes(value: string): number {
  return Buffer.byteLength(value) - layout(value, value.indexOf(':')).dataAt;
}

const COLON = 0x3a;

/** Time and data size of a stored value, read from its bytes without decoding the data. */
export function measureValue(raw: Uint8Array): { time: number; bytes: number } {
  let time = 0;
  let i = 0;
  for (; i < raw.length && raw[i] !== COLON; i++) time = time * 10 + ((raw[i] as number) - 48);
  let dataAt = i + 1;
  const end = dataAt + CRC_CHARS;
  if (raw[end] === COLON) {
    let hex = true;
    for (let j = dataAt; j < end && hex; j++) {
      const c = raw[j] as number;
      hex = (c >= 48 && c <= 57) || (c >= 97 && c <= 102);
    }
    if (hex) dataAt = end + 1;
  }
  return { time, bytes: raw.length - dataAt };
}

import { readFileSync } from 'node:fs';
import { uptime } from 'node:os';
import { customAlphabet } from 'nanoid';

/** Epochs are short, URL-safe and random: 12 characters of 64 give 72 bits. */
export const newEpoch: () => string = customAlphabet(
  '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz_-',
  12,
);

/**
 * An identifier of the running OS boot. A change between two runs means the
 * machine restarted, so writes not yet flushed to disk may be gone.
 */
export function currentBootId(): string {
  try {
    return readFileSync('/proc/sys/kernel/random/boot_id', 'utf8').trim();
  } catch {
    // No boot_id outside Linux: the boot time, to the minute, serves instead.
    const bootedAt = Date.now() - uptime() * 1000;
    return 'boot-' + Math.round(bootedAt / 60_000);
  }
}

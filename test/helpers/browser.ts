/**
 * Debian's Chromium driven by playwright-core (its own browser download cannot
 * run here). A missing Chromium fails with one line saying how to install it.
 */
import { existsSync, mkdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, it } from 'node:test';
import { chromium, type Browser } from 'playwright-core';

export const CHROMIUM = process.env.TIDINGS_CHROMIUM ?? '/usr/bin/chromium';
export const CHROMIUM_ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking'];
/** Screenshots and other files a test run leaves for people to look at. */
export const ARTIFACTS = fileURLToPath(new URL('../artifacts/', import.meta.url));

/** Why the browser tests cannot run here, in one line, or undefined when Chromium is there. */
export function chromiumMissing(): string | undefined {
  if (existsSync(CHROMIUM)) return undefined;
  return `Chromium not found at ${CHROMIUM}: install it with "sudo apt-get install -y chromium", or set TIDINGS_CHROMIUM to its path`;
}

export function launchChromium(): Promise<Browser> {
  return chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS, timeout: 30_000 });
}

export function artifactPath(name: string): string {
  mkdirSync(ARTIFACTS, { recursive: true });
  return ARTIFACTS + name;
}

/**
 * A suite that needs Chromium. Without it the run fails with one line saying how
 * to install it: not skipped, since the guarantees would go unproven.
 */
export function describeInChromium(name: string, options: { timeout: number }, fn: () => void): void {
  const missing = chromiumMissing();
  if (!missing) {
    describe(name, options, fn);
    return;
  }
  process.stderr.write(`${missing}\n`);
  it('needs Chromium', () => {
    const error = new Error(missing);
    error.stack = missing;
    throw error;
  });
}

/**
 * Debian's Chromium driven by playwright-core (its own browser download cannot
 * run here). A missing Chromium fails with one line saying how to install it.
 */
import { existsSync, mkdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
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

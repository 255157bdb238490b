/**
 * Where a client keeps each topic's position `{offset, epoch}`, so a reloaded
 * page or restarted process resumes where it left off.
 */
export interface Position {
  /** The last offset the application has seen. */
  offset: number;
  epoch: string;
}

export interface OffsetStore {
  get(topic: string): Position | undefined;
  set(topic: string, position: Position): void;
  delete(topic: string): void;
}

export class MemoryOffsetStore implements OffsetStore {
  readonly #positions = new Map<string, Position>();

  get(topic: string): Position | undefined {
    return this.#positions.get(topic);
  }

  set(topic: string, position: Position): void {
    this.#positions.set(topic, position);
  }

  delete(topic: string): void {
    this.#positions.delete(topic);
  }
}

/** The parts of the Web Storage API this store uses (`localStorage` in browsers). */
export interface KeyValueStorage {
  getItem(key: string): string | null;
  setItem(key: string, value: string): void;
  removeItem(key: string): void;
}

/** Positions in `localStorage` (or any Web Storage), one key per topic under `prefix`. */
export class WebStorageOffsetStore implements OffsetStore {
  readonly #storage: KeyValueStorage;
  readonly #prefix: string;

  constructor(storage: KeyValueStorage = (globalThis as { localStorage?: KeyValueStorage }).localStorage as KeyValueStorage, prefix = 'tidings:') {
    if (!storage) throw new TypeError('WebStorageOffsetStore needs a storage such as localStorage');
    this.#storage = storage;
    this.#prefix = prefix;
  }

  get(topic: string): Position | undefined {
    const text = this.#storage.getItem(this.#prefix + topic);
    if (!text) return undefined;
    try {
      const value = JSON.parse(text) as Position;
      return Number.isSafeInteger(value.offset) && typeof value.epoch === 'string' ? value : undefined;
    } catch {
      return undefined;
    }
  }

  set(topic: string, position: Position): void {
    this.#storage.setItem(this.#prefix + topic, JSON.stringify(position));
  }

  delete(topic: string): void {
    this.#storage.removeItem(this.#prefix + topic);
  }
}

/** Sends each topic to the memory or the disk store, as its policy says. */
import type {
  AppendInput, AppendResult, LogStore, PolicyResolver, StoredMessage, TopicBounds, TopicInfo,
} from './log-store.js';

export class RoutedLogStore implements LogStore {
  readonly #policyFor: PolicyResolver;
  readonly #memory: LogStore;
  readonly #disk: LogStore | undefined;

  constructor(policyFor: PolicyResolver, stores: { memory: LogStore; disk?: LogStore }) {
    this.#policyFor = policyFor;
    this.#memory = stores.memory;
    this.#disk = stores.disk;
  }

  #for(topic: string): LogStore {
    if (this.#policyFor(topic).storage === 'memory' || !this.#disk) return this.#memory;
    return this.#disk;
  }

  async open(): Promise<void> {
    await this.#memory.open();
    await this.#disk?.open();
  }

  touch(topic: string): Promise<TopicBounds> {
    return this.#for(topic).touch(topic);
  }

  bounds(topic: string): TopicBounds | undefined {
    return this.#for(topic).bounds(topic);
  }

  forget(topic: string): void {
    this.#for(topic).forget(topic);
  }

  append(topic: string, input: AppendInput): Promise<AppendResult> {
    return this.#for(topic).append(topic, input);
  }

  read(topic: string, after: number, limit: number): Promise<StoredMessage[]> {
    return this.#for(topic).read(topic, after, limit);
  }

  list(prefix: string, limit: number): TopicInfo[] {
    const all = [...this.#memory.list(prefix, limit), ...(this.#disk?.list(prefix, limit) ?? [])];
    return all.sort((a, b) => (a.topic < b.topic ? -1 : a.topic > b.topic ? 1 : 0)).slice(0, limit);
  }

  async close(): Promise<void> {
    await this.#memory.close();
    await this.#disk?.close();
  }
}

/**
 * Wildcard subscriptions (`*` one segment, trailing `>` one or more) in a trie
 * by segment, so matching a topic walks its segments instead of every pattern.
 */

interface Node<T> {
  children: Map<string, Node<T>>;
  star: Node<T> | undefined;
  /** Subscribers whose pattern ends here. */
  here: Set<T>;
  /** Subscribers whose pattern ends here with `>`. */
  rest: Set<T>;
}

function node<T>(): Node<T> {
  return { children: new Map(), star: undefined, here: new Set(), rest: new Set() };
}

export class WildcardIndex<T> {
  readonly #root: Node<T> = node();
  /** Bumped on every change, so callers can cache match results. */
  version = 0;
  size = 0;

  add(pattern: string, item: T): void {
    let at = this.#root;
    const segments = pattern.split('.');
    for (const seg of segments) {
      if (seg === '>') {
        this.#addTo(at.rest, item);
        return;
      }
      if (seg === '*') at = at.star ??= node();
      else {
        let next = at.children.get(seg);
        if (!next) at.children.set(seg, (next = node()));
        at = next;
      }
    }
    this.#addTo(at.here, item);
  }

  /** Counts an item once however often it is added to one pattern, as remove() counts it. */
  #addTo(set: Set<T>, item: T): void {
    if (set.has(item)) return;
    set.add(item);
    this.#changed(1);
  }

  remove(pattern: string, item: T): void {
    const path: Array<[Node<T>, string]> = [];
    let at: Node<T> | undefined = this.#root;
    for (const seg of pattern.split('.')) {
      if (seg === '>') {
        if (at.rest.delete(item)) this.#changed(-1);
        this.#prune(path);
        return;
      }
      path.push([at, seg]);
      at = seg === '*' ? at.star : at.children.get(seg);
      if (!at) return;
    }
    if (at.here.delete(item)) this.#changed(-1);
    this.#prune(path);
  }

  #changed(delta: number): void {
    this.size += delta;
    this.version++;
  }

  /** Drops empty nodes on the way back up, so churn does not leak memory. */
  #prune(path: Array<[Node<T>, string]>): void {
    for (let i = path.length - 1; i >= 0; i--) {
      const [parent, seg] = path[i] as [Node<T>, string];
      const child = seg === '*' ? parent.star : parent.children.get(seg);
      if (!child || child.here.size || child.rest.size || child.children.size || child.star) return;
      if (seg === '*') parent.star = undefined;
      else parent.children.delete(seg);
    }
  }

  /** Every item whose pattern matches the concrete `topic`. */
  match(topic: string): T[] {
    const out: T[] = [];
    if (this.size === 0) return out;
    const segments = topic.split('.');
    const walk = (at: Node<T>, i: number): void => {
      if (i === segments.length) {
        for (const item of at.here) out.push(item);
        return;
      }
      for (const item of at.rest) out.push(item);
      const exact = at.children.get(segments[i] as string);
      if (exact) walk(exact, i + 1);
      if (at.star) walk(at.star, i + 1);
    };
    walk(this.#root, 0);
    return out;
  }
}

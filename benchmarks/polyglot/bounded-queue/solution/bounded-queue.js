export class BoundedQueue {
  #items;
  #head = 0;
  #size = 0;

  constructor(capacity) {
    if (!Number.isInteger(capacity) || capacity < 1) throw new RangeError(`capacity must be a positive integer, got ${capacity}`);
    this.#items = new Array(capacity);
  }

  get size() {
    return this.#size;
  }

  get isFull() {
    return this.#size === this.#items.length;
  }

  enqueue(item) {
    if (this.isFull) throw new Error(`the queue is full (${this.#items.length} items)`);
    this.#items[(this.#head + this.#size) % this.#items.length] = item;
    return ++this.#size;
  }

  dequeue() {
    if (this.#size === 0) throw new Error('the queue is empty');
    const item = this.#items[this.#head];
    this.#items[this.#head] = undefined;
    this.#head = (this.#head + 1) % this.#items.length;
    this.#size--;
    return item;
  }

  peek() {
    return this.#size === 0 ? undefined : this.#items[this.#head];
  }

  *[Symbol.iterator]() {
    for (let i = 0; i < this.#size; i++) yield this.#items[(this.#head + i) % this.#items.length];
  }
}

export class BoundedQueue {
  constructor() {
    throw new Error('Remove this line and implement BoundedQueue');
  }
}

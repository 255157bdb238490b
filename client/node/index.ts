/**
 * `tidings/client/node`: the parts of the client that only Node can run, kept
 * out of `tidings/client` and of the browser bundle. The client itself comes
 * from `tidings/client`.
 */
export { FileOffsetStore, type FileOffsetStoreOptions } from './file-offset-store.js';

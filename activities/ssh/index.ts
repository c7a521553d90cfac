// SSH for activities: the Host interface, the pool, typed errors. Nothing else imports ssh2.
export * from './types';
export { SshError, toApplicationFailure, classifyConnectError } from './errors';
export { SshPool } from './pool';
export { RemoteHost, uploadTempPrefix } from './remote-host';
export { readText } from './read-text';
export { fingerprint, knownHostsName } from './known-hosts';

// What an install's activities answer when stood in (preflight left out): the workflow tests'
// plan-equals-run check and the fleet simulation (bench/fleet) drive the same install with them.

/** Every activity an install schedules after preflight. */
export const INSTALL_ACTIVITIES = [
  'prepareOs',
  'ensureBinaries',
  'ensureAuthorities',
  'ensureHostCertificates',
  'readEtcdFormed',
  'ensureEtcdMember',
  'checkEtcdHealth',
  'ensureHaproxy',
  'ensureKeepalived',
  'checkEndpoint',
  'ensureApiserver',
  'checkApiserverReady',
  'ensureControllers',
  'ensureBootstrapRbac',
  'ensureContainerd',
  'ensureKubelet',
  'ensureKubeProxy',
  'checkNodeRegistered',
  'applyAddons',
] as const;

/** The answers the workflow reads; every other stand-in answers `{}`. */
export const INSTALL_RESULTS: Readonly<Record<string, unknown>> = {
  prepareOs: { warnings: [] },
  readEtcdFormed: { formed: false },
  applyAddons: { warnings: [] },
  checkNodeRegistered: { ready: 'True' },
};

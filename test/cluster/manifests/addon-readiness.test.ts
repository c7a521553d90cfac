// Readiness of the add-ons from API objects, and the reason given when they are not.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  addonReadiness,
  describeNotReady,
  type ClusterObjects,
} from '../../../cluster/manifests/addon-readiness';
import type { Addon } from '../../../cluster/manifests/addons';

const calico: Addon = {
  name: 'calico',
  manifest: '',
  workloads: [
    { kind: 'DaemonSet', name: 'calico-node', app: 'calico-node' },
    { kind: 'Deployment', name: 'calico-kube-controllers', app: 'calico-kube-controllers' },
  ],
  apiServices: [],
};
const metrics: Addon = {
  name: 'metrics-server',
  manifest: '',
  workloads: [{ kind: 'Deployment', name: 'metrics-server', app: 'metrics-server' }],
  apiServices: ['v1beta1.metrics.k8s.io'],
};

const empty: ClusterObjects = { daemonSets: [], deployments: [], apiServices: [], pods: [] };

const pullFailing = (name: string, app: string, reason = 'ImagePullBackOff') => ({
  metadata: { name, labels: { 'k8s-app': app } },
  spec: { nodeName: 'worker-1' },
  status: {
    phase: 'Pending',
    initContainerStatuses: [{ name: 'install-cni', state: { waiting: { reason } } }],
    containerStatuses: [{ name: 'calico-node', state: { waiting: { reason: 'PodInitializing' } } }],
  },
});

test('all workloads ready and the API service available: ready', () => {
  const r = addonReadiness([calico, metrics], {
    daemonSets: [
      { metadata: { name: 'calico-node' }, status: { desiredNumberScheduled: 5, numberReady: 5 } },
    ],
    deployments: [
      { metadata: { name: 'calico-kube-controllers' }, spec: { replicas: 1 }, status: { readyReplicas: 1 } },
      { metadata: { name: 'metrics-server' }, spec: { replicas: 1 }, status: { readyReplicas: 1 } },
    ],
    apiServices: [
      {
        metadata: { name: 'v1beta1.metrics.k8s.io' },
        status: { conditions: [{ type: 'Available', status: 'True' }] },
      },
    ],
    pods: [],
  });
  assert.deepEqual(r, { ready: ['calico', 'metrics-server'], notReady: [] });
});

test('pods that cannot pull their images: the count and the reason, init containers included', () => {
  const r = addonReadiness([calico], {
    ...empty,
    daemonSets: [
      { metadata: { name: 'calico-node' }, status: { desiredNumberScheduled: 3, numberReady: 0 } },
    ],
    deployments: [{ metadata: { name: 'calico-kube-controllers' }, spec: { replicas: 1 }, status: {} }],
    pods: [
      pullFailing('calico-node-a', 'calico-node'),
      pullFailing('calico-node-b', 'calico-node'),
      pullFailing('calico-node-c', 'calico-node', 'ErrImagePull'),
      {
        metadata: { name: 'calico-kube-controllers-x', labels: { 'k8s-app': 'calico-kube-controllers' } },
        status: {
          phase: 'Pending',
          conditions: [
            {
              type: 'PodScheduled',
              status: 'False',
              reason: 'Unschedulable',
              message: '0/3 nodes are available',
            },
          ],
        },
      },
    ],
  });
  assert.deepEqual(r.ready, []);
  assert.deepEqual(r.notReady.map(describeNotReady), [
    'calico: daemonset/calico-node 0/3 ready (2 pods ImagePullBackOff; 1 pod ErrImagePull)',
    'calico: deployment/calico-kube-controllers 0/1 ready (1 pod Unschedulable: 0/3 nodes are available)',
  ]);
});

test('missing objects, an empty DaemonSet and an unavailable API service are not ready', () => {
  const r = addonReadiness([calico, metrics], {
    ...empty,
    daemonSets: [
      { metadata: { name: 'calico-node' }, status: { desiredNumberScheduled: 0, numberReady: 0 } },
    ],
    deployments: [
      { metadata: { name: 'metrics-server' }, spec: { replicas: 1 }, status: { readyReplicas: 1 } },
    ],
    apiServices: [
      {
        metadata: { name: 'v1beta1.metrics.k8s.io' },
        status: { conditions: [{ type: 'Available', status: 'False', reason: 'MissingEndpoints' }] },
      },
    ],
  });
  assert.deepEqual(r.notReady.map(describeNotReady), [
    'calico: daemonset/calico-node 0/0 ready (no pods created yet)',
    'calico: deployment/calico-kube-controllers 0/1 ready (no pods created yet)',
    'metrics-server: apiservice/v1beta1.metrics.k8s.io unavailable (MissingEndpoints)',
  ]);
});

/** One calico-node pod whose containers say nothing useful (still initializing): only its events tell. */
const oneStuckCalicoPod = (events: NonNullable<ClusterObjects['events']>) =>
  addonReadiness([calico], {
    ...empty,
    daemonSets: [
      { metadata: { name: 'calico-node' }, status: { desiredNumberScheduled: 1, numberReady: 0 } },
    ],
    deployments: [
      { metadata: { name: 'calico-kube-controllers' }, spec: { replicas: 1 }, status: { readyReplicas: 1 } },
    ],
    pods: [pullFailing('calico-node-a', 'calico-node', 'PodInitializing')],
    events,
  });

test('a pod whose sandbox cannot start: the latest warning event and the image it names', () => {
  const r = oneStuckCalicoPod([
    { involvedObject: { name: 'calico-node-a' }, reason: 'FailedMount', message: 'not yet' },
    {
      involvedObject: { name: 'calico-node-a' },
      reason: 'FailedCreatePodSandBox',
      message:
        'failed to get sandbox image "registry.k8s.io/pause:3.10": failed to pull image "registry.k8s.io/pause:3.10": dial tcp: lookup registry.k8s.io: no such host',
    },
  ]);
  assert.deepEqual(r.notReady.map(describeNotReady), [
    'calico: daemonset/calico-node 0/1 ready (1 pod FailedCreatePodSandBox (image registry.k8s.io/pause:3.10))',
  ]);
});

test('a volume that cannot be mounted is named', () => {
  const r = oneStuckCalicoPod([
    {
      involvedObject: { name: 'calico-node-a' },
      reason: 'FailedMount',
      message:
        'MountVolume.SetUp failed for volume "lib-modules" : hostPath type check failed: /lib/modules is not a directory',
    },
  ]);
  assert.deepEqual(r.notReady.map(describeNotReady), [
    'calico: daemonset/calico-node 0/1 ready (1 pod FailedMount (volume lib-modules))',
  ]);
});

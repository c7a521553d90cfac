// Conformance runs (docs/conformance.md): which tests use which e2e images, which of those the
// offline bundle has, the plan of a run and its summary. Pure code; activities/conformance runs it.
export * from './e2e-images';
export * from './images-plan';
export * from './junit';
export * from './run-plan';
export * from './summary';
export * from './test-images';
export * from './e2e-command';

// The failure converter used while encryption is on: error messages and stack traces travel as
// an encoded payload (which the codec encrypts) instead of plain text. Loaded by path
// (`failureConverterPath`) by the client, the worker and the workflow bundle built for
// encryption (workers/bundle.ts), so keep it free of anything but @temporalio/common.
import { DefaultFailureConverter } from '@temporalio/common';

export const failureConverter = new DefaultFailureConverter({ encodeCommonAttributes: true });

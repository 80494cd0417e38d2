import { serve } from '../server/serve.ts';
import { FaultInjectingHost, withFaultControl } from './fault-injection.ts';

/** The server as server/main.ts runs it, plus `POST /admin/test/faults` (testing/fault-injection.ts), for load tests. */
let faults: FaultInjectingHost | undefined;
await serve({
  versionHost: (engine) => (faults = new FaultInjectingHost(engine)),
  fetch: (appFetch) => withFaultControl(appFetch, () => faults),
});
